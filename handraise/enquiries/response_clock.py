"""The response clock: when a reply is due, when the first response came, the alarms.

The clock starts when a hand-raise arrives (``response_due``, in business time)
and stops at the first human response: replies, calls and held meetings stamp it,
acknowledgements never do. The alarms' emails are written in ``acknowledgement``.
"""

from datetime import datetime, timedelta

from handraise.accounts.models import BusinessSettings
from handraise.core.clock import BusinessCalendar, now
from handraise.enquiries.acknowledgement import alert_owners
from handraise.enquiries.models import Enquiry

# Owners are reminded this long before a response falls due.
REMIND_BEFORE = timedelta(minutes=15)


def response_due(received_at: datetime, business: BusinessSettings) -> datetime:
    calendar = BusinessCalendar.for_business()
    return calendar.add_business_minutes(received_at, business.response_target_minutes)


def record_first_response(*, enquiry: Enquiry, user, at: datetime | None = None) -> bool:
    """Stamp the first human response, if there was none; returns whether it stamped."""
    at = max(at or now(), enquiry.received_at)
    updated = Enquiry.objects.filter(pk=enquiry.pk, first_response_at__isnull=True).update(
        first_response_at=at, first_response_by=user
    )
    Enquiry.objects.filter(pk=enquiry.pk, status=Enquiry.Status.OPEN).update(
        status=Enquiry.Status.RESPONDED
    )
    enquiry.refresh_from_db(fields=["first_response_at", "first_response_by", "status"])
    return bool(updated)


def sound_response_alarms() -> int:
    """Remind owners before a response falls due, and escalate when it is missed. Periodic."""
    moment = now()
    waiting = Enquiry.objects.filter(status=Enquiry.Status.OPEN, first_response_at__isnull=True)
    sent = 0
    for enquiry in waiting.filter(
        reminded_at__isnull=True,
        response_due_at__gt=moment,
        response_due_at__lte=moment + REMIND_BEFORE,
    ).select_related("contact", "form")[:200]:
        alert_owners(enquiry=enquiry, kind="reminder")
        Enquiry.objects.filter(pk=enquiry.pk).update(reminded_at=moment)
        sent += 1
    for enquiry in waiting.filter(
        escalated_at__isnull=True, response_due_at__lte=moment
    ).select_related("contact", "form")[:200]:
        alert_owners(enquiry=enquiry, kind="overdue")
        Enquiry.objects.filter(pk=enquiry.pk).update(escalated_at=moment)
        sent += 1
    return sent
