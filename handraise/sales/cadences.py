"""Cadences: enrolling deals in follow-up plans, running their steps, stopping them.

A step is due a number of business days after enrolment (the business's calendar:
weekends and public holidays do not count), at the time of day the deal was
enrolled, moved into the day's opening hours. ``run_due_steps`` is the periodic
job: it runs each due step exactly once, because the step's run is a row that is
unique per (enrolment, step) and is created in the same transaction that locks
and advances the enrolment. A repeated job, or two workers at once, find the
enrolment already moved on. An email step is sent through the outbox (keyed by
its run, so exactly once) or, when the cadence asks for approval, kept as a draft
that a person approves (after editing) or skips. Call and task steps become tasks
on Today. A cadence stops when the prospect replies (``stop_for_contact``), the
deal changes stage, or it is won or lost (``stop_for_deal``); stopping cancels
drafts not yet approved.

Not here: filling in the step's placeholders (``handraise.core.placeholders``),
and reading the pages (``selectors``).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max

from handraise.accounts.models import BusinessSettings
from handraise.contacts.models import Contact, ContactEmail
from handraise.core import outbox
from handraise.core.clock import BusinessCalendar, now
from handraise.core.placeholders import fill, recipient_values
from handraise.sales.activities import raise_last_activity, record_activity
from handraise.sales.models import (
    Activity,
    Cadence,
    CadenceEnrolment,
    CadenceStep,
    CadenceStepRun,
    Deal,
    Stage,
)

# Enrolments handled per run of the job; the rest wait for the next run a minute later.
BATCH = 200

Status = CadenceEnrolment.Status
RunStatus = CadenceStepRun.Status


class CadenceError(Exception):
    """A cadence write was refused; the message says why, for the user."""


class AlreadyEnrolled(CadenceError):
    """The deal is already running this cadence."""


# --- timing -----------------------------------------------------------------------------


def step_due_at(calendar: BusinessCalendar, enrolled_at: datetime, days: int) -> datetime:
    """When a step ``days`` business days after ``enrolled_at`` is due.

    Day 0 is the enrolment itself; later days are the business calendar's
    ``add_business_days``: the enrolment's local time of day, moved into that day's
    opening hours, so a follow-up never goes out at night.
    """
    return calendar.add_business_days(enrolled_at, days)


# --- enrolling and stopping -------------------------------------------------------------


def enrol(
    *, deal: Deal, cadence: Cadence, user=None, moment: datetime | None = None
) -> CadenceEnrolment:
    """Start a cadence on an open deal; its first step is timed from now."""
    moment = moment or now()
    with transaction.atomic():
        current = _locked_deal(deal)
        return _enrol(current, cadence, user, moment, BusinessCalendar.for_business())


def enrol_for_stage(*, deal: Deal, moment: datetime, user=None) -> list[CadenceEnrolment]:
    """Enrol a deal that has just entered its stage in that stage's active cadences."""
    cadences = list(
        Cadence.objects.filter(enrol_on_stage_id=deal.stage_id, is_active=True).order_by("name")
    )
    if not cadences:
        return []
    enrolments = []
    with transaction.atomic():
        current = _locked_deal(deal)
        calendar = BusinessCalendar.for_business()
        for cadence in cadences:
            try:
                enrolments.append(_enrol(current, cadence, user, moment, calendar))
            except CadenceError:
                continue  # no steps, or already running: nothing to start
    return enrolments


def _enrol(
    deal: Deal, cadence: Cadence, user, moment: datetime, calendar: BusinessCalendar
) -> CadenceEnrolment:
    stage = Stage.objects.get(pk=deal.stage_id)
    if stage.is_closed:
        outcome = "won" if stage.is_won else "lost"
        raise CadenceError(f"“{deal.title}” was {outcome}: a closed deal is not followed up.")
    cadence = Cadence.objects.get(pk=cadence.pk)
    if not cadence.is_active:
        raise CadenceError(
            f"“{cadence.name}” is switched off; switch it on in its settings to enrol deals."
        )
    first = cadence.steps.order_by("position").first()
    if first is None:
        raise CadenceError(f"“{cadence.name}” has no steps yet; add one in its settings.")
    already = f"“{deal.title}” is already in “{cadence.name}”."
    if CadenceEnrolment.objects.filter(cadence=cadence, deal=deal, status=Status.ACTIVE).exists():
        raise AlreadyEnrolled(already)
    try:
        with transaction.atomic():
            return CadenceEnrolment.objects.create(
                cadence=cadence,
                deal=deal,
                enrolled_at=moment,
                enrolled_by=user,
                next_step_position=first.position,
                next_run_at=step_due_at(calendar, moment, first.business_days_after),
            )
    except IntegrityError:  # enrolled by someone else a moment ago
        raise AlreadyEnrolled(already) from None


def stop_for_deal(*, deal: Deal, moment: datetime, reason: str) -> int:
    """Stop the deal's running cadences and cancel their unapproved drafts."""
    with transaction.atomic():
        return _stop(CadenceEnrolment.objects.filter(deal_id=deal.pk), moment, reason)


def stop_for_contact(*, contact: Contact, moment: datetime, reason: str) -> int:
    """The prospect replied: stop every running cadence on their deals. How many stopped."""
    with transaction.atomic():
        # Lock the deals before their enrolments, as every other cadence write does.
        deals = list(
            Deal.objects.select_for_update()
            .filter(contact_id=contact.pk)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        return _stop(CadenceEnrolment.objects.filter(deal_id__in=deals), moment, reason)


def stop_enrolment(*, enrolment: CadenceEnrolment, user, moment: datetime | None = None) -> bool:
    """Stop one enrolment by hand; False when it had already finished or stopped."""
    moment = moment or now()
    who = (user.get_full_name() or user.get_username()) if user else "someone"
    with transaction.atomic():
        _locked_deal(enrolment.deal_id)
        enrolments = CadenceEnrolment.objects.filter(pk=enrolment.pk)
        return bool(_stop(enrolments, moment, f"Stopped by {who}."))


def _stop(enrolments, moment: datetime, reason: str) -> int:
    ids = list(enrolments.values_list("pk", flat=True))
    CadenceStepRun.objects.filter(enrolment_id__in=ids, status=RunStatus.DRAFT).update(
        status=RunStatus.CANCELLED, decided_at=moment, note=reason[:300]
    )
    return CadenceEnrolment.objects.filter(pk__in=ids, status=Status.ACTIVE).update(
        status=Status.STOPPED, stopped_at=moment, stop_reason=reason[:200], next_run_at=None
    )


# --- running steps ----------------------------------------------------------------------


def run_due_steps(*, moment: datetime | None = None) -> int:
    """Run every step that is due (one per enrolment per run). Periodic; how many ran.

    A cadence that is switched off pauses: its enrolments wait until it is back on.
    """
    moment = moment or now()
    due = list(
        CadenceEnrolment.objects.filter(
            status=Status.ACTIVE, next_run_at__lte=moment, cadence__is_active=True
        )
        .order_by("next_run_at", "pk")
        .values_list("pk", flat=True)[:BATCH]
    )
    if not due:
        return 0
    context = _RunContext(
        calendar=BusinessCalendar.for_business(), business=BusinessSettings.load()
    )
    return sum(_run_next_step(pk, moment, context) for pk in due)


@dataclass(frozen=True)
class _RunContext:
    calendar: BusinessCalendar
    business: BusinessSettings


def _run_next_step(enrolment_id: int, moment: datetime, context: _RunContext) -> int:
    deal_id = _deal_id(enrolment_id)
    if deal_id is None:
        return 0
    with transaction.atomic():
        # The deal first, then the enrolment: the order moves and closes take them in,
        # so a step running while the deal moves waits instead of deadlocking.
        _locked_deal(deal_id)
        enrolment = (
            CadenceEnrolment.objects.select_for_update()
            .filter(pk=enrolment_id, status=Status.ACTIVE, next_run_at__lte=moment)
            .first()
        )
        if enrolment is None:  # another worker ran it, or it stopped meanwhile
            return 0
        deal = Deal.objects.select_related("stage", "contact", "contact__organisation", "owner")
        deal = deal.get(pk=deal_id)
        if deal.stage.is_closed:
            outcome = "won" if deal.stage.is_won else "lost"
            closed = CadenceEnrolment.objects.filter(pk=enrolment.pk)
            _stop(closed, moment, f"The deal was {outcome}.")
            return 0
        steps = list(
            CadenceStep.objects.filter(
                cadence_id=enrolment.cadence_id, position__gte=enrolment.next_step_position
            ).order_by("position")[:2]
        )
        if not steps:  # the cadence lost its remaining steps since the last run
            _advance(enrolment, None, None, context, moment)
            return 0
        step = steps[0]
        try:
            with transaction.atomic():
                run = CadenceStepRun.objects.create(
                    enrolment=enrolment,
                    step=step,
                    position=step.position,
                    business_days_after=step.business_days_after,
                    kind=step.kind,
                    status=RunStatus.TASK,
                    due_at=enrolment.next_run_at,
                    ran_at=moment,
                )
        except IntegrityError:  # it ran already: never twice, just move past it
            _advance(enrolment, step, steps[1:], context, moment)
            return 0
        _perform(run, step, enrolment, deal, moment, context.business)
        _advance(enrolment, step, steps[1:], context, moment)
    return 1


def _advance(enrolment, step, following, context: _RunContext, moment: datetime) -> None:
    if step is not None:
        enrolment.next_step_position = step.position + 1
    if following:
        enrolment.next_run_at = step_due_at(
            context.calendar, enrolment.enrolled_at, following[0].business_days_after
        )
    else:
        enrolment.status = Status.COMPLETED
        enrolment.next_run_at = None
        enrolment.stopped_at = moment
    enrolment.save(update_fields=["next_step_position", "next_run_at", "status", "stopped_at"])


def _perform(
    run: CadenceStepRun,
    step: CadenceStep,
    enrolment: CadenceEnrolment,
    deal: Deal,
    moment: datetime,
    business: BusinessSettings,
) -> None:
    values = _values(deal, business)
    run.subject = fill(step.subject, values)[:300]
    run.body = fill(step.body, values)
    fields = ["subject", "body", "status"]
    if step.kind == CadenceStep.Kind.EMAIL:
        cadence = Cadence.objects.only("send_without_approval").get(pk=enrolment.cadence_id)
        address = _address_of(deal)
        if not address:
            run.status = RunStatus.SKIPPED
            run.note = f"No email address for {deal.contact.name}."
            fields.append("note")
        elif cadence.send_without_approval:
            run.status = RunStatus.SENT
            run.activity = _send(run, deal, address, deal.owner, moment, business)
            fields.append("activity")
        else:
            run.status = RunStatus.DRAFT
    else:
        run.status = RunStatus.TASK
        # Due and not done: a plan, so the deal's last-activity time stays where it is.
        run.activity = record_activity(
            kind=Activity.Kind.CALL if step.kind == CadenceStep.Kind.CALL else Activity.Kind.TASK,
            direction=Activity.Direction.INTERNAL,
            contact_id=deal.contact_id,
            deal=deal,
            user=deal.owner,
            subject=run.subject or step.get_kind_display(),
            body=run.body,
            occurred_at=moment,
            due_at=run.due_at,
        )
        fields.append("activity")
    run.save(update_fields=fields)


def _send(
    run: CadenceStepRun, deal: Deal, address: str, user, moment: datetime, business
) -> Activity:
    """Queue the run's email (its key makes it one email) and record it on the deal."""
    owner_email = deal.owner.email if deal.owner and deal.owner.email else ""
    email = outbox.queue_email(
        key=f"cadence:run:{run.pk}",
        kind="cadence",
        to=address,
        reply_to=owner_email or business.reply_to_email,
        subject=run.subject,
        body=run.body,
    )
    return record_activity(
        kind=Activity.Kind.EMAIL,
        direction=Activity.Direction.OUTBOUND,
        contact_id=deal.contact_id,
        deal=deal,
        user=user,
        outgoing_email=email,
        subject=run.subject,
        body=run.body,
        occurred_at=moment,
    )


def _values(deal: Deal, business: BusinessSettings) -> dict[str, str]:
    owner = deal.owner
    return {
        **recipient_values(deal.contact.name),
        "company": deal.contact.organisation.name if deal.contact.organisation else "",
        "deal": deal.title,
        "owner": (owner.get_full_name() or owner.get_username()) if owner else business.name,
        "business": business.name,
    }


def _address_of(deal: Deal) -> str:
    return (
        ContactEmail.objects.filter(contact_id=deal.contact_id)
        .order_by("-is_primary", "pk")
        .values_list("email", flat=True)
        .first()
        or ""
    )


# --- drafts and tasks -------------------------------------------------------------------


def approve_draft(
    *, run: CadenceStepRun, user, subject: str, body: str, moment: datetime | None = None
) -> CadenceStepRun:
    """Send a draft as edited, once: approving it again (a double submit) sends nothing."""
    subject, body = " ".join(subject.split()), body.strip()
    errors = {}
    if not subject:
        errors["subject"] = "Give the email a subject."
    elif len(subject) > 300:
        errors["subject"] = "Keep the subject under 300 characters."
    if not body:
        errors["body"] = "Write the email: the body is empty."
    if errors:
        raise ValidationError(errors)
    moment = moment or now()
    deal_id = _deal_id(run.enrolment_id)
    with transaction.atomic():
        _locked_deal(deal_id)
        current = CadenceStepRun.objects.select_for_update().get(pk=run.pk)
        if current.status == RunStatus.SENT:
            return current
        _check_draft(current)
        deal = Deal.objects.select_related("owner").get(pk=deal_id)
        address = _address_of(deal)
        if not address:
            raise CadenceError(f"{deal.contact} has no email address: add one, or skip the step.")
        current.subject, current.body = subject, body
        current.activity = _send(current, deal, address, user, moment, BusinessSettings.load())
        current.status = RunStatus.SENT
        current.decided_by, current.decided_at = user, moment
        current.save(
            update_fields=["subject", "body", "activity", "status", "decided_by", "decided_at"]
        )
    return current


def skip_draft(*, run: CadenceStepRun, user, moment: datetime | None = None) -> CadenceStepRun:
    """Record that a draft will not be sent; skipping it twice is one skip."""
    moment = moment or now()
    deal_id = _deal_id(run.enrolment_id)
    with transaction.atomic():
        _locked_deal(deal_id)
        current = CadenceStepRun.objects.select_for_update().get(pk=run.pk)
        if current.status == RunStatus.SKIPPED:
            return current
        _check_draft(current)
        current.status = RunStatus.SKIPPED
        current.decided_by, current.decided_at = user, moment
        current.note = "Skipped by " + (user.get_full_name() or user.get_username())
        current.save(update_fields=["status", "decided_by", "decided_at", "note"])
    return current


def _check_draft(run: CadenceStepRun) -> None:
    if run.status == RunStatus.DRAFT:
        return
    if run.status == RunStatus.CANCELLED:
        raise CadenceError(f"This draft was cancelled: {run.note}".strip())
    status = run.get_status_display().lower()
    raise CadenceError(f"This step is no longer a draft: it was {status}.")


def complete_task(*, run: CadenceStepRun, user, moment: datetime | None = None) -> Activity:
    """Mark a cadence call or task done; a call done is a call made to the prospect."""
    moment = moment or now()
    deal_id = _deal_id(run.enrolment_id)
    with transaction.atomic():
        _locked_deal(deal_id)
        current = CadenceStepRun.objects.select_for_update().get(pk=run.pk)
        if current.status != RunStatus.TASK or current.activity_id is None:
            raise CadenceError("This step is not a task.")
        activity = Activity.objects.select_for_update().get(pk=current.activity_id)
        if activity.completed_at is not None:
            return activity
        activity.completed_at = moment
        fields = ["completed_at"]
        if activity.kind == Activity.Kind.CALL:
            activity.direction = Activity.Direction.OUTBOUND
            activity.occurred_at, activity.user = moment, user
            fields += ["direction", "occurred_at", "user"]
            raise_last_activity(deal=activity.deal_id, moment=moment)
        activity.save(update_fields=fields)
    return activity


# --- defining cadences ------------------------------------------------------------------


def save_cadence(
    *, cadence: Cadence, steps: Sequence[CadenceStep], removed: Sequence[CadenceStep] = ()
) -> Cadence:
    """Save a cadence and its steps, numbered in order of their day (ties keep their order).

    Deals already in the cadence carry on from the same place in the list of steps.
    """
    ordered = [
        s for _, s in sorted(enumerate(steps), key=lambda p: (p[1].business_days_after, p[0]))
    ]
    with transaction.atomic():
        cadence.save()
        for step in removed:
            step.delete()
        # Park every step past the highest position first, so (cadence, position) stays
        # unique at every statement while the steps swap places.
        highest = CadenceStep.objects.filter(cadence=cadence).aggregate(top=Max("position"))
        parked = (highest["top"] or 0) + 1
        for offset, step in enumerate(ordered):
            if step.pk:
                CadenceStep.objects.filter(pk=step.pk).update(position=parked + offset)
        for position, step in enumerate(ordered):
            step.cadence, step.position = cadence, position
            step.save()
    return cadence


def _locked_deal(deal: Deal | int) -> Deal:
    """The deal's row, locked alone (no joins) until the transaction ends.

    Every cadence write that touches a deal takes this lock before any enrolment or
    run, as ``services`` do when they move a deal and stop its cadences.
    """
    return Deal.objects.select_for_update().get(pk=getattr(deal, "pk", deal))


def _deal_id(enrolment_id: int) -> int | None:
    return (
        CadenceEnrolment.objects.filter(pk=enrolment_id).values_list("deal_id", flat=True).first()
    )
