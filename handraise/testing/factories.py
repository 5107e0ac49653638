"""Small factories for every app's tests: contacts, deals, enquiries, cadences, activities.

Each makes one object explicitly with plain defaults a test can override by keyword;
they write rows directly, not through a service, so a test of a service sees only what it does.
"""

from datetime import date, timedelta
from decimal import Decimal

from handraise.contacts.models import Contact, ContactEmail, Organisation
from handraise.core.clock import business_today, now
from handraise.enquiries.models import Enquiry
from handraise.sales.models import (
    Activity,
    Cadence,
    CadenceEnrolment,
    CadenceStep,
    Deal,
    OutcomeReason,
    Stage,
)


def stage(name: str) -> Stage:
    return Stage.objects.get(name=name)


def reason(outcome: str, label: str) -> OutcomeReason:
    return OutcomeReason.objects.get(outcome=outcome, label=label)


def today() -> date:
    return business_today()


def make_contact(name: str = "Ann Lee", organisation: str = "", email: str = "") -> Contact:
    """A contact; with ``email``, that address is their primary one."""
    org = Organisation.objects.create(name=organisation) if organisation else None
    contact = Contact.objects.create(name=name, organisation=org)
    if email:
        ContactEmail.objects.create(contact=contact, email=email, is_primary=True)
    return contact


def make_deal(
    title: str = "Operations review",
    *,
    stage_name: str = "Conversation",
    contact: Contact | None = None,
    value: Decimal | str = "4500",
    next_step: str = "Send the proposal",
    next_step_due: date | str | None = "default",
    days_in_stage: float = 0,
    last_activity_days_ago: float | None = None,
    **fields,
) -> Deal:
    moment = now()
    entered = moment - timedelta(days=days_in_stage)
    values = {
        "title": title,
        "contact": contact or make_contact(),
        "stage": stage(stage_name),
        "origin": Deal.Origin.MARKETING,
        "value": Decimal(value),
        "next_step": next_step,
        "next_step_due": today() + timedelta(days=3)
        if next_step_due == "default"
        else next_step_due,
        "created_at": entered - timedelta(days=1),
        "stage_entered_at": entered,
        "last_activity_at": None
        if last_activity_days_ago is None
        else moment - timedelta(days=last_activity_days_ago),
    }
    values.update(fields)
    return Deal.objects.create(**values)


def make_closed_deal(title: str = "Closed deal", *, won: bool = True, days_ago: float = 1, **kw):
    moment = now() - timedelta(days=days_ago)
    label = "Right expertise" if won else "Price"
    return make_deal(
        title,
        stage_name="Won" if won else "Lost",
        next_step="",
        next_step_due=None,
        closed_at=moment,
        days_in_stage=days_ago,
        outcome_reason=reason("won" if won else "lost", label),
        **kw,
    )


def make_enquiry(
    name: str = "Ben Hall",
    due_in: timedelta = timedelta(minutes=30),
    *,
    email: str | None = None,
    **fields,
) -> Enquiry:
    """An enquiry waiting for its first response; ``email`` also becomes the contact's."""
    address = email or f"{name.split()[0].lower() if name.split() else 'someone'}@example.com"
    values = {
        "channel": Enquiry.Channel.FORM,
        "contact": make_contact(name, email=address if email is not None else ""),
        "received_at": now() - timedelta(minutes=10),
        "from_name": name,
        "from_email": address,
        "message": f"{name} asks about a process review",
        "response_due_at": now() + due_in,
    }
    values.update(fields)
    return Enquiry.objects.create(**values)


def make_enrolment(
    deal: Deal, *, runs_in: timedelta, subject: str = "Checking in"
) -> CadenceEnrolment:
    cadence, _ = Cadence.objects.get_or_create(name="After the proposal")
    CadenceStep.objects.get_or_create(
        cadence=cadence,
        position=0,
        defaults={"business_days_after": 2, "kind": CadenceStep.Kind.EMAIL, "subject": subject},
    )
    return CadenceEnrolment.objects.create(
        cadence=cadence, deal=deal, enrolled_at=now(), next_run_at=now() + runs_in
    )


def log(
    deal: Deal, subject: str, *, days_ago: float = 0, kind: str = Activity.Kind.CALL
) -> Activity:
    return Activity.objects.create(
        kind=kind,
        direction=Activity.Direction.OUTBOUND,
        contact_id=deal.contact_id,
        deal=deal,
        subject=subject,
        occurred_at=now() - timedelta(days=days_ago),
    )
