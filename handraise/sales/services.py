"""Writes for the pipeline: opening deals, moving them, closing them, next steps, logged activities.

The rule these keep: an open deal always has a dated next step, so every write
that leaves a deal open asks for one, and closing a deal (won or lost) asks for
the outcome instead: value, reason and a note.

Moves are safe against races and repeats. The caller passes the stage the user
saw (``expected_stage_id``); each write locks the deal's row and applies a
conditional UPDATE, so when two people move one card the second is refused with
"moved by someone else to X" and nothing is half-applied, and the same move
submitted twice is one move. Each move is recorded as an Activity, so the deal's
history is complete.

Cadences live in ``cadences``: a move stops the deal's running cadences and
enrols it in those of its new stage.
"""

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import PurePath

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files import File
from django.core.validators import URLValidator
from django.db import transaction

from handraise.accounts.models import BusinessSettings
from handraise.contacts.models import Contact
from handraise.core.clock import business_date, business_today, now
from handraise.core.money import format_money
from handraise.enquiries.models import Enquiry
from handraise.enquiries.response_clock import record_first_response
from handraise.insights.models import QuickTag
from handraise.insights.services import record_signals
from handraise.sales import cadences, origins
from handraise.sales.activities import record_activity
from handraise.sales.documents import check_document
from handraise.sales.models import (
    Activity,
    Cadence,
    CadenceStep,
    CadenceStepRun,
    Deal,
    OutcomeReason,
    Proposal,
    Stage,
)

# What a user logs by hand on a deal (tasks, proposals and follow-ups have their own paths).
LOGGABLE_KINDS = (
    Activity.Kind.CALL,
    Activity.Kind.EMAIL,
    Activity.Kind.MEETING,
    Activity.Kind.NOTE,
)
# Logged activities must have happened; allow for a clock a little ahead.
FUTURE_SLACK = timedelta(minutes=5)
# Human replies that count as the first response to the deal's enquiry.
FIRST_RESPONSE_KINDS = (Activity.Kind.CALL, Activity.Kind.EMAIL, Activity.Kind.MEETING)


class DealError(Exception):
    """A write on a deal was refused; the message says why, for the user."""


class DealMovedElsewhere(DealError):
    """Someone else moved the deal since the user saw it."""


class InvalidMove(DealError):
    """The move is not allowed (reopening a won or lost deal, for example)."""


@dataclass(frozen=True)
class Move:
    deal: Deal
    from_stage: Stage
    to_stage: Stage
    moved: bool  # False: it was already there (a repeated submit), nothing changed


def move_deal(
    *,
    deal: Deal,
    to_stage: Stage,
    user,
    next_step: str,
    next_step_due: date | None,
    expected_stage_id: int,
) -> Move:
    """Move an open deal to another open stage, with the next step it needs there."""
    if to_stage.is_closed:
        raise InvalidMove(
            f"Moving to {to_stage.name} closes the deal: give its value and reason instead."
        )
    next_step = next_step.strip()
    check_next_step(next_step=next_step, next_step_due=next_step_due)
    with transaction.atomic():
        current = _locked(deal)
        repeat = _repeat_or_refuse(current, to_stage, expected_stage_id)
        if repeat:
            return repeat
        moment = now()
        from_stage = current.stage
        _update(
            current,
            expected_stage_id,
            stage=to_stage,
            stage_entered_at=moment,
            next_step=next_step,
            next_step_due=next_step_due,
        )
        _record(
            current,
            user,
            moment,
            subject=f"Moved from {from_stage.name} to {to_stage.name}",
            body=f"Next step: {next_step} (due {_day(next_step_due)})",
        )
        _stop_cadences(current, moment, reason=f"The deal moved to {to_stage.name}.")
        cadences.enrol_for_stage(deal=current, moment=moment)
    return Move(deal=current, from_stage=from_stage, to_stage=to_stage, moved=True)


def close_deal(
    *,
    deal: Deal,
    to_stage: Stage,
    user,
    value: Decimal,
    reason: OutcomeReason | None,
    note: str,
    expected_stage_id: int,
) -> Move:
    """Win or lose a deal: its final value, the reason from the list and a note.

    A closed deal needs no next step; the one it had is cleared.
    """
    if not to_stage.is_closed:
        raise InvalidMove(f"{to_stage.name} is an open stage: move the deal there instead.")
    outcome = OutcomeReason.Outcome.WON if to_stage.is_won else OutcomeReason.Outcome.LOST
    errors = {}
    if reason is None or reason.outcome != outcome:
        errors["reason"] = f"Choose why the deal was {outcome.label.lower()}."
    if value is None or value < 0:
        errors["value"] = "Give the deal's value (0 or more)."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = _locked(deal)
        repeat = _repeat_or_refuse(current, to_stage, expected_stage_id)
        if repeat:
            return repeat
        moment = max(now(), current.created_at)
        from_stage = current.stage
        _update(
            current,
            expected_stage_id,
            stage=to_stage,
            stage_entered_at=moment,
            closed_at=moment,
            value=value,
            outcome_reason=reason,
            outcome_note=note.strip(),
            next_step="",
            next_step_due=None,
        )
        _record(
            current,
            user,
            moment,
            subject=f"Moved from {from_stage.name} to {to_stage.name}: {reason.label}",
            body=note.strip(),
        )
        _stop_cadences(current, moment, reason=f"The deal was {outcome.label.lower()}.")
    return Move(deal=current, from_stage=from_stage, to_stage=to_stage, moved=True)


def open_deal(
    *,
    enquiry: Enquiry | None = None,
    contact: Contact | None = None,
    user,
    title: str,
    value: Decimal,
    next_step: str,
    next_step_due: date | None,
) -> Deal:
    """Open a deal in the first open stage: from an enquiry, with marketing's context
    attached, or for a ``contact`` with no enquiry (the owner's own outreach).

    Its origin and the reason for it are decided here, from the contact's history
    (``origins.origin_of``). The caller converting an enquiry
    (``enquiries.answering.convert_to_deal``) holds the enquiry's lock and has
    decided that it may become a deal.
    """
    if (enquiry is None) == (contact is None):
        raise TypeError("open_deal() takes an enquiry or a contact, not both")
    if enquiry is None:
        check_next_step(next_step=next_step.strip(), next_step_due=next_step_due)
    contact_id = enquiry.contact_id if enquiry is not None else contact.pk
    moment = now()
    with transaction.atomic():  # the deal and its earlier activities move together
        origin = origins.origin_of(contact_id=contact_id, enquiry=enquiry, user=user)
        deal = Deal.objects.create(
            title=title,
            contact_id=contact_id,
            enquiry=enquiry,
            stage=Stage.objects.filter(is_won=False, is_lost=False).order_by("position").first(),
            origin=origin.origin,
            origin_reason=origin.reason,
            owner=user,
            value=value,
            currency=BusinessSettings.load().currency,
            next_step=next_step.strip(),
            next_step_due=next_step_due,
            created_at=moment,
            stage_entered_at=moment,
        )
        if enquiry is not None:
            Activity.objects.filter(enquiry=enquiry, deal__isnull=True).update(deal=deal)
    return deal


def record_imported_deal(
    *,
    title: str,
    contact: Contact,
    stage: Stage,
    origin: str,
    value: Decimal,
    currency: str,
    owner,
    created_at: datetime,
    closed_at: datetime | None = None,
    outcome_reason: OutcomeReason | None = None,
    outcome_note: str = "",
    next_step: str = "",
    next_step_due: date | None = None,
    enquiry_id: int | None = None,
    stage_entered_at: datetime | None = None,
    last_activity_at: datetime | None = None,
) -> Deal:
    """A deal from another tool's history (or our own export), with its own dates.

    History is not a new event: no activity is recorded, no cadence enrols it and
    nobody is notified. A closed deal keeps when it closed; the caller has checked
    that a won or lost stage comes with that date. Without its own time in the
    stage, a deal entered it when it closed, else when it was created.
    """
    return Deal.objects.create(
        title=title,
        contact=contact,
        enquiry_id=enquiry_id,
        stage=stage,
        origin=origin,
        origin_reason=origins.IMPORTED_REASON,
        owner=owner,
        value=value,
        currency=currency,
        next_step=next_step,
        next_step_due=next_step_due,
        created_at=created_at,
        stage_entered_at=stage_entered_at or closed_at or created_at,
        last_activity_at=last_activity_at,
        closed_at=closed_at,
        outcome_reason=outcome_reason,
        outcome_note=outcome_note,
    )


# --- the pipeline's own settings, restored from an export -----------------------------


def record_imported_stage(
    *,
    name: str,
    position: int,
    probability: int,
    is_won: bool = False,
    is_lost: bool = False,
    stale_after_days: int | None = None,
) -> tuple[Stage, bool]:
    """The stage of this name as the file has it (made if new); (stage, made)."""
    stage = Stage.objects.filter(name=name).first()
    made = stage is None
    stage = stage or Stage(name=name)
    stage.position, stage.probability = position, probability
    stage.is_won, stage.is_lost, stage.stale_after_days = is_won, is_lost, stale_after_days
    stage.full_clean(validate_unique=False)
    stage.save()
    return stage, made


def record_imported_outcome_reason(
    *, outcome: str, label: str, position: int = 0
) -> tuple[OutcomeReason, bool]:
    """The reason of this outcome and label, at this place in the list; (reason, made)."""
    if outcome not in OutcomeReason.Outcome.values:
        raise ValidationError({"outcome": "An outcome reason is for won or lost deals."})
    if not label.strip() or len(label) > OutcomeReason._meta.get_field("label").max_length:
        raise ValidationError({"label": "Give the reason in up to 100 characters."})
    reason, made = OutcomeReason.objects.update_or_create(
        outcome=outcome, label=label, defaults={"position": position}
    )
    return reason, made


@dataclass(frozen=True)
class ImportedStep:
    position: int
    business_days_after: int
    kind: str
    subject: str = ""
    body: str = ""


@transaction.atomic
def record_imported_cadence(
    *,
    name: str,
    description: str = "",
    enrol_on_stage: Stage | None = None,
    send_without_approval: bool = False,
    is_active: bool = True,
    steps: Sequence[ImportedStep] = (),
) -> tuple[Cadence, bool]:
    """The cadence of this name with these steps (made if new); (cadence, made).

    Steps are matched by position, so the runs that earlier steps made keep their
    step; a step the file does not have is left as it is. Nothing is enrolled.
    """
    cadence = Cadence.objects.filter(name=name).first()
    made = cadence is None
    cadence = cadence or Cadence(name=name)
    cadence.description, cadence.enrol_on_stage = description, enrol_on_stage
    cadence.send_without_approval, cadence.is_active = send_without_approval, is_active
    cadence.full_clean(validate_unique=False)
    cadence.save()
    for step in steps:
        row = CadenceStep(
            cadence=cadence,
            position=step.position,
            business_days_after=step.business_days_after,
            kind=step.kind,
            subject=step.subject,
            body=step.body,
        )
        row.full_clean(validate_unique=False, validate_constraints=False)
        CadenceStep.objects.update_or_create(
            cadence=cadence,
            position=step.position,
            defaults={
                "business_days_after": step.business_days_after,
                "kind": step.kind,
                "subject": step.subject,
                "body": step.body,
            },
        )
    return cadence, made


def set_next_step(*, deal: Deal, user, next_step: str, next_step_due: date | None) -> Deal:
    """Change an open deal's next step (editing it is not an activity with the prospect)."""
    next_step = next_step.strip()
    check_next_step(next_step=next_step, next_step_due=next_step_due)
    with transaction.atomic():
        current = _locked(deal)
        if current.stage.is_closed:
            raise InvalidMove(closed_message(current))
        current.next_step, current.next_step_due = next_step, next_step_due
        current.save(update_fields=["next_step", "next_step_due"])
    return current


def log_activity(
    *,
    deal: Deal,
    user,
    kind: str,
    direction: str,
    subject: str,
    body: str,
    occurred_at: datetime,
    next_step: str = "",
    next_step_due: date | None = None,
    quick_tags: Sequence[QuickTag] = (),
    signal_kind: str = "",
    signal_text: str = "",
) -> Activity:
    """Log a call, email, meeting or note on a deal, with the next step that follows it.

    An open deal must come away with a dated next step; a closed one takes notes
    without. The same activity submitted twice (same kind, time and words) is one.
    The signals it raised (quick tags, free text) are recorded with it.
    """
    if kind not in LOGGABLE_KINDS:
        raise ValidationError({"kind": "Choose a call, an email, a meeting or a note."})
    if direction not in Activity.Direction.values:
        raise ValidationError({"direction": "Choose who it was from."})
    if occurred_at > now() + FUTURE_SLACK:
        raise ValidationError({"occurred_at": "Log what has happened: pick a time up to now."})
    subject, body, next_step = subject.strip(), body.strip(), next_step.strip()
    with transaction.atomic():
        current = _locked(deal)
        is_open = not current.stage.is_closed
        if is_open:
            check_next_step(next_step=next_step, next_step_due=next_step_due)
        fields = {
            "kind": kind,
            "direction": direction,
            "user": user,
            "subject": subject,
            "body": body,
            "occurred_at": occurred_at,
        }
        repeat = Activity.objects.filter(deal=current, **fields).first()
        if repeat:
            return repeat
        activity = record_activity(deal=current, contact_id=current.contact_id, **fields)
        record_signals(
            contact_id=current.contact_id,
            deal_id=current.pk,
            activity=activity,
            user=user,
            at=occurred_at,
            quick_tags=quick_tags,
            kind=signal_kind,
            text=signal_text,
        )
        if is_open:
            current.next_step, current.next_step_due = next_step, next_step_due
            current.save(update_fields=["next_step", "next_step_due"])
        if direction == Activity.Direction.INBOUND:
            _stop_cadences(current, now(), reason="The prospect replied.")
        if (
            current.enquiry_id
            and direction == Activity.Direction.OUTBOUND
            and kind in FIRST_RESPONSE_KINDS
        ):
            enquiry = Enquiry.objects.filter(
                pk=current.enquiry_id, first_response_at__isnull=True
            ).first()
            if enquiry:
                record_first_response(enquiry=enquiry, user=user, at=occurred_at)
    return activity


def check_next_step(*, next_step: str, next_step_due: date | None) -> None:
    """An open deal's next step: words and a date, today or later (business's calendar)."""
    errors = {}
    if not next_step.strip():
        errors["next_step"] = "Say what happens next: every open deal has a next step."
    if next_step_due is None:
        errors["next_step_due"] = "Give the next step a date."
    elif next_step_due < business_today():
        errors["next_step_due"] = "That date has passed: pick today or later."
    if errors:
        raise ValidationError(errors)


def moved_elsewhere_message(deal: Deal) -> str:
    """What the second of two people moving one deal is told."""
    return (
        f"“{deal.title}” was moved by someone else to {deal.stage.name}; "
        "reload to see where it is now."
    )


def closed_message(deal: Deal) -> str:
    """Why a won or lost deal cannot move: it is closed for good."""
    outcome = "won" if deal.stage.is_won else "lost"
    when = f" on {_day(deal.closed_at)}" if deal.closed_at else ""
    return (
        f"“{deal.title}” was {outcome}{when}; a closed deal cannot be reopened. "
        "Open a new deal for new work."
    )


def _locked(deal: Deal) -> Deal:
    """The deal's row as it is now, locked until the transaction ends.

    select_for_update locks it on PostgreSQL; SQLite's IMMEDIATE transactions (see
    settings) already hold the write lock, so the read is current on both. The lock
    takes the deal alone: with a join, PostgreSQL re-checks a row changed under the
    lock against the old joined row and would find nothing.
    """
    current = Deal.objects.select_for_update().get(pk=deal.pk)
    current.stage = Stage.objects.get(pk=current.stage_id)
    return current


def _repeat_or_refuse(current: Deal, to_stage: Stage, expected_stage_id: int) -> Move | None:
    """``None`` when the move may go ahead; a no-op Move when it already happened."""
    if current.stage_id == to_stage.pk:
        return Move(deal=current, from_stage=to_stage, to_stage=to_stage, moved=False)
    if current.stage_id != expected_stage_id:
        raise DealMovedElsewhere(moved_elsewhere_message(current))
    if current.stage.is_closed:
        raise InvalidMove(closed_message(current))
    return None


def _update(current: Deal, expected_stage_id: int, **fields) -> None:
    # The conditional UPDATE is the guard the lock backs up: it applies only to the
    # stage the user saw, whatever the database's locking does.
    updated = Deal.objects.filter(pk=current.pk, stage_id=expected_stage_id).update(**fields)
    if not updated:
        raise DealMovedElsewhere(f"“{current.title}” was moved by someone else; reload.")
    for name, value in fields.items():
        setattr(current, name, value)


def _record(deal: Deal, user, moment: datetime, *, subject: str, body: str) -> Activity:
    """The move's entry in the deal's history; it raises the deal's last-activity time."""
    return record_activity(
        kind=Activity.Kind.NOTE,
        direction=Activity.Direction.INTERNAL,
        contact_id=deal.contact_id,
        deal=deal,
        user=user,
        subject=subject[:300],
        body=body,
        occurred_at=moment,
    )


def _stop_cadences(deal: Deal, moment: datetime, *, reason: str) -> int:
    return cadences.stop_for_deal(deal=deal, moment=moment, reason=reason)


def _day(moment: date | datetime) -> str:
    if isinstance(moment, datetime):
        moment = business_date(moment)
    return f"{moment.day} {moment:%b %Y}"


# --- proposals --------------------------------------------------------------------------

# The stage a deal enters when its proposal goes out (found by name: stages are the
# business's own, and this is the default list's name for it).
PROPOSAL_STAGE_NAME = "Proposal"


def send_proposal(
    *,
    deal: Deal,
    user,
    amount: Decimal,
    currency: str,
    sent_at: datetime,
    next_step: str,
    next_step_due: date | None,
    link: str = "",
    document: File | None = None,
    note: str = "",
) -> Proposal:
    """Record a proposal sent: the deal takes its amount as its value, a proposal
    activity goes in its history, it keeps a dated next step, and it moves on to the
    Proposal stage with ``move_deal`` (which enrols the cadences that stage starts).

    A deal already in the Proposal stage or beyond stays where it is: a revised
    proposal never moves a deal backwards. The same proposal submitted twice is one.
    """
    link, note, next_step = link.strip(), note.strip(), next_step.strip()
    errors = {}
    if amount is None or amount < 0:
        errors["amount"] = "Give the proposal's amount (0 or more)."
    if not re.fullmatch(r"[A-Z]{3}", currency or ""):
        errors["currency"] = "Give a three-letter currency code, such as GBP."
    if sent_at > now() + FUTURE_SLACK:
        errors["sent_at"] = "Record a proposal once it is sent: pick a time up to now."
    if link:
        try:
            URLValidator(schemes=["http", "https"])(link)
        except ValidationError:
            errors["link"] = "Give a link that starts with https:// or http://."
    document_type = ""
    if document is not None:
        try:
            document_type = check_document(document)
        except ValidationError as error:
            errors["document"] = error.messages
    if not link and document is None and not errors:
        errors[NON_FIELD_ERRORS] = "Give a link to the proposal or attach the document."
    if errors:
        raise ValidationError(errors)
    check_next_step(next_step=next_step, next_step_due=next_step_due)
    with transaction.atomic():
        current = _locked(deal)
        if current.stage.is_closed:
            raise InvalidMove(closed_message(current))
        repeat = Proposal.objects.filter(
            deal=current,
            amount=amount,
            sent_at=sent_at,
            link=link,
            document_name=_given_name(document),
            note=note,
        ).first()
        if repeat:
            return repeat
        activity = record_activity(
            kind=Activity.Kind.PROPOSAL,
            direction=Activity.Direction.OUTBOUND,
            contact_id=current.contact_id,
            deal=current,
            user=user,
            subject=f"Proposal sent: {format_money(amount, currency)}",
            body=note,
            occurred_at=sent_at,
        )
        proposal = Proposal(
            deal=current,
            activity=activity,
            amount=amount,
            currency=currency,
            sent_at=sent_at,
            link=link,
            document_name=_given_name(document),
            document_type=document_type,
            note=note,
            created_by=user,
            created_at=now(),
        )
        if document is not None:
            # Written before the commit: a rollback can leave an orphan file, never a row
            # pointing at nothing.
            proposal.document.save("document", document, save=False)
        proposal.save()
        current.value, current.currency = amount, currency
        current.save(update_fields=["value", "currency"])
        target = Stage.objects.filter(
            name__iexact=PROPOSAL_STAGE_NAME, is_won=False, is_lost=False
        ).first()
        if target is not None and current.stage.position < target.position:
            move_deal(
                deal=current,
                to_stage=target,
                user=user,
                next_step=next_step,
                next_step_due=next_step_due,
                expected_stage_id=current.stage_id,
            )
        else:
            Deal.objects.filter(pk=current.pk).update(
                next_step=next_step, next_step_due=next_step_due
            )
    return proposal


def _given_name(document: File | None) -> str:
    return PurePath(document.name or "").name[:255] if document is not None else ""


# --- erasure ----------------------------------------------------------------------------

# A deal's title is often the person's or their company's name: it goes, the deal stays.
ERASED_DEAL_TITLE = "Deal with an erased person"


def erase_sales_records(
    *, contact: Contact, deal_ids: Collection[int], activity_ids: Collection[int], moment: datetime
) -> dict[str, int]:
    """Make the person's deals, activities, cadence steps and proposals anonymous; the counts.

    The rows stay (stage, value, origin, dates, who worked them) because the
    pipeline, won revenue, win rate and follow-up figures count them; what was
    written to or about the person goes, and so do proposal documents on disk.
    Running cadences stop: there is nobody left to follow up.
    """
    with transaction.atomic():
        deals = Deal.objects.filter(pk__in=deal_ids).update(
            title=ERASED_DEAL_TITLE, next_step="", outcome_note=""
        )
        # The emails themselves are the outbox's to delete; the link to them goes first.
        activities = Activity.objects.filter(pk__in=activity_ids).update(
            subject="", body="", outgoing_email=None
        )
        # Before stopping: a skipped run's note names the person, a stop's reason does not.
        runs = CadenceStepRun.objects.filter(enrolment__deal_id__in=deal_ids).update(
            subject="", body="", note=""
        )
        cadences.stop_for_contact(
            contact=contact, moment=moment, reason="The person's data was erased."
        )
        proposals = Proposal.objects.filter(deal_id__in=deal_ids)
        for proposal in proposals.exclude(document=""):
            proposal.document.delete(save=False)
        proposal_count = proposals.update(link="", note="", document="", document_name="")
    return {
        "deals": deals,
        "activities": activities,
        "cadence_runs": runs,
        "proposals": proposal_count,
    }
