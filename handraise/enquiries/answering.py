"""Answering a hand-raise from the Inbox: reply, call, meeting, dismiss, convert.

Each answer is recorded as an activity (``sales.activities``) and the human ones
stop the response clock. Opening the deal itself is sales' work
(``sales.services.open_deal``); this module decides whether the enquiry may
become one and marks it converted.
"""

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from handraise.accounts.models import BusinessSettings
from handraise.contacts.normalisation import normalise_email, normalise_phone
from handraise.contacts.services import resolve_contact
from handraise.core import outbox
from handraise.core.clock import now
from handraise.core.models import OutgoingEmail
from handraise.enquiries import inbound_mail
from handraise.enquiries.acknowledgement import enquirer_email
from handraise.enquiries.fit_scores import fit_at_intake
from handraise.enquiries.models import Enquiry, InboundEmail
from handraise.enquiries.response_clock import record_first_response, response_due
from handraise.insights.models import QuickTag
from handraise.insights.services import record_signals
from handraise.sales.activities import record_activity
from handraise.sales.models import Activity, Deal
from handraise.sales.services import open_deal


class EnquiryClosed(Exception):
    """The enquiry was already converted or dismissed; the action does not apply."""


def reply_by_email(*, enquiry: Enquiry, user, subject: str, body: str, token: str) -> OutgoingEmail:
    """Send a personal reply through the outbox and stop the clock.

    ``token`` comes from the reply form as rendered: the same form submitted twice
    (a double click, a retried request) is one email.
    """
    to = enquirer_email(enquiry) or enquiry.contact.primary_email
    if not to:
        raise ValidationError("This enquirer left no email address; log a call instead.")
    business = BusinessSettings.load()
    with transaction.atomic():
        # Answered in the thread of the email that raised the enquiry, if one did.
        first_email = (
            InboundEmail.objects.filter(enquiry=enquiry, status=InboundEmail.Status.ENQUIRY)
            .order_by("received_at")
            .values_list("message_id", flat=True)
            .first()
        )
        email = outbox.queue_email(
            key=f"reply:{token}",
            kind="reply",
            to=to,
            reply_to=user.email or business.reply_to_email,
            subject=subject,
            body=body,
            in_reply_to=inbound_mail.thread_id(first_email or ""),
        )
        # The same token twice is the same email (the outbox's key), so one activity.
        if not Activity.objects.filter(outgoing_email=email).exists():
            record_activity(
                kind=Activity.Kind.EMAIL,
                direction=Activity.Direction.OUTBOUND,
                contact_id=enquiry.contact_id,
                enquiry=enquiry,
                user=user,
                outgoing_email=email,
                subject=email.subject,
                body=email.body,
                occurred_at=email.created_at,
            )
        record_first_response(enquiry=enquiry, user=user, at=email.created_at)
    return email


def log_call(
    *,
    enquiry: Enquiry,
    user,
    notes: str = "",
    at: datetime | None = None,
    quick_tags: Sequence[QuickTag] = (),
    signal_kind: str = "",
    signal_text: str = "",
) -> Activity:
    """A call with the enquirer (made or taken): it is a first response.

    What they asked or objected to in it is recorded as signals.
    """
    at = at or now()
    with transaction.atomic():
        activity = record_activity(
            kind=Activity.Kind.CALL,
            direction=Activity.Direction.OUTBOUND,
            contact_id=enquiry.contact_id,
            enquiry=enquiry,
            user=user,
            subject="Call",
            body=notes,
            occurred_at=at,
        )
        _record_signals(activity, enquiry, user, at, quick_tags, signal_kind, signal_text)
        record_first_response(enquiry=enquiry, user=user, at=at)
    return activity


def log_meeting(
    *,
    enquiry: Enquiry,
    user,
    at: datetime,
    held: bool,
    notes: str = "",
    quick_tags: Sequence[QuickTag] = (),
    signal_kind: str = "",
    signal_text: str = "",
) -> Activity:
    """A meeting: held ones are a first response; booked ones are a dated task.

    Signals noted with a booked meeting (what they asked when booking) are dated now.
    """
    with transaction.atomic():
        activity = record_activity(
            kind=Activity.Kind.MEETING,
            direction=Activity.Direction.OUTBOUND,
            contact_id=enquiry.contact_id,
            enquiry=enquiry,
            user=user,
            subject="Meeting held" if held else "Meeting booked",
            body=notes,
            occurred_at=at if held else now(),
            due_at=None if held else at,
            completed_at=at if held else None,
        )
        _record_signals(
            activity, enquiry, user, activity.occurred_at, quick_tags, signal_kind, signal_text
        )
        if held:
            record_first_response(enquiry=enquiry, user=user, at=at)
    return activity


def _record_signals(activity, enquiry, user, at, quick_tags, kind, text) -> None:
    if not quick_tags and not text.strip():
        return
    # An enquiry that already became a deal files its signals under the deal too.
    deal_id = Deal.objects.filter(enquiry_id=enquiry.pk).values_list("pk", flat=True).first()
    record_signals(
        contact_id=enquiry.contact_id,
        deal_id=deal_id,
        activity=activity,
        user=user,
        at=at,
        quick_tags=quick_tags,
        kind=kind,
        text=text,
    )


def convert_to_deal(
    *,
    enquiry: Enquiry,
    user,
    title: str,
    value: Decimal,
    next_step: str,
    next_step_due,
) -> Deal:
    """Open a deal from the enquiry: sales starts with marketing's context attached."""
    with transaction.atomic():
        locked = Enquiry.objects.select_for_update().get(pk=enquiry.pk)
        if hasattr(locked, "deal") and _has_deal(locked):
            return locked.deal
        if locked.status in (Enquiry.Status.NOT_A_LEAD, Enquiry.Status.SPAM):
            raise EnquiryClosed("This enquiry was marked as not a lead; restore it first.")
        deal = open_deal(
            enquiry=locked,
            user=user,
            title=title,
            value=value,
            next_step=next_step,
            next_step_due=next_step_due,
        )
        locked.status = Enquiry.Status.CONVERTED
        locked.save(update_fields=["status"])
    return deal


def dismiss_enquiry(*, enquiry: Enquiry, user, as_spam: bool) -> None:
    """Not a lead (or spam): it leaves the Inbox and sounds no more alarms."""
    if _has_deal(enquiry):
        raise EnquiryClosed("This enquiry already became a deal.")
    status = Enquiry.Status.SPAM if as_spam else Enquiry.Status.NOT_A_LEAD
    Enquiry.objects.filter(pk=enquiry.pk).update(status=status)
    enquiry.status = status


def reopen_enquiry(*, enquiry: Enquiry) -> None:
    """Undo a dismissal: back to waiting (or responded, if it was answered)."""
    status = Enquiry.Status.RESPONDED if enquiry.first_response_at else Enquiry.Status.OPEN
    Enquiry.objects.filter(
        pk=enquiry.pk, status__in=[Enquiry.Status.NOT_A_LEAD, Enquiry.Status.SPAM]
    ).update(status=status)
    enquiry.refresh_from_db(fields=["status"])


def record_enquiry(
    *,
    channel: str,
    user,
    name: str,
    email: str = "",
    phone: str = "",
    company: str = "",
    message: str = "",
    received_at: datetime | None = None,
    answered: bool = False,
) -> Enquiry:
    """A hand-raise that reached the owner outside Handraise (a call, a meeting request).

    ``answered`` says the owner already spoke to them (a call taken live): the
    first response is the moment it arrived.
    """
    received_at = min(received_at or now(), now())
    business = BusinessSettings.load()
    with transaction.atomic():
        clean_email = normalise_email(email) if email else ""
        clean_phone = normalise_phone(phone, region=business.default_phone_region) if phone else ""
        resolution = resolve_contact(
            name=name, email=clean_email, phone=clean_phone, organisation=company
        )
        fit = fit_at_intake(
            contact=resolution.contact,
            message=message,
            from_phone=clean_phone,
            from_email=clean_email,
        )
        enquiry = Enquiry.objects.create(
            channel=channel,
            contact=resolution.contact,
            received_at=received_at,
            message=message,
            from_name=name,
            from_email=email,
            from_phone=phone,
            from_company=company,
            response_due_at=response_due(received_at, business),
            fit_score=fit.score,
            fit_reasons=fit.reasons_text,
        )
        if answered:
            if channel == Enquiry.Channel.MEETING:
                log_meeting(enquiry=enquiry, user=user, at=received_at, held=True, notes=message)
            else:
                log_call(enquiry=enquiry, user=user, notes=message, at=received_at)
    return enquiry


def _has_deal(enquiry: Enquiry) -> bool:
    return Deal.objects.filter(enquiry_id=enquiry.pk).exists()
