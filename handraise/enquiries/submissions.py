"""Writes for intake: a submission received, stored once, processed into an enquiry.

A submission's path, by reading calls:

1. ``receive_submission`` (the public form view) stores the raw submission, one
   row and nothing else, or, when the database cannot take the write in time,
   writes it to the spool. Only then does the prospect get a success answer.
2. ``process_submission`` (the worker, polling received submissions through
   ``process_received_submissions``) resolves the contact, creates the
   enquiry with its response-due time, links earlier touchpoints, and queues
   the acknowledgement and the owner's notification through the outbox.
3. ``response_clock.record_first_response`` stops the clock; replies, calls and
   held meetings call it, acknowledgements never do.

Parsing and checking the form is ``intake`` and ``forms``; the spool's files are ``spool``.
"""

import hashlib
import json
import logging
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import Error as DatabaseError
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.utils.dateparse import parse_datetime

from handraise.accounts.models import BusinessSettings
from handraise.contacts.services import resolve_contact
from handraise.core.clock import now
from handraise.core.text import clean_text
from handraise.enquiries import spool
from handraise.enquiries.acknowledgement import acknowledge_enquiry, notify_owners
from handraise.enquiries.fit_scores import fit_at_intake
from handraise.enquiries.forms import IntakeForm
from handraise.enquiries.models import Enquiry, Form, Submission
from handraise.enquiries.response_clock import response_due
from handraise.marketing.services import claim_visitor_touchpoints

logger = logging.getLogger(__name__)

# A submission that keeps failing to process is marked failed (the owner sees it)
# after this long.
GIVE_UP_AFTER = timedelta(hours=1)


# How long intake waits for SQLite's write lock before spooling instead.
INTAKE_LOCK_WAIT_MS = 2000


class IntakeUnavailable(Exception):
    """Neither the database nor the spool could keep the submission: answer 503."""


class IdempotencyConflict(Exception):
    """The idempotency key was used before for a different message: answer 422."""


@dataclass(frozen=True)
class IntakeResult:
    public_id: uuid.UUID
    spooled: bool
    repeated: bool


# --- receiving and storing ------------------------------------------------------------


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


# --- processing -----------------------------------------------------------------------


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
        fit = fit_at_intake(
            contact=resolution.contact,
            message=data.get("message", ""),
            from_phone=data.get("phone", ""),
            from_email=data.get("email", ""),
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
            fit_score=fit.score,
            fit_reasons=fit.reasons_text,
        )
        submission.status = Submission.Status.PROCESSED
        submission.enquiry = enquiry
        submission.error = ""
        submission.save(update_fields=["status", "enquiry", "error"])
        claim_visitor_touchpoints(visitor_id=enquiry.visitor_id, contact=resolution.contact)
        acknowledge_enquiry(enquiry=enquiry, business=business)
        notify_owners(enquiry=enquiry)
    return submission.status


def restore_submission(*, submission: Submission) -> Submission:
    """A quarantined submission was a person after all: the worker processes it next."""
    Submission.objects.filter(pk=submission.pk, status=Submission.Status.QUARANTINED).update(
        status=Submission.Status.RECEIVED, error=""
    )
    submission.refresh_from_db()
    return submission
