"""What the prospect and the owners are told: the acknowledgement, notifications, alarms.

Every email here is queued through the outbox under a key, so each goes once
however often its caller runs. When an alarm sounds is the response clock's
business (``response_clock``); what it says is written here.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from handraise.accounts.models import BusinessSettings
from handraise.contacts.normalisation import normalise_email
from handraise.core import outbox
from handraise.core.clock import now
from handraise.core.models import OutgoingEmail
from handraise.core.placeholders import fill, recipient_values
from handraise.enquiries.models import Enquiry


def acknowledge_enquiry(
    *, enquiry: Enquiry, business: BusinessSettings, in_reply_to: str = ""
) -> None:
    """Queue the prompt, personal acknowledgement (once per enquiry, by its key).

    ``in_reply_to`` is the Message-ID of the prospect's own email, when they wrote one.
    """
    email = enquirer_email(enquiry)
    if not email or _acknowledged_lately(email):
        return
    values = placeholder_values(enquiry=enquiry, business=business)
    outbox.queue_email(
        key=f"ack:enquiry:{enquiry.pk}",
        kind="acknowledgement",
        to=email,
        reply_to=business.reply_to_email,
        in_reply_to=in_reply_to,
        subject=fill(business.acknowledgement_subject, values),
        body=fill(business.acknowledgement_body, values),
    )
    Enquiry.objects.filter(pk=enquiry.pk).update(acknowledged_at=now())


def placeholder_values(*, enquiry: Enquiry, business: BusinessSettings) -> dict[str, str]:
    """What the placeholders of an acknowledgement or a saved reply stand for."""
    return {
        **recipient_values(enquiry.from_name, enquiry.contact.name),
        "message": enquiry.message,
        "business": business.name,
        "reply_promise": _reply_promise(business),
    }


# At most one acknowledgement per address in this window: a help desk that answers
# every message from a new address (or a prospect who writes five times in an hour)
# must not get an acknowledgement each time. The owner is notified of each all the same.
ACKNOWLEDGE_AT_MOST_EVERY = timedelta(days=1)


def _acknowledged_lately(address: str) -> bool:
    return OutgoingEmail.objects.filter(
        to=address, kind="acknowledgement", created_at__gt=now() - ACKNOWLEDGE_AT_MOST_EVERY
    ).exists()


def notify_owners(*, enquiry: Enquiry) -> None:
    for user in _people_to_notify(enquiry):
        outbox.queue_email(
            key=f"notify:enquiry:{enquiry.pk}:{user.pk}",
            kind="notification",
            to=user.email,
            subject=f"New enquiry from {enquiry.from_name or enquiry.contact.name}",
            body=(
                f"{enquiry.from_name or enquiry.contact.name} "
                f"({enquiry.from_email or enquiry.from_phone}) wrote:\n\n{enquiry.message}\n\n"
                f"Reply by {_local(enquiry.response_due_at)} to meet your response target:\n"
                f"{settings.BASE_URL}/inbox/{enquiry.pk}/\n"
            ),
        )


# What each alarm says; when it sounds is the response clock's (sound_response_alarms).
_ALARM_HEADLINES = {"reminder": "Reply due at", "overdue": "Response target missed at"}


def alert_owners(*, enquiry: Enquiry, kind: str) -> None:
    """Tell the owners a response is nearly due ("reminder") or was missed ("overdue")."""
    headline = f"{_ALARM_HEADLINES[kind]} {_local(enquiry.response_due_at)}"
    who = enquiry.from_name or enquiry.contact.name
    for user in _people_to_notify(enquiry):
        outbox.queue_email(
            key=f"{kind}:enquiry:{enquiry.pk}:{user.pk}",
            kind=kind,
            to=user.email,
            subject=f"{headline}: enquiry from {who}",
            body=f"{who} is waiting for a reply.\n\n{enquiry.message}\n\n"
            f"{settings.BASE_URL}/inbox/{enquiry.pk}/\n",
        )


def _people_to_notify(enquiry: Enquiry):
    users = enquiry.form.notify.all() if enquiry.form_id else []
    if not users:
        users = get_user_model().objects.filter(is_staff=True)
    return [u for u in users if u.is_active and u.email]


def enquirer_email(enquiry: Enquiry) -> str:
    try:
        return normalise_email(enquiry.from_email) if enquiry.from_email else ""
    except ValidationError:
        return ""


def _reply_promise(business: BusinessSettings) -> str:
    minutes = business.response_target_minutes
    if minutes < 120:
        return f"within {minutes} minutes during our working hours"
    hours = Decimal(minutes) / 60
    return f"within {hours.normalize():f} working hours"


def _local(moment: datetime | None) -> str:
    if moment is None:
        return "soon"
    return moment.astimezone(BusinessSettings.load().zone).strftime("%a %d %b %H:%M")
