"""Activities and signals: what happened on each deal, in order.

Tells each deal's story as activities inside its life (calls, meetings, proposals,
follow-ups, an open task) and the signals prospects gave along the way, sorted into
themes; and writes the themes, and the proposal follow-up cadence with the deals it ran
on. The activities and signals are planned here and written by ``run``.
"""

import random
from datetime import datetime, timedelta
from itertools import accumulate

from handraise.demo.build import BATCH, Build
from handraise.demo.deals import DealPlan
from handraise.demo.enquiries import first_response
from handraise.demo.marketing import AssetPlan
from handraise.demo.words import CADENCE_STEPS, CASE_STUDY_THEME, THEMES
from handraise.insights.models import Signal, Theme
from handraise.marketing.models import Asset
from handraise.sales.models import Activity, Cadence, CadenceEnrolment, CadenceStep, Deal

# The owner started using the follow-up cadence partway through the year; before then
# proposals were chased when somebody remembered.
_CADENCE_STARTS_ON_DAY = 200


def create_themes(b: Build, assets: list[AssetPlan]) -> list[Theme]:
    existing = Theme.objects.in_bulk([spec.name for spec in THEMES], field_name="name")
    themes = [
        existing.get(spec.name)
        or Theme(name=spec.name, description=spec.description, content_idea=spec.content_idea)
        for spec in THEMES
    ]
    Theme.objects.bulk_create([theme for theme in themes if theme.pk is None])
    by_title = {plan.asset.title: plan.asset for plan in assets}
    answers = {
        (theme.pk, by_title[title].pk)
        for theme, spec in zip(themes, THEMES, strict=True)
        if theme.name not in existing
        for title in spec.answered_by
    }
    proof = next(t for t in themes if t.name == CASE_STUDY_THEME)
    if proof.name not in existing:
        answers |= {
            (proof.pk, plan.asset.pk) for plan in assets if plan.asset.kind == Asset.Kind.CASE_STUDY
        }
    Through = Theme.answered_by.through
    Through.objects.bulk_create(
        Through(theme_id=theme_id, asset_id=asset_id) for theme_id, asset_id in sorted(answers)
    )
    return themes


def backdate_themes(themes: list[Theme], signals: list[Signal], now: datetime) -> None:
    first: dict[int, datetime] = {}
    for signal in signals:
        if signal.theme_id is not None:
            first[signal.theme_id] = min(first.get(signal.theme_id, now), signal.captured_at)
    for theme in themes:
        theme.created_at = first.get(theme.pk, now)
    Theme.objects.bulk_update(themes, ["created_at"])


class _SignalBank:
    """Realistic things prospects say, by kind, each belonging to a theme."""

    def __init__(self, themes: list[Theme]) -> None:
        self.entries: dict[str, list[tuple[Theme, str]]] = {}
        weights: dict[str, list[float]] = {}
        for theme, spec in zip(themes, THEMES, strict=True):
            for kind, texts in spec.signals.items():
                for text in texts:
                    self.entries.setdefault(kind, []).append((theme, text))
                    weights.setdefault(kind, []).append(spec.weight)
        self.cumulative = {kind: list(accumulate(w)) for kind, w in weights.items()}

    def draw(self, rng: random.Random, kind: str) -> tuple[Theme, str]:
        return rng.choices(self.entries[kind], cum_weights=self.cumulative[kind])[0]


_OUT, _IN, _INTERNAL = (
    Activity.Direction.OUTBOUND,
    Activity.Direction.INBOUND,
    Activity.Direction.INTERNAL,
)


class _DealStory:
    """Writes one deal's activities and signals, in order and inside the deal's life."""

    def __init__(self, b: Build, rng: random.Random, plan: DealPlan, bank: _SignalBank):
        self.b, self.rng, self.plan, self.bank = b, rng, plan, bank
        self.deal, self.contact = plan.deal, plan.person.contact
        self.activities: list[Activity] = []
        self.signals: list[Signal] = []
        self.enrolment: CadenceEnrolment | None = None
        self.cadence_starts = b.start + timedelta(days=_CADENCE_STARTS_ON_DAY)

    def tell(self) -> None:
        history = self.plan.history
        for index, (stage, entered) in enumerate(history):
            following = history[index + 1] if index + 1 < len(history) else None
            until = following[1] if following else self.b.now
            handler = getattr(self, f"_{stage.lower()}")
            handler(entered, until, following, index == 0)
        done = [a for a in self.activities if a.kind != Activity.Kind.TASK]
        self.deal.last_activity_at = max((a.occurred_at for a in done), default=None)
        if self.deal.closed_at is None and self.deal.next_step_due and self.rng.random() < 0.45:
            self._open_task()

    def log(
        self, kind: str, direction: str, at: datetime, until: datetime, subject: str, body=""
    ) -> Activity | None:
        if at > until or at > self.b.now:
            return None
        activity = Activity(
            kind=kind,
            direction=direction,
            contact=self.contact,
            deal=self.deal,
            subject=subject,
            body=body,
            occurred_at=at,
            completed_at=at if kind == Activity.Kind.FOLLOW_UP else None,
        )
        self.activities.append(activity)
        return activity

    def capture(self, activity: Activity | None, kinds: dict[str, int], count: int) -> None:
        if activity is None:
            return
        recent = self.b.now - activity.occurred_at < timedelta(days=14)
        for _ in range(count):
            kind = self.rng.choices(list(kinds), list(kinds.values()))[0]
            theme, text = self.bank.draw(self.rng, kind)
            if self.rng.random() < (0.5 if recent else 0.08):
                theme = None  # not sorted into a theme yet
            self.signals.append(
                Signal(
                    kind=kind,
                    text=text,
                    contact=self.contact,
                    deal=self.deal,
                    activity=activity,
                    theme=theme,
                    captured_at=activity.occurred_at,
                )
            )

    def later(self, at: datetime, low_minutes: int, high_minutes: int) -> datetime:
        return self.b.working(self.rng, at, low_minutes, high_minutes)

    # One method per stage: what happens while a deal sits in it.

    def _enquiry(self, entered, until, following, first) -> None:
        enquiry = self.plan.enquiry
        if enquiry is not None:
            self.activities.append(first_response(enquiry, self.deal))
        if following:
            at = self.later(entered, 60, 1440)
            self.log(Activity.Kind.EMAIL, _IN, at, until, "Re: your enquiry", "Tuesday works.")

    def _conversation(self, entered, until, following, first) -> None:
        at = entered
        if first:  # the owner's own outreach, or a past client getting back in touch
            subject = "Catching up" if self.deal.origin == Deal.Origin.OUTBOUND else "Next phase"
            self.log(Activity.Kind.EMAIL, _OUT, at, until, subject)
            at = self.later(at, 2 * 480, 6 * 480)
        meeting = self.log(
            Activity.Kind.MEETING,
            _OUT,
            at,
            until,
            self.rng.choice(("Discovery call", "Site walk-round", "Intro meeting")),
            "Walked through how work flows today and where it gets stuck.",
        )
        self.capture(
            meeting, {"question": 6, "objection": 3, "competitor": 1}, self.rng.randint(1, 3)
        )
        if meeting and self.rng.random() < 0.55:
            at = self.later(meeting.occurred_at, 240, 900)
            self.log(Activity.Kind.EMAIL, _OUT, at, until, "Summary and next steps")
        if meeting and self.rng.random() < 0.35:
            at = self.later(meeting.occurred_at, 900, 3000)
            self.log(Activity.Kind.CALL, _OUT, at, until, "Checked the figures they sent")
        if meeting and self.rng.random() < 0.3:
            at = self.later(meeting.occurred_at, 30, 120)
            body = "Bottleneck is in dispatch; supervisors keen, MD cautious."
            self.log(Activity.Kind.NOTE, _INTERNAL, at, until, "Notes from the visit", body)

    def _proposal(self, entered, until, following, first) -> None:
        value = f"£{self.deal.value:,.0f}"
        proposal = self.log(
            Activity.Kind.PROPOSAL,
            _OUT,
            entered,
            until,
            f"Proposal: {self.deal.title}",
            f"Fixed fee {value}, four to eight weeks.",
        )
        if proposal is None:
            return
        replied_at = None
        if following and self.plan.lost_reason != "Went quiet":
            span = (until - entered).total_seconds()
            replied_at = entered + timedelta(seconds=int(span * self.rng.uniform(0.4, 0.9)))
        elif not following and self.rng.random() < 0.15:  # replied, not yet moved on
            replied_at = self.later(entered, 240, 2400)
            replied_at = replied_at if replied_at < self.b.now else None
        enrolled = entered >= self.cadence_starts
        done = self._follow_ups(entered, min(until, replied_at or until), enrolled)
        if replied_at:
            reply = self.log(Activity.Kind.EMAIL, _IN, replied_at, until, "Re: proposal")
            self.capture(
                reply, {"objection": 5, "question": 3, "competitor": 2}, self.rng.randint(0, 2)
            )
        if enrolled:
            self.enrolment = self._enrolment(entered, done, replied_at, following)

    def _follow_ups(self, entered: datetime, stop: datetime, enrolled: bool) -> int:
        done = 0
        for _, days, kind, subject, _ in CADENCE_STEPS:
            at = self.b.business_days_after(entered, days)
            if at >= stop or at >= self.b.now:
                break
            done += 1
            if enrolled or self.rng.random() < 0.45:
                activity_kind = (
                    Activity.Kind.CALL if kind == CadenceStep.Kind.CALL else Activity.Kind.FOLLOW_UP
                )
                self.log(activity_kind, _OUT, at, stop, subject)
        return done

    def _enrolment(self, entered, done, replied_at, following) -> CadenceEnrolment:
        enrolment = CadenceEnrolment(deal=self.deal, enrolled_at=entered, next_step_position=done)
        if done == len(CADENCE_STEPS):
            enrolment.status = CadenceEnrolment.Status.COMPLETED
        elif replied_at:
            enrolment.status = CadenceEnrolment.Status.STOPPED
            enrolment.stopped_at, enrolment.stop_reason = replied_at, "Prospect replied"
        elif following:
            enrolment.status = CadenceEnrolment.Status.STOPPED
            enrolment.stopped_at = following[1]
            enrolment.stop_reason = f"Deal moved to {following[0]}"
        else:
            enrolment.status = CadenceEnrolment.Status.ACTIVE
            enrolment.next_run_at = self.b.business_days_after(entered, CADENCE_STEPS[done][1])
        return enrolment

    def _negotiation(self, entered, until, following, first) -> None:
        call = self.log(Activity.Kind.CALL, _OUT, entered, until, "Fees and start date")
        self.capture(call, {"objection": 5, "competitor": 3, "question": 2}, self.rng.randint(0, 2))
        if self.rng.random() < 0.5:
            at = self.later(entered, 480, 1800)
            self.log(Activity.Kind.EMAIL, _IN, at, until, "Questions on the revised scope")
        if self.rng.random() < 0.4:
            at = self.later(entered, 1500, 4000)
            self.log(Activity.Kind.MEETING, _OUT, at, until, "Meeting with the finance director")

    def _won(self, entered, until, following, first) -> None:
        signed = self.log(Activity.Kind.EMAIL, _IN, entered, until, "Signed engagement letter")
        reason = self.deal.outcome_reason.label
        self.log(
            Activity.Kind.NOTE, _INTERNAL, entered, until, f"Won: {reason}", self.deal.outcome_note
        )
        if self.rng.random() < 0.4:
            self.capture(signed, {"praise": 1}, 1)

    def _lost(self, entered, until, following, first) -> None:
        reason = self.deal.outcome_reason.label
        if reason != "Went quiet":
            reply = self.log(Activity.Kind.EMAIL, _IN, entered, until, "Decision")
            if self.rng.random() < 0.5:
                self.capture(reply, {"objection": 3, "competitor": 2}, 1)
        self.log(
            Activity.Kind.NOTE, _INTERNAL, entered, until, f"Lost: {reason}", self.deal.outcome_note
        )

    def _open_task(self) -> None:
        created = self.deal.last_activity_at or self.deal.created_at
        due = self.b.local(self.deal.next_step_due, 10)
        self.activities.append(
            Activity(
                kind=Activity.Kind.TASK,
                direction=_INTERNAL,
                contact=self.contact,
                deal=self.deal,
                subject=self.deal.next_step,
                occurred_at=min(created + timedelta(minutes=5), self.b.now),
                due_at=due,
            )
        )


def tell_deals(b: Build, deals: list[DealPlan], themes: list[Theme]) -> list[_DealStory]:
    rng = b.rng("activities")
    bank = _SignalBank(themes)
    stories = []
    for plan in deals:
        story = _DealStory(b, rng, plan, bank)
        story.tell()
        stories.append(story)
    return stories


def create_cadence(b: Build, stories: list[_DealStory]) -> tuple[int, int]:
    """The proposal follow-up cadence and the deals it ran on; (cadences, enrolments)."""
    cadence, created = Cadence.objects.get_or_create(
        name="Proposal follow-up",
        defaults={
            "description": "Day 2 email, day 5 call, day 10 email after a proposal goes out. "
            "Stops when the prospect replies.",
            "enrol_on_stage": b.stages.get("Proposal"),
        },
    )
    if created:
        CadenceStep.objects.bulk_create(
            CadenceStep(
                cadence=cadence,
                position=position,
                business_days_after=days,
                kind=kind,
                subject=subject,
                body=body,
            )
            for position, days, kind, subject, body in CADENCE_STEPS
        )
    enrolments = [story.enrolment for story in stories if story.enrolment]
    for enrolment in enrolments:
        enrolment.cadence = cadence
    CadenceEnrolment.objects.bulk_create(enrolments, batch_size=BATCH)
    return int(created), len(enrolments)
