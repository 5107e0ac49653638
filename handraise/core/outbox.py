"""The one way Handraise sends email, so "exactly once" is solved once.

``queue_email`` records the message (keyed by why it exists) and enqueues the
send in the caller's transaction: a rolled-back write never leaves a sent email
behind. ``send_email`` claims the row, sends with the fixed Message-ID and
records the result; a send whose worker died is picked up again by
``retry_stalled_emails`` and goes out with the same Message-ID, which is the
key mail systems deduplicate on. Failures wait and are retried (the waits are
HANDRAISE_EMAIL_RETRY_AFTER) and, after the last attempt, stay visible as failed.
An address mail cannot be sent to fails at once, with its reason, unsent. A
person's erasure deletes the emails to and about them (``erase_emails``); a send
still queued for one then finds nothing to send.
Automatic mail (acknowledgements, notices to the owners) says so in its headers
(RFC 3834 ``Auto-Submitted``), so other robots do not answer it and start a loop.
This module does not compose messages.
"""

import logging
import smtplib
from collections.abc import Collection
from datetime import timedelta
from email.errors import MessageError
from email.utils import make_msgid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction

# tasks.send_email calls send_email below, and queueing an email enqueues that task:
# the two modules import each other, which Python resolves because neither uses the
# other until a function runs.
from handraise.core import tasks
from handraise.core.clock import now
from handraise.core.mailbox import check_mailbox
from handraise.core.models import OutgoingEmail

logger = logging.getLogger(__name__)

# A pending email whose retry task should have run by now has lost its task.
LOST_AFTER = timedelta(seconds=30)

Status = OutgoingEmail.Status

# Kinds a program sends by itself, with their RFC 3834 Auto-Submitted value. A reply
# the owner wrote, and a cadence email (a follow-up in the owner's words), are personal.
AUTOMATIC_KINDS = {
    "acknowledgement": "auto-replied",
    "notification": "auto-generated",
    "reminder": "auto-generated",
    "overdue": "auto-generated",
    "password_reset": "auto-generated",
}


def max_attempts() -> int:
    """The first attempt, then one retry per wait in HANDRAISE_EMAIL_RETRY_AFTER."""
    return len(settings.EMAIL_RETRY_AFTER) + 1


def retry_after(attempts: int) -> timedelta:
    """How long to wait after the given number of failed attempts."""
    return timedelta(seconds=settings.EMAIL_RETRY_AFTER[attempts - 1])


def stalled_after() -> timedelta:
    """An attempt with no result after this long belongs to a worker that died."""
    return timedelta(seconds=settings.EMAIL_STALLED_AFTER)


def queue_email(
    *,
    key: str,
    kind: str,
    to: str,
    subject: str,
    body: str,
    reply_to: str = "",
    in_reply_to: str = "",
) -> OutgoingEmail:
    """Record an email to send and enqueue its send; the same key twice is one email.

    ``in_reply_to`` is the Message-ID of the email this answers: mail programs then
    show the answer in the prospect's own thread.
    """
    moment = now()
    with transaction.atomic():
        email, created = OutgoingEmail.objects.get_or_create(
            key=key,
            defaults={
                "kind": kind,
                "message_id": make_msgid(domain=urlsplit(settings.BASE_URL).hostname),
                "to": to,
                "reply_to": reply_to,
                "in_reply_to": in_reply_to,
                # A header cannot hold a line break; a subject built from user input might.
                "subject": " ".join(subject.split())[:998],
                "body": body,
                "created_at": moment,
                "next_attempt_at": moment,
            },
        )
        if created:
            tasks.send_email.enqueue(email_id=email.pk)
    return email


def send_email(*, email_id: int) -> str:
    """Send one queued email unless it is sent or another worker is sending it."""
    moment = now()
    with transaction.atomic():
        email = OutgoingEmail.objects.select_for_update().filter(pk=email_id).first()
        if email is None:
            return "erased"  # its person was erased after it was queued: nothing to send
        if email.status in (Status.SENT, Status.FAILED):
            return email.status
        if email.status == Status.SENDING and email.attempt_started_at > moment - stalled_after():
            return "busy"
        email.status = Status.SENDING
        email.attempts += 1
        email.attempt_started_at = moment
        email.save(update_fields=["status", "attempts", "attempt_started_at"])

    try:
        for address in filter(None, (email.to, email.reply_to)):
            check_mailbox(address)
    except ValidationError as error:
        # No retry can make this address sendable: fail now, and say why.
        return _record_failure(email, ValueError(f"{address!r}: {error.messages[0]}"), final=True)

    message = EmailMessage(
        subject=email.subject,
        body=email.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        reply_to=[email.reply_to] if email.reply_to else None,
        headers=_headers(email),
    )
    try:
        message.send()
    # MessageError: a header the email package cannot write; retries end in "failed",
    # which the owner sees, instead of the email staying "sending" for ever.
    except (smtplib.SMTPException, OSError, ValueError, MessageError) as error:
        return _record_failure(email, error)

    email.status = Status.SENT
    email.sent_at = now()
    email.last_error = ""
    email.save(update_fields=["status", "sent_at", "last_error"])
    return email.status


def _headers(email: OutgoingEmail) -> dict[str, str]:
    headers = {"Message-ID": email.message_id}
    if email.in_reply_to:
        headers["In-Reply-To"] = headers["References"] = email.in_reply_to
    if email.kind in AUTOMATIC_KINDS:
        headers["Auto-Submitted"] = AUTOMATIC_KINDS[email.kind]
        # Exchange and Outlook's own out-of-office and delivery notices stay quiet too.
        headers["X-Auto-Response-Suppress"] = "All"
    return headers


def _record_failure(email: OutgoingEmail, error: Exception, *, final: bool = False) -> str:
    logger.warning(
        "Email %s to %s failed (attempt %s): %s", email.pk, email.to, email.attempts, error
    )
    email.last_error = f"{type(error).__name__}: {error}"[:2000]
    if final or email.attempts >= max_attempts():
        email.status = Status.FAILED
    else:
        email.status = Status.PENDING
        email.next_attempt_at = now() + retry_after(email.attempts)
    with transaction.atomic():
        email.save(update_fields=["status", "last_error", "next_attempt_at"])
        if email.status == Status.PENDING:
            tasks.send_email.using(run_after=email.next_attempt_at).enqueue(email_id=email.pk)
    return email.status


def erase_emails(*, email_ids: Collection[int]) -> dict[str, int]:
    """Delete these emails (an erased person's); how many.

    Nothing counts sent email, and a copy of a message to or about the person is
    their data however it is blanked, so the rows go rather than stay anonymous.
    """
    deleted, _ = OutgoingEmail.objects.filter(pk__in=email_ids).delete()
    return {"outgoing_emails": deleted}


def retry_stalled_emails() -> int:
    """Send what a dead worker left half-sent or a lost task left pending. Periodic."""
    moment = now()
    stalled = OutgoingEmail.objects.filter(
        status=Status.SENDING, attempt_started_at__lt=moment - stalled_after()
    ) | OutgoingEmail.objects.filter(status=Status.PENDING, next_attempt_at__lt=moment - LOST_AFTER)
    ids = list(stalled.order_by("next_attempt_at").values_list("pk", flat=True)[:100])
    for email_id in ids:
        send_email(email_id=email_id)
    return len(ids)
