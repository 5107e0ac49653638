"""The hand-raise: the forms that receive it and the enquiry with its response clock.

An enquiry keeps what the person gave exactly as given (``from_*`` fields) next
to the contact it was resolved to, so nothing typed is ever lost to
normalisation. Intake, acknowledgement and the clock are services, not here.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from handraise.core.placeholders import ENQUIRY, PlaceholderValidator, help_text

FORM_FIELDS = ("name", "email", "phone", "company", "message")
FIELD_MODES = ("required", "optional", "hidden")


def default_form_fields() -> dict[str, str]:
    return {
        "name": "required",
        "email": "required",
        "phone": "optional",
        "company": "optional",
        "message": "required",
    }


def validate_form_fields(value: dict) -> None:
    if not isinstance(value, dict):
        raise ValidationError("Form fields must map each field to required, optional or hidden.")
    unknown = set(value) - set(FORM_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown form fields: {', '.join(sorted(unknown))}.")
    bad = {k: v for k, v in value.items() if v not in FIELD_MODES}
    if bad:
        raise ValidationError(f"Use required, optional or hidden for: {', '.join(sorted(bad))}.")
    if value.get("email") != "required" and value.get("phone") != "required":
        raise ValidationError("A form must require an email or a phone, or nobody can answer.")


class Form(models.Model):
    """A public intake form, posted to ``/f/<slug>/``."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    fields = models.JSONField(default=default_form_fields, validators=[validate_form_fields])
    thank_you_message = models.TextField(
        default="Thank you — we have your message and will reply shortly."
    )
    thank_you_url = models.URLField(
        max_length=1000, blank=True, help_text="Redirect here instead of the thank-you page."
    )
    allowed_origins = models.TextField(
        blank=True, help_text="One origin per line (https://example.com) allowed to post JSON."
    )
    notify = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="notified_forms"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)  # imports keep history's own

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Enquiry(models.Model):
    class Channel(models.TextChoices):
        FORM = "form", "Web form"
        EMAIL = "email", "Email"
        PHONE = "phone", "Phone"
        MEETING = "meeting", "Meeting request"
        REFERRAL = "referral", "Referral"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for first response"
        RESPONDED = "responded", "Responded"
        CONVERTED = "converted", "Converted to deal"
        NOT_A_LEAD = "not_a_lead", "Not a lead"
        SPAM = "spam", "Spam"

    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    form = models.ForeignKey(
        Form, null=True, blank=True, on_delete=models.SET_NULL, related_name="enquiries"
    )
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.PROTECT, related_name="enquiries"
    )
    received_at = models.DateTimeField()
    message = models.TextField(blank=True)

    # What the person typed, as typed.
    from_name = models.CharField(max_length=500, blank=True)
    from_email = models.CharField(max_length=500, blank=True)
    from_phone = models.CharField(max_length=100, blank=True)
    from_company = models.CharField(max_length=500, blank=True)

    # Attribution carried from the marketing side.
    visitor_id = models.CharField(max_length=64, blank=True)
    referrer = models.CharField(max_length=2000, blank=True)
    landing_page = models.CharField(max_length=2000, blank=True)
    utm_source = models.CharField(max_length=200, blank=True)
    utm_medium = models.CharField(max_length=200, blank=True)
    utm_campaign = models.CharField(max_length=200, blank=True)
    utm_content = models.CharField(max_length=200, blank=True)
    utm_term = models.CharField(max_length=200, blank=True)

    # The response clock.
    response_due_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    first_response_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="first_responses",
    )
    # Fit against the ideal client profile (``insights.fit``): set at intake, recomputed
    # for every enquiry when the profile changes. The reasons are its words, "; "-joined.
    fit_score = models.PositiveSmallIntegerField(null=True, blank=True)
    fit_reasons = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)  # imports keep history's own

    class Meta:
        ordering = ["-received_at"]
        verbose_name_plural = "enquiries"
        indexes = [
            # The Inbox: open enquiries, soonest due first.
            models.Index(fields=["status", "response_due_at"]),
            models.Index(fields=["contact", "received_at"]),
            models.Index(fields=["received_at"]),
            models.Index(fields=["channel", "received_at"]),
            models.Index(fields=["visitor_id"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_response_at__isnull=True)
                | Q(first_response_at__gte=F("received_at")),
                name="enquiry_response_after_receipt",
            ),
            models.CheckConstraint(
                condition=Q(fit_score__isnull=True) | Q(fit_score__lte=100),
                name="enquiry_fit_score_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} from {self.from_name or self.contact_id}"

    @property
    def fit_reasons_list(self) -> list[str]:
        return [reason for reason in self.fit_reasons.split("; ") if reason]

    @property
    def response_time(self):
        if self.first_response_at is None:
            return None
        return self.first_response_at - self.received_at


class Submission(models.Model):
    """A raw intake submission, stored before anything else is done with it.

    ``public_id`` is chosen at intake (before the database is even reached), so a
    submission that had to wait in the spool keeps its identity and is replayed
    exactly once. ``payload`` holds the fields exactly as posted.
    """

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSED = "processed", "Processed"
        QUARANTINED = "quarantined", "Quarantined"
        FAILED = "failed", "Could not be processed"

    public_id = models.UUIDField(unique=True)
    idempotency_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    form = models.ForeignKey(Form, on_delete=models.PROTECT, related_name="submissions")
    received_at = models.DateTimeField()
    payload = models.JSONField()
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    origin = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RECEIVED)
    quarantine_reason = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    spooled = models.BooleanField(default=False, help_text="Waited in the spool for the database.")
    enquiry = models.OneToOneField(
        Enquiry, null=True, blank=True, on_delete=models.SET_NULL, related_name="submission"
    )

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["status", "received_at"]),
            models.Index(fields=["remote_addr", "received_at"]),
        ]

    def __str__(self) -> str:
        return f"Submission {self.public_id} ({self.status})"


class ReplyTemplate(models.Model):
    """A saved reply the owner starts from in the Inbox (placeholders as in acknowledgements)."""

    name = models.CharField(max_length=100, unique=True)
    subject = models.CharField(max_length=200, validators=[PlaceholderValidator(ENQUIRY)])
    body = models.TextField(
        validators=[PlaceholderValidator(ENQUIRY)], help_text=help_text(ENQUIRY)
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class InboundEmail(models.Model):
    """One email received (``handraise ingest-email``), kept as it arrived.

    ``raw`` is stored before the message is read any further, so whatever it
    turns out to be (a reply, a new hand-raise, an auto-reply, garbage) nothing
    is lost. ``message_id`` makes a message delivered twice one row; a message
    without a Message-ID is keyed by a digest of its bytes. The parsed fields
    are an index into ``raw`` for people, not a replacement for it.
    """

    class Status(models.TextChoices):
        RECEIVED = "received", "Received, not yet handled"
        REPLY = "reply", "Reply from a prospect"
        ENQUIRY = "enquiry", "New enquiry"
        AUTO_REPLY = "auto_reply", "Auto-reply or bounce (ignored)"
        IGNORED = "ignored", "Ignored"
        QUARANTINED = "quarantined", "Quarantined: could not be read"
        SPAM = "spam", "Quarantined: looks like spam"
        FAILED = "failed", "Could not be handled"

    message_id = models.CharField(max_length=255, unique=True)
    raw = models.BinaryField(help_text="The message as received (only its start if oversized).")
    raw_size = models.PositiveBigIntegerField(help_text="Size of the whole message, in bytes.")
    source = models.CharField(max_length=500, blank=True, help_text="The file it was read from.")
    received_at = models.DateTimeField()
    from_address = models.CharField(max_length=500, blank=True)
    from_name = models.CharField(max_length=500, blank=True)
    subject = models.TextField(blank=True)
    text = models.TextField(blank=True, help_text="The message's text; for replies, the new part.")
    attachments = models.JSONField(default=list, blank=True, help_text="Names only; not kept.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RECEIVED)
    reason = models.CharField(max_length=300, blank=True)
    enquiry = models.ForeignKey(
        Enquiry, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_emails"
    )
    activity = models.OneToOneField(
        "sales.Activity",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_email",
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_emails",
    )

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["status", "received_at"])]

    def __str__(self) -> str:
        return f"Email from {self.from_address or 'unknown sender'} ({self.status})"
