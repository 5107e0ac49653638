"""Inbound email: a reply to a conversation, a new hand-raise, or something set aside.

The raw message is stored before it is read; ``inbound_mail`` parses it (pure,
bounded, outside any transaction) and this module routes it and writes what it
became, holding the row's lock only for that.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, InterfaceError, OperationalError, transaction

from handraise.accounts.models import BusinessSettings
from handraise.contacts.models import ContactEmail
from handraise.core.clock import now
from handraise.enquiries import inbound_mail, selectors
from handraise.enquiries.acknowledgement import acknowledge_enquiry, notify_owners
from handraise.enquiries.answering import record_enquiry
from handraise.enquiries.models import Enquiry, InboundEmail
from handraise.enquiries.spam import spam_reason
from handraise.sales.activities import record_activity
from handraise.sales.cadences import stop_for_contact
from handraise.sales.models import Activity

logger = logging.getLogger(__name__)

# An oversized message keeps this much of its start: enough to show who sent it.
OVERSIZED_KEPT_BYTES = 64 * 1024


# An enquiry's message is read in the Inbox; the whole email stays in InboundEmail.raw.
EMAIL_MESSAGE_MAX_CHARS = 50_000


EMAIL_TEXT_MAX_CHARS = 500_000


@dataclass(frozen=True)
class Ingested:
    """What one inbound email became, in words for the command line."""

    inbound: InboundEmail
    outcome: str  # an InboundEmail.Status value, or "duplicate"
    summary: str

    @property
    def needs_attention(self) -> bool:
        return self.outcome in (
            InboundEmail.Status.QUARANTINED,
            InboundEmail.Status.SPAM,
            InboundEmail.Status.FAILED,
        )

    def __str__(self) -> str:
        return self.summary


def ingest_email(*, raw: bytes, source: str = "", size: int | None = None) -> Ingested:
    """Take in one raw RFC 822 message: a reply, a new hand-raise, or something to set aside.

    The bytes are stored before they are read any further. The same message
    twice (by Message-ID) is handled once. Bad input never raises: it is
    quarantined with its reason. ``size`` is the whole message's size when the
    caller read only its start (``raw`` then holds at most the limit and a byte).
    """
    size = len(raw) if size is None else size
    complete = size <= settings.INBOUND_EMAIL_MAX_BYTES and len(raw) == size
    kept = raw if complete else raw[:OVERSIZED_KEPT_BYTES]
    key = inbound_mail.message_key(kept)
    try:
        with transaction.atomic():
            inbound = InboundEmail.objects.create(
                message_id=key,
                raw=kept,
                raw_size=size,
                source=inbound_mail.storable(source)[:500],
                received_at=now(),
            )
    except IntegrityError:
        inbound = InboundEmail.objects.get(message_id=key)
        if inbound.status != InboundEmail.Status.RECEIVED:
            what = inbound.get_status_display().lower()
            return Ingested(inbound, "duplicate", f"duplicate of email {inbound.pk} ({what})")
        # Stored before, but its handling died with its process: handle it now.
    return handle_inbound_email(inbound_id=inbound.pk)


def handle_inbound_email(*, inbound_id: int, allow_spam: bool = False) -> Ingested:
    """Decide what a stored inbound email is and do it, in one short transaction.

    The message is read and parsed first, outside any transaction and without a
    lock (its bytes never change once stored); only routing and the writes hold
    the row's lock.
    """
    try:
        stored = InboundEmail.objects.get(pk=inbound_id)
        if stored.status != InboundEmail.Status.RECEIVED:
            return Ingested(stored, "duplicate", f"duplicate of email {stored.pk}")
        raw = bytes(stored.raw)
        parsed = inbound_mail.parse(
            raw,
            complete=stored.raw_size == len(raw),
            max_bytes=settings.INBOUND_EMAIL_MAX_BYTES,
        )
        with transaction.atomic():
            inbound = InboundEmail.objects.select_for_update().get(pk=inbound_id)
            if inbound.status != InboundEmail.Status.RECEIVED:  # handled meanwhile
                return Ingested(inbound, "duplicate", f"duplicate of email {inbound.pk}")
            inbound.from_address = parsed.from_address[:500]
            inbound.from_name = parsed.from_name[:500]
            inbound.subject = parsed.subject
            inbound.text = parsed.text[:EMAIL_TEXT_MAX_CHARS]
            inbound.attachments = parsed.attachments
            summary = _route_inbound(inbound, parsed, allow_spam=allow_spam)
            inbound.reason = inbound.reason[:300]
            inbound.save()
    except (OperationalError, InterfaceError):
        raise  # the database, not the message: the caller reports it and the file stays
    except Exception as error:
        # A bug met by a message we did not foresee: keep the message, say so, go on.
        logger.exception("Inbound email %s could not be handled", inbound_id)
        reason = f"{type(error).__name__}: {error}"[:300]
        InboundEmail.objects.filter(pk=inbound_id).update(
            status=InboundEmail.Status.FAILED, reason=reason
        )
        inbound = InboundEmail.objects.get(pk=inbound_id)
        return Ingested(inbound, InboundEmail.Status.FAILED, f"failed: {reason}")
    return Ingested(inbound, inbound.status, summary)


def retry_unhandled_inbound_emails() -> int:
    """Handle stored emails whose handling died with its process (or met the database
    down) once they have waited SUBMISSION_STALLED_AFTER seconds. Periodic.

    Handling is one transaction and skips an email another process handled, so
    running it again is safe; without this, such an email waited until the same
    file was ingested again.
    """
    waiting = (
        InboundEmail.objects.filter(
            status=InboundEmail.Status.RECEIVED,
            received_at__lt=now() - timedelta(seconds=settings.SUBMISSION_STALLED_AFTER),
        )
        .order_by("received_at")
        .values_list("pk", flat=True)[:100]
    )
    # Any other error is recorded on the email by handle_inbound_email itself.
    return sum(handle_inbound_email(inbound_id=pk).outcome != "duplicate" for pk in waiting)


def restore_inbound_email(*, inbound: InboundEmail) -> Ingested:
    """An email quarantined as spam was a person after all: handle it as one."""
    updated = InboundEmail.objects.filter(pk=inbound.pk, status=InboundEmail.Status.SPAM).update(
        status=InboundEmail.Status.RECEIVED, reason=""
    )
    if not updated:
        inbound.refresh_from_db()
        return Ingested(inbound, "duplicate", "already handled")
    return handle_inbound_email(inbound_id=inbound.pk, allow_spam=True)


def _route_inbound(inbound: InboundEmail, parsed, *, allow_spam: bool) -> str:
    """Set the email's status and links; returns the one-line summary."""
    Status = InboundEmail.Status
    moment = inbound.received_at
    if parsed.problem:
        inbound.status, inbound.reason = Status.QUARANTINED, parsed.problem
        return f"quarantined: {parsed.problem}"
    ours = _own_addresses()
    if parsed.sender in ours:
        inbound.status, inbound.reason = Status.IGNORED, ours[parsed.sender]
        return f"ignored: {ours[parsed.sender]}"
    known = ContactEmail.objects.filter(email=parsed.sender).first()
    inbound.contact_id = known.contact_id if known else None
    if parsed.auto_reason:
        inbound.status, inbound.reason = Status.AUTO_REPLY, parsed.auto_reason
        return f"auto-reply ignored: {parsed.auto_reason}"

    target = selectors.reply_target(message_ids=parsed.references, sender=parsed.sender)
    if target is not None:
        return _record_reply(inbound, parsed, target, moment)

    message = parsed.text.strip() or parsed.subject.strip()
    reason = "" if allow_spam else _email_spam_reason(parsed, message, moment)
    if reason:
        inbound.status, inbound.reason = Status.SPAM, reason
        return f"quarantined: {reason}"
    if len(message) > EMAIL_MESSAGE_MAX_CHARS:
        message = message[:EMAIL_MESSAGE_MAX_CHARS] + "\n\n[… the rest is kept with the email]"
    enquiry = record_enquiry(
        channel=Enquiry.Channel.EMAIL,
        user=None,
        # A name is one line of at most 200 characters wherever it is shown or mailed;
        # the header as written stays in the InboundEmail (from_name and raw).
        name=" ".join(parsed.from_name.split())[:200],
        email=parsed.from_address,
        message=message,
        received_at=moment,
    )
    acknowledge_enquiry(
        enquiry=enquiry,
        business=BusinessSettings.load(),
        in_reply_to=inbound_mail.thread_id(inbound.message_id),
    )
    notify_owners(enquiry=enquiry)
    inbound.status, inbound.enquiry = Status.ENQUIRY, enquiry
    inbound.contact_id = enquiry.contact_id
    return f"new enquiry {enquiry.pk} from {parsed.sender}"


def _record_reply(inbound: InboundEmail, parsed, target, moment: datetime) -> str:
    activity = record_activity(
        kind=Activity.Kind.EMAIL,
        direction=Activity.Direction.INBOUND,
        contact_id=target.contact.pk,
        deal=target.deal,
        enquiry=target.enquiry,
        subject=" ".join(parsed.subject.split())[:300],
        body=inbound_mail.new_text(parsed.text),
        occurred_at=moment,
    )
    stopped = stop_for_contact(
        contact=target.contact, moment=moment, reason="The prospect replied by email."
    )
    inbound.status = InboundEmail.Status.REPLY
    inbound.reason = f"matched by {target.matched_on}"
    inbound.activity, inbound.contact = activity, target.contact
    inbound.enquiry = target.enquiry
    on = f"deal “{target.deal.title}”" if target.deal else f"contact {target.contact.name}"
    cadences = f"{stopped} cadence{'s' if stopped != 1 else ''} stopped"
    return f"reply from {parsed.sender} on {on} ({cadences})"


def _own_addresses() -> dict[str, str]:
    """Addresses whose mail is never a prospect's: Handraise's own and its users'."""
    ours = {}
    for user_email in (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    ):
        ours[user_email.strip().lower()] = f"sent by {user_email}, a Handraise user"
    for address in (settings.DEFAULT_FROM_EMAIL, BusinessSettings.load().reply_to_email):
        _name, address = parseaddr(address or "")
        if address:
            ours[address.lower()] = "sent by Handraise itself (a mail loop)"
    return ours


def _email_spam_reason(parsed, message: str, moment: datetime) -> str:
    # The same heuristics as the web form; an email has no honeypot or fill time.
    return spam_reason(
        message=f"{parsed.subject}\n{message}", honeypot="", started_ms="", received_at=moment
    )
