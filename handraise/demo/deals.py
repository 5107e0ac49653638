"""Deals: where each one got to by now.

Opens deals from answered enquiries (a prompt answer or a referral helps them along),
from the owner's network and from past clients; walks each through the stages up to
``now``, where some stall; and sets next steps, some of them overdue. What happened on
each deal along the way is ``activities``.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from handraise.demo.build import OUTBOUND_DEALS_PER_SCALE, PAST_CLIENT_DEALS_PER_SCALE, Build
from handraise.demo.enquiries import EnquiryPlan
from handraise.demo.people import People, Person
from handraise.demo.words import LOST_NOTES, NEXT_STEPS, REPEAT_SERVICES, SERVICES, WON_NOTES
from handraise.enquiries.models import Enquiry
from handraise.sales.models import Deal

_PATH = ("Enquiry", "Conversation", "Proposal", "Negotiation", "Won")
# stage: chance of moving on, days to move on, days until lost otherwise, why lost
_MOVES = {
    "Enquiry": (0.80, (1, 9), (5, 25), ("Not a fit", "Bad timing", "Went quiet")),
    "Conversation": (
        0.64,
        (4, 24),
        (7, 40),
        ("No budget", "Bad timing", "Went quiet", "Not a fit"),
    ),
    "Proposal": (
        0.60,
        (8, 30),
        (12, 45),
        ("Price", "Chose a competitor", "Went quiet", "No budget"),
    ),
    "Negotiation": (0.74, (8, 32), (8, 30), ("Price", "Chose a competitor", "Bad timing")),
}
# A deal nobody moves on or closes: the stale deals the pipeline should flag.
# Negotiations stall most: contracts sit with somebody's solicitor.
_STALL_CHANCE = {"Enquiry": 0.04, "Conversation": 0.04, "Proposal": 0.04, "Negotiation": 0.15}


@dataclass
class DealPlan:
    deal: Deal
    person: Person
    history: list[tuple[str, datetime]]  # stages entered, in order
    stalled: bool
    lost_reason: str = ""
    enquiry: EnquiryPlan | None = None


def plan_deals(b: Build, people: People, enquiries: list[EnquiryPlan]) -> list[DealPlan]:
    rng = b.rng("deals")
    plans: list[DealPlan] = []
    for enquiry in enquiries:
        if enquiry.enquiry.status != Enquiry.Status.RESPONDED:
            continue
        if rng.random() > 0.35 + 0.5 * (enquiry.enquiry.fit_score or 0) / 100:
            continue  # answered, but it went no further
        referral = enquiry.enquiry.channel == Enquiry.Channel.REFERRAL
        # A prompt answer wins business: that is the point of the response clock.
        fast = enquiry.response_minutes is not None and enquiry.response_minutes <= 60
        bias = (0.1 if referral else 0.0) + (0.06 if fast else 0.0)
        origin = Deal.Origin.REFERRAL if referral else Deal.Origin.MARKETING
        created = enquiry.enquiry.first_response_at
        plan = _new_deal(b, rng, enquiry.person, origin, "Enquiry", created, bias, fast=fast)
        plan.enquiry = enquiry
        plan.deal.enquiry = enquiry.enquiry
        if not referral and enquiry.enquiry.utm_campaign:
            campaign = enquiry.enquiry.utm_campaign
            plan.deal.origin_reason = (
                f"Marketing-sourced: the enquiry carried UTM campaign “{campaign}”."
            )
        enquiry.enquiry.status = Enquiry.Status.CONVERTED
        plans.append(plan)

    network = [p for p in people.network if p.org and not p.is_past_client]
    rng.shuffle(network)
    for person in network[: OUTBOUND_DEALS_PER_SCALE * b.scale]:
        created = _moment_after(b, rng, person.first_seen or b.start)
        if created is not None:
            plans.append(_new_deal(b, rng, person, Deal.Origin.OUTBOUND, "Conversation", created))

    past_clients = [p for p in people.network if p.is_past_client]
    for person in past_clients[: PAST_CLIENT_DEALS_PER_SCALE * b.scale]:
        created = _moment_after(b, rng, person.first_seen or b.start)
        if created is not None:
            plans.append(_new_deal(b, rng, person, Deal.Origin.REPEAT, "Proposal", created, 0.15))
    for won in [p for p in plans if p.deal.stage.is_won]:
        if rng.random() < 0.3:
            created = b.working(rng, won.deal.closed_at + timedelta(days=rng.randint(20, 150)))
            if created < b.now - timedelta(days=1):
                first = rng.choice(("Conversation", "Proposal"))
                plans.append(
                    _new_deal(b, rng, won.person, Deal.Origin.REPEAT, first, created, 0.15)
                )
    _keep_proposals_going_out(b, rng, plans)
    for plan in plans:
        _set_next_step(b, rng, plan)
    return plans


def _keep_proposals_going_out(
    b: Build, rng: random.Random, plans: list[DealPlan], wanted: int = 2
) -> None:
    """A small business sends about one proposal a week, so a quiet fortnight would leave
    the follow-up cadence with nothing to do on the day the demo is built. Move the
    latest conversations on to a proposal a few days ago until a couple are fresh."""
    fresh_since = b.now - timedelta(days=9)
    fresh = [p for p in plans if p.history[-1][0] == "Proposal" and p.history[-1][1] >= fresh_since]
    conversations = sorted(
        (p for p in plans if p.history[-1][0] == "Conversation" and not p.stalled),
        key=lambda p: p.history[-1][1],
        reverse=True,
    )
    missing = wanted - len(fresh)
    for plan in conversations:
        if missing <= 0:
            break
        sent = b.working(rng, b.now - timedelta(days=rng.randint(2, 7)))
        if plan.history[-1][1] + timedelta(days=3) < sent < b.now:
            plan.history.append(("Proposal", sent))
            plan.deal.stage, plan.deal.stage_entered_at = b.stages["Proposal"], sent
            missing -= 1


def _moment_after(b: Build, rng: random.Random, after: datetime) -> datetime | None:
    latest = b.now - timedelta(days=2)
    if after >= latest:
        return None
    minutes = int((latest - after).total_seconds() // 60)
    moment = b.working(rng, after + timedelta(minutes=rng.randint(0, minutes)))
    return moment if moment < b.now else None


# The reasons ``sales.origins`` gives, in the words the demo's history supports.
_ORIGIN_REASONS = {
    Deal.Origin.MARKETING: "Marketing-sourced: an inbound enquiry.",
    Deal.Origin.REFERRAL: "Referral: the enquiry came through the referral channel.",
    Deal.Origin.OUTBOUND: "Owner outbound: opened with no enquiry behind it.",
    Deal.Origin.REPEAT: "Repeat client: an earlier deal was won.",
}


def _new_deal(
    b: Build,
    rng: random.Random,
    person: Person,
    origin: str,
    first_stage: str,
    created_at: datetime,
    bias: float = 0.0,
    *,
    fast: bool = False,
) -> DealPlan:
    history, lost_reason, stalled = _simulate(b, rng, first_stage, created_at, bias)
    services = REPEAT_SERVICES if origin == Deal.Origin.REPEAT else SERVICES
    service, low, high, _ = rng.choices(services, [s[-1] for s in services])[0]
    employees = person.org.organisation.employees if person.org else 5
    size = 0.8 + 0.6 * min(employees or 5, 300) / 300
    value = round(rng.uniform(low, high) * size / 250) * 250
    stage, entered = history[-1]
    deal = Deal(
        title=f"{service} – {person.company or person.name}",
        contact=person.contact,
        stage=b.stages[stage],
        origin=origin,
        origin_reason=_ORIGIN_REASONS[origin],
        value=Decimal(value),
        currency="GBP",
        created_at=created_at,
        stage_entered_at=entered,
    )
    if stage == "Won":
        reason = rng.choice(["Right expertise", "Right expertise", "Price", "Other"])
        if origin == Deal.Origin.REFERRAL:
            reason = "Referral trust"
        elif fast and rng.random() < 0.5:
            reason = "Speed of response"
        deal.closed_at = entered
        deal.outcome_reason = b.reasons[("won", reason)]
        deal.outcome_note = WON_NOTES[reason]
    elif stage == "Lost":
        deal.closed_at = entered
        deal.outcome_reason = b.reasons[("lost", lost_reason)]
        deal.outcome_note = LOST_NOTES[lost_reason]
    return DealPlan(deal, person, history, stalled, lost_reason)


def _simulate(
    b: Build, rng: random.Random, stage: str, at: datetime, bias: float
) -> tuple[list[tuple[str, datetime]], str, bool]:
    """Walk a deal through the stages from ``at``; whatever would happen after now has not."""
    history = [(stage, at)]
    while stage in _MOVES:
        chance, move_days, lose_days, lost_reasons = _MOVES[stage]
        if rng.random() < _STALL_CHANCE[stage]:
            return history, "", True
        if rng.random() < min(chance + bias, 0.95):
            following, days, reason = _PATH[_PATH.index(stage) + 1], move_days, ""
        else:
            following, days, reason = "Lost", lose_days, rng.choice(lost_reasons)
        at = b.working(rng, at + timedelta(minutes=rng.randint(days[0] * 1440, days[1] * 1440)))
        if at >= b.now:
            break
        history.append((following, at))
        stage = following
        if following == "Lost":
            return history, reason, False
    return history, "", False


def _set_next_step(b: Build, rng: random.Random, plan: DealPlan) -> None:
    stage = plan.history[-1][0]
    if stage not in NEXT_STEPS:
        return
    roll = rng.random()
    if plan.stalled:  # nobody is looking after it
        missing, overdue = 0.4, 1.0
    else:
        missing, overdue = 0.06, 0.18
    if roll < missing:
        return
    plan.deal.next_step = rng.choice(NEXT_STEPS[stage])
    if roll < overdue:
        plan.deal.next_step_due = b.today() - timedelta(days=rng.randint(1, 21))
    else:
        plan.deal.next_step_due = b.today() + timedelta(days=rng.randint(0, 10))
