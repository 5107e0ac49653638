"""What sales conversations teach marketing, and the profile both sides aim at.

Signals are captured on deals and contacts; themes group similar signals and
carry the content idea that answers them. The health check reads these and the
other apps' tables; it stores nothing of its own.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone


class Theme(models.Model):
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    content_idea = models.TextField(blank=True, help_text="The piece of marketing that answers it.")
    answered_by = models.ManyToManyField(
        "marketing.Asset",
        blank=True,
        related_name="themes",
        help_text="Published assets that already answer this theme.",
    )
    created_at = models.DateTimeField(default=timezone.now)  # imports keep history's own

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Signal(models.Model):
    class Kind(models.TextChoices):
        QUESTION = "question", "Question"
        OBJECTION = "objection", "Objection"
        PRAISE = "praise", "Praise"
        COMPETITOR = "competitor", "Competitor mention"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    text = models.TextField()
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="signals"
    )
    deal = models.ForeignKey(
        "sales.Deal", null=True, blank=True, on_delete=models.CASCADE, related_name="signals"
    )
    activity = models.ForeignKey(
        "sales.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="signals"
    )
    theme = models.ForeignKey(
        Theme, null=True, blank=True, on_delete=models.SET_NULL, related_name="signals"
    )
    captured_at = models.DateTimeField()
    captured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-captured_at"]
        indexes = [
            models.Index(fields=["theme", "captured_at"]),
            models.Index(fields=["kind", "captured_at"]),
            models.Index(fields=["deal"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:60]}"


class QuickTag(models.Model):
    """A signal the business hears often, offered as one tick when a conversation is logged.

    Ticking it records a Signal with this kind and label as its text (and this theme,
    when the owner has linked one), so the same words gather into the same theme.
    """

    kind = models.CharField(max_length=10, choices=Signal.Kind.choices)
    label = models.CharField(max_length=100)
    theme = models.ForeignKey(
        Theme,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quick_tags",
        help_text="Signals from this tag join this theme.",
    )
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True, help_text="Offer it when logging.")

    class Meta:
        ordering = ["position", "label"]
        constraints = [models.UniqueConstraint(fields=["kind", "label"], name="quick_tag_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.label}"


class IdealClientProfile(models.Model):
    """The shared definition of the right client; enquiries get a fit score against it."""

    name = models.CharField(max_length=200, default="Ideal client")
    description = models.TextField(blank=True)
    industries = models.JSONField(default=list, blank=True, help_text="List of industry names.")
    min_employees = models.PositiveIntegerField(null=True, blank=True)
    max_employees = models.PositiveIntegerField(null=True, blank=True)
    min_deal_value = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    regions = models.JSONField(default=list, blank=True, help_text='Country codes, e.g. ["GB"].')
    keywords = models.JSONField(
        default=list, blank=True, help_text="Words in an enquiry that suggest a good fit."
    )
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "ideal client profile"

    def __str__(self) -> str:
        return self.name
