"""People and the organisations they belong to.

A contact may have several emails and phones; each is stored normalised (see
``normalisation.py``) so identity resolution can match on equality. An email
belongs to one contact only; a phone may be shared (an office switchboard).
An erased contact (``erased_at``) is an anonymous placeholder, listed nowhere.
"""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from handraise.contacts.normalisation import validate_e164, validate_stored_email


class Organisation(models.Model):
    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=253, blank=True, help_text="e.g. example.com")
    website = models.URLField(max_length=500, blank=True)
    industry = models.CharField(max_length=100, blank=True)
    employees = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(Lower("name"), name="organisation_name_lower"),
            models.Index(fields=["domain"]),
        ]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    name = models.CharField(max_length=200)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    job_title = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True)
    # Blocking key for fuzzy matching (see matching.py): compare only contacts that share it.
    match_key = models.CharField(max_length=100, blank=True, editable=False)
    # A default, not auto_now_add, so an imported person keeps the date the file gives.
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # Set when the person asked to be forgotten (``handraise.privacy``): the row stays,
    # emptied, as the anonymous placeholder their enquiries and deals still point to.
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(Lower("name"), name="contact_name_lower"),
            models.Index(fields=["created_at"]),
            # Fuzzy-match blocking reads the newest contacts that share a key.
            models.Index(fields=["match_key", "id"], name="contact_match_key_newest"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def primary_email(self) -> str:
        emails = sorted(self.emails.all(), key=lambda e: (not e.is_primary, e.pk))
        return emails[0].email if emails else ""


class ContactEmail(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="emails")
    email = models.CharField(max_length=254, unique=True, validators=[validate_stored_email])
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_primary", "pk"]
        constraints = [
            # The database refuses what must never be stored, whoever writes the row.
            models.CheckConstraint(
                condition=Q(email__contains="@") & Q(email=Lower("email")),
                name="contact_email_normalised",
            ),
        ]

    def __str__(self) -> str:
        return self.email


class ContactPhone(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(max_length=20, validators=[validate_e164], db_index=True)
    label = models.CharField(max_length=30, blank=True, help_text="mobile, office, ...")
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_primary", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(number__startswith="+"), name="contact_phone_e164"),
            models.UniqueConstraint(fields=["contact", "number"], name="contact_phone_unique"),
        ]

    def __str__(self) -> str:
        return self.number


class MergeSuggestion(models.Model):
    """Two contacts that may be one person; a user confirms or dismisses, never the machine."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for a decision"
        MERGED = "merged", "Merged"
        DISMISSED = "dismissed", "Not the same person"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    candidate = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "candidate"], name="merge_suggestion_pair"),
            models.CheckConstraint(
                condition=~Q(contact=models.F("candidate")), name="merge_suggestion_two_people"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact} ~ {self.candidate} ({self.score})"
