"""Writes for enquiries brought back from history: imported hand-raises, forms, saved replies.

An imported enquiry is history, not a hand-raise arriving: it is stored with the
times it had (received, due, acknowledged, first response) and nothing else
happens. No acknowledgement is queued, no owner is notified, and an enquiry still
waiting for its first response has its alarms marked as sounded at the moments
they would have, so the response clock never sounds them for it. Live intake
(``submissions``, ``answering``) is not here, nor are forms (``form_settings``
restores them, with the settings page's rules).
"""

from datetime import datetime

from handraise.enquiries.models import Enquiry, ReplyTemplate
from handraise.enquiries.response_clock import REMIND_BEFORE

# The enquiry fields an import may give, beyond its contact, channel and time.
ENQUIRY_FIELDS = (
    "status",
    "message",
    "from_name",
    "from_email",
    "from_phone",
    "from_company",
    "visitor_id",
    "referrer",
    "landing_page",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_content",
    "utm_term",
    "response_due_at",
    "acknowledged_at",
    "reminded_at",
    "escalated_at",
    "first_response_at",
    "first_response_by",
    "fit_score",
    "form",
    "created_at",
)


def record_imported_enquiry(
    *, contact_id: int, channel: str, received_at: datetime, **fields
) -> Enquiry:
    """An enquiry from history with its own times; nothing is sent, queued or sounded."""
    unknown = set(fields) - set(ENQUIRY_FIELDS)
    if unknown:
        raise TypeError(f"record_imported_enquiry() got unknown fields: {sorted(unknown)}")
    enquiry = Enquiry(contact_id=contact_id, channel=channel, received_at=received_at, **fields)
    if not fields.get("created_at"):
        enquiry.created_at = received_at  # intake writes an enquiry the moment it arrives
    waiting = enquiry.status == Enquiry.Status.OPEN and enquiry.first_response_at is None
    if waiting and enquiry.response_due_at is not None:
        # Whatever the old tool did about it, those alarms are past news here.
        due = enquiry.response_due_at
        enquiry.reminded_at = enquiry.reminded_at or max(due - REMIND_BEFORE, received_at)
        enquiry.escalated_at = enquiry.escalated_at or due
    enquiry.save()
    return enquiry


def record_imported_reply_template(
    *, name: str, subject: str, body: str
) -> tuple[ReplyTemplate, bool]:
    """The saved reply of this name as the file has it; (template, made)."""
    template = ReplyTemplate.objects.filter(name=name).first()
    made = template is None
    template = template or ReplyTemplate(name=name)
    template.subject, template.body = subject, body
    template.full_clean(validate_unique=False)
    template.save()
    return template, made
