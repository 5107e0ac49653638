"""Writes for the hand-raise: intake, processing, acknowledgement, the response clock.

A submission's path, by reading calls:

1. ``receive_submission`` (the public form view) stores the raw submission, one
   row and nothing else, or, when the database cannot take the write in time,
   writes it to the spool. Only then does the prospect get a success answer.
2. ``process_submission`` (the worker, polling received submissions through
   ``process_received_submissions``) resolves the contact, creates the
   enquiry with its response-due time, links earlier touchpoints, and queues
   the acknowledgement and the owner's notification through the outbox.
3. ``record_first_response`` stops the clock; replies, calls and held meetings
   call it, acknowledgements never do.
"""

import hashlib
import json
import logging
import re
import uuid
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from email.utils import parseaddr

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import Error as DatabaseError
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.template import Context, Template
from django.utils.dateparse import parse_datetime

from handraise.accounts.models import BusinessSettings
from handraise.contacts.models import ContactEmail
from handraise.contacts.normalisation import normalise_email, normalise_phone
from handraise.contacts.services import resolve_contact
from handraise.core import outbox
from handraise.core.clock import BusinessCalendar, now
from handraise.core.models import OutgoingEmail
from handraise.core.text import clean_text
from handraise.enquiries import inbound_mail, selectors, spool
from handraise.enquiries.forms import IntakeForm
from handraise.enquiries.models import Enquiry, Form, InboundEmail, Submission
from handraise.enquiries.spam import spam_reason
from handraise.insights.models import QuickTag
from handraise.insights.services import record_signals
from handraise.marketing.models import Touchpoint
from handraise.sales.activities import record_activity
from handraise.sales.models import Activity, Deal, Stage

logger = logging.getLogger(__name__)

# A submission that keeps failing to process is marked failed (the owner sees it)
# after this long.
GIVE_UP_AFTER = timedelta(hours=1)
# How long intake waits for SQLite's write lock before spooling instead.
INTAKE_LOCK_WAIT_MS = 2000
# Owners are reminded this long before a response falls due.
REMIND_BEFORE = timedelta(minutes=15)


class IntakeUnavailable(Exception):
    """Neither the database nor the spool could keep the submission: answer 503."""


class IdempotencyConflict(Exception):
    """The idempotency key was used before for a different message: answer 422."""


@dataclass(frozen=True)
class IntakeResult:
    public_id: uuid.UUID
    spooled: bool
    repeated: bool


# --- 1. intake ---------------------------------------------------------------------------


def receive_submission(
    *,
    form: Form,
    payload: dict[str, str],
    idempotency_key: str = "",
    refuse_key_reuse: bool = False,
    remote_addr: str | None = None,
    user_agent: str = "",
    origin: str = "",
    quarantine_reason: str = "",
) -> IntakeResult:
    """Make a validated submission durable: in the database, or else in the spool.

    A repeated ``idempotency_key`` with the same message is the first submission.
    With a different message it is never dropped: ``refuse_key_reuse`` (JSON,
    whose client can send again under a new key) raises ``IdempotencyConflict``;
    otherwise (a prospect who went back, edited and resent the form) it is kept as
    a submission of its own.
    """
    record = {
        "public_id": str(uuid.uuid4()),
        "form": form.slug,
        "received_at": now().isoformat(),
        # Cleaned at the edge already; cleaned again here for every other caller.
        "payload": {
            key: clean_text(value, multiline=key == "message") for key, value in payload.items()
        },
        "idempotency_key": submission_key(idempotency_key),
        "remote_addr": remote_addr,
        "user_agent": clean_text(user_agent)[:500],
        "origin": clean_text(origin)[:500],
        "quarantine_reason": quarantine_reason,
    }
    try:
        with _short_lock_wait():
            submission, created = store_submission(record, form, refuse_key_reuse=refuse_key_reuse)
    except DatabaseError as error:
        logger.warning("Database unavailable for intake (%s); spooling the submission", error)
        try:
            spool.write(record)
        except (OSError, ValueError) as spool_error:
            logger.error("Spool write failed too: %s", spool_error)
            raise IntakeUnavailable(str(spool_error)) from spool_error
        return IntakeResult(uuid.UUID(record["public_id"]), spooled=True, repeated=False)
    return IntakeResult(submission.public_id, spooled=False, repeated=not created)


def submission_key(given: str) -> str | None:
    """What is stored for a client's idempotency key: a digest, so keys compare whole
    (however long) and a hostile key is never stored or shown."""
    given = given.strip()
    if not given:
        return None
    return "sha256:" + hashlib.sha256(given.encode("utf-8", "surrogatepass")).hexdigest()


# Fields that differ between two sends of the same message: the form's own bookkeeping.
_NOT_THE_MESSAGE = {"hr_started", "hr_submission_id"}


def _message(payload: dict) -> dict:
    return {k: v for k, v in payload.items() if k not in _NOT_THE_MESSAGE and v != ""}


def store_submission(
    record: dict, form: Form | None = None, *, refuse_key_reuse: bool = False
) -> tuple[Submission, bool]:
    """Insert a submission record once (by public id, or by idempotency key and message).

    Used by intake and by spool replay, so a record stored twice is one submission.
    A spooled record was answered with success before anyone could compare its key,
    so its key is never refused: a different message under it is kept as its own.
    The row is all there is to write: the worker polls received submissions
    (``process_received_submissions``), so intake makes one write, not two.
    """
    refuse_key_reuse = refuse_key_reuse and not record.get("spooled")
    for _attempt in range(3):
        earlier = _stored_already(record, refuse_key_reuse=refuse_key_reuse)
        if earlier is not None:
            return earlier, False
        fields = _submission_fields(record, form)
        if not fields["idempotency_key"]:
            # One INSERT, durable on its own: no transaction round trips on the hot path.
            return Submission.objects.create(**fields), True
        try:
            with transaction.atomic():
                return Submission.objects.create(**fields), True
        except IntegrityError:
            continue  # a concurrent request with the same key won the race: look again
    raise IntegrityError(f"submission {record['public_id']} could not be stored")


def _stored_already(record: dict, *, refuse_key_reuse: bool) -> Submission | None:
    """The submission this record repeats, if any. May re-key the record (see below)."""
    key = record.get("idempotency_key")
    if record.get("spooled"):
        replayed = Submission.objects.filter(public_id=record["public_id"]).first()
        if replayed is not None:
            return replayed
    if not key:
        return None  # a fresh public id cannot exist yet: only a key or a replay repeats
    earlier = Submission.objects.filter(idempotency_key=key).first()
    if earlier is None or _message(earlier.payload) == _message(record["payload"]):
        return earlier
    if refuse_key_reuse:
        raise IdempotencyConflict(
            "This Idempotency-Key was already used for a different message; "
            "send a new message with a new key."
        )
    # Keep it under a key made of the key and this message, so that its own repeats
    # (a double click on the edited form) are still one submission.
    fingerprint = json.dumps(_message(record["payload"]), sort_keys=True, ensure_ascii=True)
    record["idempotency_key"] = submission_key(f"{key}\n{fingerprint}")
    return _stored_already(record, refuse_key_reuse=False)


def _submission_fields(record: dict, form: Form | None) -> dict:
    if form is None or form.pk is None or form.slug != record["form"]:
        form = Form.objects.filter(slug=record["form"]).first()
    if form is None:
        raise spool.Unstorable(f"the form {record['form']!r} no longer exists")
    reason = record.get("quarantine_reason") or ""
    return {
        "public_id": record["public_id"],
        "idempotency_key": record.get("idempotency_key"),
        "form": form,
        "received_at": parse_datetime(record["received_at"]),
        "payload": record["payload"],
        "remote_addr": record.get("remote_addr"),
        "user_agent": record.get("user_agent", ""),
        "origin": record.get("origin", ""),
        "status": Submission.Status.QUARANTINED if reason else Submission.Status.RECEIVED,
        "quarantine_reason": reason,
        "spooled": bool(record.get("spooled")),
    }


def process_received_submissions(*, limit: int = 50) -> int:
    """Process waiting submissions, oldest first; the worker polls this.

    Returns how many it handled (processed, or set aside after an error).

    The submissions table is intake's queue, polled the way the task queue's own
    table is. A task row per submission was a second write on every post (about
    40% of intake's time, and on SQLite writers take turns), and a web process
    killed between the two writes left the submission to the slow sweep.
    Several workers can poll at once: each submission is claimed with SKIP
    LOCKED where the database has it. One that fails is set aside with its error
    for ``retry_stalled_submissions``, so it never holds up the ones behind it.
    """
    waiting = Submission.objects.filter(status=Submission.Status.RECEIVED, error="").order_by(
        "received_at"
    )
    return sum(
        _process_or_set_aside(submission_id, skip_locked=True)
        for submission_id in waiting.values_list("pk", flat=True)[:limit]
    )


def retry_stalled_submissions() -> int:
    """Process submissions still waiting after a while. Periodic.

    These are the ones set aside after an error (a bug met by unforeseen input,
    say) and any left while no worker was polling. Processing is one
    transaction, so a worker killed half-way left nothing behind; running it
    again is safe and is the only way the enquiry gets made. After
    ``GIVE_UP_AFTER`` of failures a submission is marked failed, which the
    owner sees on Home and in the Inbox.
    """
    stalled = (
        Submission.objects.filter(
            status=Submission.Status.RECEIVED,
            received_at__lt=now() - timedelta(seconds=settings.SUBMISSION_STALLED_AFTER),
        )
        .order_by("received_at")
        .values_list("pk", flat=True)[:200]
    )
    return sum(_process_or_set_aside(submission_id) for submission_id in stalled)


def _process_or_set_aside(submission_id: int, *, skip_locked: bool = False) -> int:
    """Process one submission, or record why it could not be; 0 only when another
    worker has it (or the database is unreachable, which raises)."""
    try:
        status = process_submission(submission_id=submission_id, skip_locked=skip_locked)
    except (OperationalError, InterfaceError):
        raise  # the database, not this submission: the caller backs off and tries again
    except Exception as error:  # this submission's own trouble, a database DataError too
        reason = f"{type(error).__name__}: {error}"[:2000]
        waiting = Submission.objects.filter(pk=submission_id, status=Submission.Status.RECEIVED)
        if waiting.filter(error="").exists():
            logger.exception("Submission %s could not be processed; set aside", submission_id)
        else:
            logger.warning("Submission %s still cannot be processed: %s", submission_id, reason)
        gave_up = waiting.filter(received_at__lt=now() - GIVE_UP_AFTER).update(
            status=Submission.Status.FAILED, error=f"Gave up retrying. {reason}"[:2000]
        )
        if not gave_up:
            waiting.update(error=reason)
        return 1
    return int(status != "busy")


def replay_spool() -> int:
    """Move spooled submissions into the database, each exactly once. Periodic."""
    return spool.replay(lambda record: store_submission({**record, "spooled": True}))


@contextmanager
def _short_lock_wait():
    # A prospect should not wait 20 s for SQLite's lock: after a short wait the
    # submission goes to the spool instead, and the answer is still immediate.
    if connection.vendor != "sqlite":
        yield
        return
    configured = int(settings.DATABASES["default"]["OPTIONS"].get("timeout", 5) * 1000)
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA busy_timeout = {INTAKE_LOCK_WAIT_MS}")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA busy_timeout = {configured}")
        except DatabaseError:
            pass


# --- 2. processing -----------------------------------------------------------------------


def process_submission(*, submission_id: int, skip_locked: bool = False) -> str:
    """Turn a received submission into an enquiry, acknowledged and on the clock.

    Returns the submission's status, or "busy" when ``skip_locked`` is set and
    another worker is processing it right now.
    """
    with transaction.atomic():
        # Lock the submission only (of self): locking its form too would make every
        # worker queue behind the others on the one contact form.
        submission = (
            Submission.objects.select_for_update(skip_locked=skip_locked, of=("self",))
            .select_related("form")
            .filter(pk=submission_id)
            .first()
        )
        if submission is None:
            return "busy"
        if submission.status != Submission.Status.RECEIVED:
            return submission.status
        business = BusinessSettings.load()
        form = IntakeForm(
            data=submission.payload,
            form=submission.form,
            phone_region=business.default_phone_region,
        )
        if not form.is_valid():
            submission.status = Submission.Status.FAILED
            submission.error = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
            submission.save(update_fields=["status", "error"])
            return submission.status
        data, given = form.cleaned_data, submission.payload
        resolution = resolve_contact(
            name=data.get("name", ""),
            email=data.get("email", ""),
            phone=data.get("phone", ""),
            organisation=data.get("company", ""),
        )
        enquiry = Enquiry.objects.create(
            channel=Enquiry.Channel.FORM,
            form=submission.form,
            contact=resolution.contact,
            received_at=submission.received_at,
            message=data.get("message", ""),
            from_name=given.get("name", "")[:500],
            from_email=given.get("email", "")[:500],
            from_phone=given.get("phone", "")[:100],
            from_company=given.get("company", "")[:500],
            visitor_id=data.get("hr_visitor", ""),
            referrer=data.get("hr_referrer", ""),
            landing_page=data.get("hr_page", ""),
            utm_source=data.get("utm_source", ""),
            utm_medium=data.get("utm_medium", ""),
            utm_campaign=data.get("utm_campaign", ""),
            utm_content=data.get("utm_content", ""),
            utm_term=data.get("utm_term", ""),
            response_due_at=response_due(submission.received_at, business),
        )
        submission.status = Submission.Status.PROCESSED
        submission.enquiry = enquiry
        submission.error = ""
        submission.save(update_fields=["status", "enquiry", "error"])
        if enquiry.visitor_id:
            Touchpoint.objects.filter(visitor_id=enquiry.visitor_id, contact__isnull=True).update(
                contact=resolution.contact
            )
        acknowledge_enquiry(enquiry=enquiry, business=business)
        notify_owners(enquiry=enquiry)
    return submission.status


def response_due(received_at: datetime, business: BusinessSettings) -> datetime:
    calendar = BusinessCalendar.for_business()
    return calendar.add_business_minutes(received_at, business.response_target_minutes)


def acknowledge_enquiry(
    *, enquiry: Enquiry, business: BusinessSettings, in_reply_to: str = ""
) -> None:
    """Queue the prompt, personal acknowledgement (once per enquiry, by its key).

    ``in_reply_to`` is the Message-ID of the prospect's own email, when they wrote one.
    """
    email = _email_of(enquiry)
    if not email or _acknowledged_lately(email):
        return
    name = enquiry.from_name.strip() or enquiry.contact.name
    context = Context(
        {
            "name": name,
            "first_name": name.split()[0] if name.split() else "there",
            "message": enquiry.message,
            "business": business.name,
            "reply_promise": _reply_promise(business),
        },
        autoescape=False,  # plain-text email: nothing here is HTML
    )
    outbox.queue_email(
        key=f"ack:enquiry:{enquiry.pk}",
        kind="acknowledgement",
        to=email,
        reply_to=business.reply_to_email,
        in_reply_to=in_reply_to,
        subject=Template(business.acknowledgement_subject).render(context),
        body=Template(business.acknowledgement_body).render(context),
    )
    Enquiry.objects.filter(pk=enquiry.pk).update(acknowledged_at=now())


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


def _people_to_notify(enquiry: Enquiry):
    users = enquiry.form.notify.all() if enquiry.form_id else []
    if not users:
        users = get_user_model().objects.filter(is_staff=True)
    return [u for u in users if u.is_active and u.email]


def _email_of(enquiry: Enquiry) -> str:
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


# --- 3. the response clock ---------------------------------------------------------------


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
        _alarm(enquiry, "reminder", f"Reply due at {_local(enquiry.response_due_at)}")
        Enquiry.objects.filter(pk=enquiry.pk).update(reminded_at=moment)
        sent += 1
    for enquiry in waiting.filter(
        escalated_at__isnull=True, response_due_at__lte=moment
    ).select_related("contact", "form")[:200]:
        _alarm(enquiry, "overdue", f"Response target missed at {_local(enquiry.response_due_at)}")
        Enquiry.objects.filter(pk=enquiry.pk).update(escalated_at=moment)
        sent += 1
    return sent


def _alarm(enquiry: Enquiry, kind: str, headline: str) -> None:
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


# --- 4. answering from the Inbox ---------------------------------------------------------


class EnquiryClosed(Exception):
    """The enquiry was already converted or dismissed; the action does not apply."""


def reply_by_email(*, enquiry: Enquiry, user, subject: str, body: str, token: str) -> OutgoingEmail:
    """Send a personal reply through the outbox and stop the clock.

    ``token`` comes from the reply form as rendered: the same form submitted twice
    (a double click, a retried request) is one email.
    """
    to = _email_of(enquiry) or enquiry.contact.primary_email
    if not to:
        raise ValidationError("This enquirer left no email address; log a call instead.")
    business = BusinessSettings.load()
    with transaction.atomic():
        email = outbox.queue_email(
            key=f"reply:{token}",
            kind="reply",
            to=to,
            reply_to=user.email or business.reply_to_email,
            subject=subject,
            body=body,
            in_reply_to=_thread_id(
                InboundEmail.objects.filter(enquiry=enquiry, status=InboundEmail.Status.ENQUIRY)
                .order_by("received_at")
                .first()
            ),
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
        moment = now()
        deal = Deal.objects.create(
            title=title,
            contact_id=locked.contact_id,
            enquiry=locked,
            stage=Stage.objects.filter(is_won=False, is_lost=False).order_by("position").first(),
            origin=_origin_of(locked),
            owner=user,
            value=value,
            currency=BusinessSettings.load().currency,
            next_step=next_step,
            next_step_due=next_step_due,
            created_at=moment,
            stage_entered_at=moment,
        )
        Activity.objects.filter(enquiry=locked, deal__isnull=True).update(deal=deal)
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
        resolution = resolve_contact(
            name=name,
            email=normalise_email(email) if email else "",
            phone=normalise_phone(phone, region=business.default_phone_region) if phone else "",
            organisation=company,
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
        )
        if answered:
            if channel == Enquiry.Channel.MEETING:
                log_meeting(enquiry=enquiry, user=user, at=received_at, held=True, notes=message)
            else:
                log_call(enquiry=enquiry, user=user, notes=message, at=received_at)
    return enquiry


def restore_submission(*, submission: Submission) -> Submission:
    """A quarantined submission was a person after all: the worker processes it next."""
    Submission.objects.filter(pk=submission.pk, status=Submission.Status.QUARANTINED).update(
        status=Submission.Status.RECEIVED, error=""
    )
    submission.refresh_from_db()
    return submission


def _has_deal(enquiry: Enquiry) -> bool:
    return Deal.objects.filter(enquiry_id=enquiry.pk).exists()


def _origin_of(enquiry: Enquiry) -> str:
    if enquiry.channel == Enquiry.Channel.REFERRAL:
        return Deal.Origin.REFERRAL
    if Deal.objects.filter(contact_id=enquiry.contact_id, stage__is_won=True).exists():
        return Deal.Origin.REPEAT
    return Deal.Origin.MARKETING


# --- 5. inbound email --------------------------------------------------------------------

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
        enquiry=enquiry, business=BusinessSettings.load(), in_reply_to=_thread_id(inbound)
    )
    notify_owners(enquiry=enquiry)
    inbound.status, inbound.enquiry = Status.ENQUIRY, enquiry
    inbound.contact_id = enquiry.contact_id
    return f"new enquiry {enquiry.pk} from {parsed.sender}"


# A Message-ID we repeat in our own headers: printable ASCII in angle brackets, nothing
# else. A sender's control characters (\x0b, \x1c...) would break our header lines.
_MESSAGE_ID = re.compile(r"<[\x21-\x3b\x3d\x3f-\x7e]{1,250}>")


def _thread_id(inbound: InboundEmail | None) -> str:
    """The prospect's own Message-ID, to answer in their thread ("" when it had none)."""
    key = inbound.message_id if inbound else ""  # a digest stands in when it had none
    return key if _MESSAGE_ID.fullmatch(key) else ""


def _record_reply(inbound: InboundEmail, parsed, target, moment: datetime) -> str:
    from handraise.sales.cadences import stop_for_contact

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
