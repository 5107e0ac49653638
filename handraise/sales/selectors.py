"""Reads for the pipeline: the board, the deal list, one deal, Today, and a person's
timeline (shown on the deal page and the contact page).

Every figure is aggregated in SQL and every page costs a fixed number of queries
whatever the number of deals: a board column shows at most ``CARDS_PER_COLUMN``
cards (the rest are a link to the list) and a Today section at most
``SECTION_LIMIT`` rows. The three flags a deal can carry (next step overdue, no
next step, stale) are defined once here, as SQL conditions, so the board, the
list, the deal page and Today always agree. "Today" is a date in the business's
time zone: the caller passes it (views get it from the active zone).

Nothing here writes; moving deals and logging activities are in ``services``.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, Greatest, RowNumber
from django.shortcuts import get_object_or_404
from django.utils import timezone

from handraise.accounts.access import is_owner
from handraise.enquiries.models import Enquiry, Form
from handraise.enquiries.selectors import inbox
from handraise.imports.models import ImportedRecord
from handraise.insights.models import Signal
from handraise.marketing.selectors import touchpoints_of
from handraise.sales.models import (
    Activity,
    Cadence,
    CadenceEnrolment,
    CadenceStep,
    CadenceStepRun,
    CalendarFeed,
    Deal,
    OutcomeReason,
    Proposal,
    Stage,
)

CARDS_PER_COLUMN = 25
SECTION_LIMIT = 25
# Won and lost columns summarise this many recent days.
CLOSED_SUMMARY_DAYS = 30

DEAL_RELATIONS = ("stage", "contact", "contact__organisation", "owner")


# --- the flags --------------------------------------------------------------------------


def overdue_condition(today: date) -> Q:
    return Q(next_step_due__lt=today) & ~Q(next_step="")


def missing_next_step_condition() -> Q:
    return Q(next_step="") | Q(next_step_due__isnull=True)


def stale_condition(stages: Iterable[Stage], moment: datetime) -> Q | None:
    """No activity, and no stage move, for longer than the deal's stage allows.

    One branch per stage with a limit (a handful), so the database does the work.
    ``None`` when no stage has a limit.
    """
    condition = None
    for stage in stages:
        if stage.is_closed or not stage.stale_after_days:
            continue
        cutoff = moment - timedelta(days=stage.stale_after_days)
        branch = Q(stage_id=stage.pk, stage_entered_at__lt=cutoff) & (
            Q(last_activity_at__isnull=True) | Q(last_activity_at__lt=cutoff)
        )
        condition = branch if condition is None else condition | branch
    return condition


def _flag(condition: Q | None) -> ExpressionWrapper | Value:
    if condition is None:
        return Value(False)
    return ExpressionWrapper(condition, output_field=BooleanField())


def with_flags(deals: QuerySet[Deal], stages: Sequence[Stage], *, moment, today) -> QuerySet:
    """Annotate ``is_overdue``, ``lacks_next_step`` and ``is_stale`` on open deals."""
    return deals.annotate(
        is_overdue=_flag(overdue_condition(today)),
        lacks_next_step=_flag(missing_next_step_condition()),
        is_stale=_flag(stale_condition(stages, moment)),
    )


def attention_condition(stages: Sequence[Stage], *, moment, today) -> Q:
    condition = overdue_condition(today) | missing_next_step_condition()
    stale = stale_condition(stages, moment)
    return condition | stale if stale is not None else condition


def open_stages(stages: Sequence[Stage]) -> list[Stage]:
    return [stage for stage in stages if not stage.is_closed]


def open_deals(stages: Sequence[Stage]) -> QuerySet[Deal]:
    return Deal.objects.filter(stage_id__in=[s.pk for s in open_stages(stages)])


# --- the board --------------------------------------------------------------------------


# Most urgent first: no next step, then the longest overdue.
CARD_ORDER = (F("next_step_due").asc(nulls_first=True), F("stage_entered_at").asc(), F("pk").asc())
# Quiet the longest first: since the last activity or stage move, whichever is later.
QUIET_SINCE = Greatest(Coalesce("last_activity_at", "stage_entered_at"), "stage_entered_at")
STALE_ORDER = (QUIET_SINCE.asc(), F("pk").asc())
CARD_FIELDS = (
    "title",
    "stage__name",
    "stage__is_won",
    "stage__is_lost",
    "value",
    "currency",
    "next_step",
    "next_step_due",
    "stage_entered_at",
    "last_activity_at",
    "contact__name",
    "contact__organisation__name",
)


@dataclass(frozen=True)
class Column:
    stage: Stage
    count: int
    # (currency, total) pairs, largest first: amounts are never added across currencies.
    amounts: tuple[tuple[str, Decimal], ...]
    attention: int = 0
    cards: list[Deal] = field(default_factory=list)

    @property
    def hidden(self) -> int:
        return self.count - len(self.cards)


@dataclass(frozen=True)
class Board:
    columns: list[Column]  # one per open stage, in order
    outcomes: list[Column]  # won and lost: closed in the last CLOSED_SUMMARY_DAYS days
    stages: list[Stage]
    closed_summary_days: int = CLOSED_SUMMARY_DAYS


def pipeline_board(*, moment: datetime, today: date, owner: str = "", user=None) -> Board:
    """The board: per open stage its totals and its most urgent cards. Six queries."""
    stages = list(Stage.objects.all())
    deals = _owned_by(open_deals(stages), owner, user)
    attention = attention_condition(stages, moment=moment, today=today)
    totals = _totals(
        deals.values("stage_id", "currency").annotate(
            count=Count("pk"), value=Sum("value"), attention=Count("pk", filter=attention)
        )
    )
    # Rank on the deal table alone, then load the few cards shown with what they show.
    # The ids are fetched first, as a list: given the ranking as a subquery,
    # PostgreSQL expects thousands of rows back and hash-joins every contact and
    # organisation to load about a hundred cards (15 ms instead of about 1).
    shown = list(
        deals.annotate(
            rank=Window(RowNumber(), partition_by=[F("stage_id")], order_by=list(CARD_ORDER))
        )
        .filter(rank__lte=CARDS_PER_COLUMN)
        .values_list("pk", flat=True)
    )
    cards: dict[int, list[Deal]] = {}
    for deal in _cards(shown, CARD_ORDER, stages, moment=moment, today=today):
        cards.setdefault(deal.stage_id, []).append(deal)
    closed = [stage for stage in stages if stage.is_closed]
    closed_totals = _totals(
        _owned_by(
            Deal.objects.filter(
                stage_id__in=[s.pk for s in closed],
                closed_at__gte=moment - timedelta(days=CLOSED_SUMMARY_DAYS),
            ),
            owner,
            user,
        )
        .values("stage_id", "currency")
        .annotate(count=Count("pk"), value=Sum("value"), attention=Value(0))
    )
    return Board(
        columns=[
            _column(stage, totals, cards=cards.get(stage.pk, [])) for stage in open_stages(stages)
        ],
        outcomes=[_column(stage, closed_totals) for stage in closed],
        stages=stages,
    )


def _cards(ids, order, stages, *, moment, today) -> list[Deal]:
    """The deals with these ids, flagged, with what a card shows, in this order.

    Choosing the few deals to show on the deal table alone and then loading just
    those keeps the joins off the thousands of rows the choice looks at.
    """
    return list(
        with_flags(Deal.objects.filter(pk__in=ids), stages, moment=moment, today=today)
        .select_related("stage", "contact", "contact__organisation")
        .only(*CARD_FIELDS)
        .order_by(*order)
    )


def _owned_by(deals: QuerySet[Deal], owner: str, user) -> QuerySet[Deal]:
    """``owner`` is "" (anyone), "none" (nobody), "me" or a user id."""
    if owner == "none":
        return deals.filter(owner__isnull=True)
    if owner == "me" and user is not None:
        return deals.filter(owner=user)
    if owner.isdigit() and len(owner) < 19:  # an id, not a number no database holds
        return deals.filter(owner_id=int(owner))
    return deals


def _totals(rows) -> dict[int, dict]:
    totals: dict[int, dict] = {}
    for row in rows:  # one row per stage and currency, not per deal
        entry = totals.setdefault(row["stage_id"], {"count": 0, "attention": 0, "amounts": []})
        entry["count"] += row["count"]
        entry["attention"] += row["attention"]
        entry["amounts"].append((row["currency"], row["value"] or Decimal(0)))
    return totals


def _column(stage: Stage, totals: dict[int, dict], cards: list[Deal] | None = None) -> Column:
    entry = totals.get(stage.pk, {"count": 0, "attention": 0, "amounts": []})
    return Column(
        stage=stage,
        count=entry["count"],
        amounts=tuple(sorted(entry["amounts"], key=lambda pair: -pair[1])),
        attention=entry["attention"],
        cards=cards or [],
    )


# --- the list ---------------------------------------------------------------------------

SORTS = {
    "due": [F("next_step_due").asc(nulls_first=True), "stage_entered_at", "pk"],
    "-due": [F("next_step_due").desc(nulls_last=True), "-stage_entered_at", "-pk"],
    "value": ["value", "pk"],
    "-value": ["-value", "-pk"],
    "age": ["stage_entered_at", "pk"],  # longest in its stage first
    "-age": ["-stage_entered_at", "-pk"],
}


def deal_list(
    *,
    moment: datetime,
    today: date,
    user=None,
    search: str = "",
    stage: str = "",
    owner: str = "",
    origin: str = "",
    attention: str = "",
    sort: str = "due",
    stages: list[Stage] | None = None,
) -> QuerySet[Deal]:
    """The list's deals, filtered and sorted, on the deal table alone (see ``deal_rows``).

    ``stage`` is "" (every open stage), "all" or a stage id.
    """
    stages = stages if stages is not None else list(Stage.objects.all())
    if stage == "all":
        deals = Deal.objects.all()
    elif stage.isdigit() and len(stage) < 19:
        deals = Deal.objects.filter(stage_id=int(stage))
    else:
        deals = open_deals(stages)
    deals = _owned_by(deals, owner, user)
    if origin:
        deals = deals.filter(origin=origin)
    if search.strip():
        term = search.strip()
        deals = deals.filter(
            Q(title__icontains=term)
            | Q(contact__name__icontains=term)
            | Q(contact__organisation__name__icontains=term)
        )
    open_only = Q(stage_id__in=[s.pk for s in open_stages(stages)])
    if attention == "overdue":
        deals = deals.filter(open_only & overdue_condition(today))
    elif attention == "missing":
        deals = deals.filter(open_only & missing_next_step_condition())
    elif attention == "stale":
        stale = stale_condition(stages, moment)
        deals = deals.filter(open_only & stale) if stale is not None else deals.none()
    elif attention == "any":
        deals = deals.filter(open_only & attention_condition(stages, moment=moment, today=today))
    return deals.order_by(*SORTS.get(sort, SORTS["due"]))


def deal_rows(
    ids: Iterable[int],
    *,
    sort: str,
    moment: datetime,
    today: date,
    stages: list[Stage] | None = None,
) -> list[Deal]:
    """One page of the list: the deals with these ids, flagged, with their relations.

    The list's filters and sort run on the deal table (``deal_list``); only the
    page shown is joined to contacts, organisations and owners.
    """
    stages = stages if stages is not None else list(Stage.objects.all())
    return list(
        with_flags(Deal.objects.filter(pk__in=list(ids)), stages, moment=moment, today=today)
        .select_related(*DEAL_RELATIONS)
        .order_by(*SORTS.get(sort, SORTS["due"]))
    )


# --- one deal ---------------------------------------------------------------------------


def deal_for_user(user, pk: int) -> Deal:
    """One deal, if this user may see it (every active user of the business may)."""
    if not (user.is_authenticated and user.is_active):
        raise PermissionDenied("sign in to see deals")
    return get_object_or_404(
        Deal.objects.select_related(*DEAL_RELATIONS, "enquiry", "outcome_reason"), pk=pk
    )


def enrolment_for_user(user, pk: int) -> CadenceEnrolment:
    """One cadence enrolment, if this user may see its deal (every active user may)."""
    if not (user.is_authenticated and user.is_active):
        raise PermissionDenied("sign in to see cadences")
    return get_object_or_404(CadenceEnrolment.objects.select_related("cadence"), pk=pk)


def cadence_run_for_user(user, pk: int) -> CadenceStepRun:
    """One run of a cadence step, if this user may see its deal (every active user may)."""
    if not (user.is_authenticated and user.is_active):
        raise PermissionDenied("sign in to see cadences")
    return get_object_or_404(CadenceStepRun.objects.select_related("enrolment"), pk=pk)


@dataclass(frozen=True)
class DealPage:
    deal: Deal  # annotated with the flags
    stages: list[Stage]
    timeline: "Timeline"  # the deal's story, oldest first
    reasons: dict[str, list[OutcomeReason]]  # "won" and "lost"

    @property
    def won_stage(self) -> Stage | None:
        return next((s for s in self.stages if s.is_won), None)

    @property
    def lost_stage(self) -> Stage | None:
        return next((s for s in self.stages if s.is_lost), None)


def deal_page(user, pk: int, *, moment: datetime, today: date, before: str = "") -> DealPage:
    if not (user.is_authenticated and user.is_active):
        raise PermissionDenied("sign in to see deals")
    stages = list(Stage.objects.all())
    deal = get_object_or_404(
        with_flags(Deal.objects.all(), stages, moment=moment, today=today).select_related(
            *DEAL_RELATIONS, "enquiry", "outcome_reason"
        ),
        pk=pk,
    )
    reasons: dict[str, list[OutcomeReason]] = {"won": [], "lost": []}
    for reason in OutcomeReason.objects.all():
        reasons[reason.outcome].append(reason)
    return DealPage(
        deal=deal,
        stages=stages,
        timeline=timeline(contact=deal.contact, deal=deal, before=before),
        reasons=reasons,
    )


# --- Today ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    items: list
    count: int

    @property
    def more(self) -> int:
        return self.count - len(self.items)


@dataclass(frozen=True)
class Today:
    waiting: Section  # enquiries waiting for a first response, soonest due first
    next_steps: Section  # open deals whose next step is overdue, due today or missing
    cadence_drafts: Section  # cadence emails waiting for someone to approve them
    cadence_tasks: Section  # calls and tasks from cadences, due by the end of today, not done
    cadence_steps: Section  # cadence steps that run by themselves later today
    stale: Section  # open deals with no activity for longer than their stage allows
    today: date

    @property
    def cadence_count(self) -> int:
        return self.cadence_drafts.count + self.cadence_tasks.count + self.cadence_steps.count

    @property
    def cadence_more(self) -> int:
        sections = (self.cadence_drafts, self.cadence_tasks, self.cadence_steps)
        return sum(section.more for section in sections)


def today_page(*, moment: datetime, today: date, user=None, mine: bool = False) -> Today:
    """What needs doing now, in the order to do it. A fixed dozen queries."""
    stages = list(Stage.objects.all())
    deals = open_deals(stages)
    if mine and user is not None:
        deals = deals.filter(owner=user)
    waiting = inbox()
    due = Q(next_step_due__lte=today) | missing_next_step_condition()
    stale = stale_condition(stages, moment)
    wanted = {"due": Count("pk", filter=due)}
    if stale is not None:
        wanted["stale"] = Count("pk", filter=stale)
    counts = {"stale": 0, **deals.aggregate(**wanted)}
    end_of_today = datetime.combine(
        today + timedelta(days=1), time.min, tzinfo=timezone.get_current_timezone()
    )
    steps = _due_cadence_steps(end_of_today, user if mine else None)
    return Today(
        waiting=Section(list(waiting[:SECTION_LIMIT]), waiting.count()),
        next_steps=Section(
            _cards(
                deals.filter(due)
                .order_by(*CARD_ORDER)
                .values_list("pk", flat=True)[:SECTION_LIMIT],
                CARD_ORDER,
                stages,
                moment=moment,
                today=today,
            ),
            counts["due"],
        ),
        cadence_drafts=_section(_cadence_drafts(user if mine else None)),
        cadence_tasks=_section(_cadence_tasks(end_of_today, user if mine else None)),
        cadence_steps=_section(steps),
        stale=Section(
            _cards(
                deals.filter(stale)
                .order_by(*STALE_ORDER)
                .values_list("pk", flat=True)[:SECTION_LIMIT],
                STALE_ORDER,
                stages,
                moment=moment,
                today=today,
            )
            if stale is not None
            else [],
            counts["stale"],
        ),
        today=today,
    )


def _due_cadence_steps(before: datetime, owner) -> QuerySet[CadenceEnrolment]:
    step = CadenceStep.objects.filter(
        cadence_id=OuterRef("cadence_id"), position=OuterRef("next_step_position")
    )
    enrolments = CadenceEnrolment.objects.filter(
        status=CadenceEnrolment.Status.ACTIVE,
        next_run_at__lt=before,
        deal__closed_at__isnull=True,
        cadence__is_active=True,  # a switched-off cadence waits: nothing of it is due
    )
    if owner is not None:
        enrolments = enrolments.filter(deal__owner=owner)
    return (
        enrolments.select_related("cadence", "deal", "deal__contact")
        .annotate(
            step_kind=Subquery(step.values("kind")[:1]),
            step_subject=Subquery(step.values("subject")[:1]),
            step_day=Subquery(step.values("business_days_after")[:1]),
        )
        .order_by("next_run_at", "pk")
    )


def _section(rows: QuerySet) -> Section:
    """A Today section; counting costs a query only when the section is full."""
    items = list(rows[:SECTION_LIMIT])
    return Section(items, len(items) if len(items) < SECTION_LIMIT else rows.count())


RUN_RELATIONS = ("enrolment__cadence", "enrolment__deal", "enrolment__deal__contact")


def _cadence_drafts(owner) -> QuerySet[CadenceStepRun]:
    drafts = CadenceStepRun.objects.filter(status=CadenceStepRun.Status.DRAFT)
    if owner is not None:
        drafts = drafts.filter(enrolment__deal__owner=owner)
    return drafts.select_related(*RUN_RELATIONS).order_by("due_at", "pk")


def _cadence_tasks(before: datetime, owner) -> QuerySet[CadenceStepRun]:
    tasks = CadenceStepRun.objects.filter(
        status=CadenceStepRun.Status.TASK,
        activity__completed_at__isnull=True,
        activity__due_at__lt=before,
    )
    if owner is not None:
        tasks = tasks.filter(enrolment__deal__owner=owner)
    return tasks.select_related("activity", *RUN_RELATIONS).order_by("activity__due_at", "pk")


# --- a deal's cadences ------------------------------------------------------------------

# The panel lists a deal's latest enrolments, running or finished, up to this many.
DEAL_ENROLMENT_LIMIT = 10


@dataclass(frozen=True)
class DealCadences:
    enrolments: list[CadenceEnrolment]  # running first, then the latest finished
    drafts: list[CadenceStepRun]  # emails waiting for approval, oldest first
    missed: list[CadenceStepRun]  # emails the cadence could not send (no address), newest first
    available: list[Cadence]  # active cadences with steps the deal could be enrolled in

    @property
    def running(self) -> list[CadenceEnrolment]:
        return [e for e in self.enrolments if e.status == CadenceEnrolment.Status.ACTIVE]

    @property
    def finished(self) -> list[CadenceEnrolment]:
        return [e for e in self.enrolments if e.status != CadenceEnrolment.Status.ACTIVE]


def deal_cadences(deal: Deal) -> DealCadences:
    """The deal's cadence panel: four queries, however many enrolments and drafts."""
    step = CadenceStep.objects.filter(
        cadence_id=OuterRef("cadence_id"), position__gte=OuterRef("next_step_position")
    ).order_by("position")
    is_active = Q(status=CadenceEnrolment.Status.ACTIVE)
    enrolments = list(
        CadenceEnrolment.objects.filter(deal=deal)
        .select_related("cadence")
        .annotate(
            step_kind=Subquery(step.values("kind")[:1]),
            step_subject=Subquery(step.values("subject")[:1]),
            step_day=Subquery(step.values("business_days_after")[:1]),
            running=ExpressionWrapper(is_active, output_field=BooleanField()),
        )
        .order_by("-running", "-enrolled_at", "-pk")[:DEAL_ENROLMENT_LIMIT]
    )
    runs = CadenceStepRun.objects.filter(enrolment__deal=deal).select_related("enrolment__cadence")
    drafts = list(runs.filter(status=CadenceStepRun.Status.DRAFT).order_by("due_at", "pk"))
    missed = list(
        runs.filter(status=CadenceStepRun.Status.SKIPPED, decided_by__isnull=True).order_by(
            "-ran_at", "-pk"
        )[:DEAL_ENROLMENT_LIMIT]
    )
    available: list[Cadence] = []
    if not deal.stage.is_closed:
        running = [e.cadence_id for e in enrolments if e.status == CadenceEnrolment.Status.ACTIVE]
        available = list(
            Cadence.objects.filter(is_active=True, steps__isnull=False)
            .exclude(pk__in=running)
            .distinct()
            .order_by("name")
        )
    return DealCadences(enrolments=enrolments, drafts=drafts, missed=missed, available=available)


def cadence_settings_list() -> QuerySet[Cadence]:
    """The settings page's cadences with their step and running-enrolment counts."""
    return (
        Cadence.objects.select_related("enrol_on_stage")
        .annotate(
            step_count=Count("steps", distinct=True),
            running_count=Count(
                "enrolments",
                filter=Q(enrolments__status=CadenceEnrolment.Status.ACTIVE),
                distinct=True,
            ),
        )
        .order_by("name")
    )


# --- the timeline -----------------------------------------------------------------------

# A timeline page shows at most this many entries; "Earlier" pages back from there.
TIMELINE_LIMIT = 50
# Entries at the same moment read in this order: what they read, what they asked,
# what we did about it, what they said in it.
TIMELINE_RANKS = {"touchpoint": 0, "enquiry": 1, "activity": 2, "signal": 3, "imported": 4}
_CURSOR = re.compile(r"^(\d{1,19})-([0-9])-(\d{1,19})$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class TimelineEntry:
    """One thing in a person's story; ``item`` is the row (its kind says which model)."""

    kind: str  # "touchpoint", "enquiry", "activity", "proposal", "signal" or "imported"
    at: datetime
    item: Any
    rank: int

    @property
    def key(self) -> tuple[datetime, int, int]:
        return (self.at, self.rank, self.item.pk)

    @property
    def cursor(self) -> str:
        """Where the page before this entry starts (see ``timeline``'s ``before``)."""
        micros = (self.at - _EPOCH) // timedelta(microseconds=1)
        return f"{micros}-{self.rank}-{self.item.pk}"


@dataclass(frozen=True)
class Timeline:
    entries: list[TimelineEntry]  # oldest first
    earlier: str  # the cursor of the page before this one; "" at the very beginning
    paged: bool  # True when this is an earlier page, not the latest


def timeline(
    *, contact, deal: Deal | None = None, limit: int = TIMELINE_LIMIT, before: str = ""
) -> Timeline:
    """A person's story in one list: touchpoints, enquiries, activities and signals.

    On a contact's page it is everything about them; on a deal's page it is the
    deal's activities and signals, plus what belongs to the person rather than to
    one deal (their touchpoints, enquiries, and activities and signals on no deal),
    because that is what whoever picks up the deal needs to know. Proposals are
    activities with their proposal attached; a person or deal that came from an
    import says from which file. ``before`` is an entry's ``cursor``: the page then
    ends just before that entry. Six queries, whatever its length (the visitor ids,
    then one per source): each source gives its latest ``limit + 1`` and the newest
    ``limit`` of them all are the page (the one over says an earlier page exists).
    """
    bound = _parse_cursor(before)
    visitors = list(
        Enquiry.objects.filter(contact_id=contact.pk)
        .exclude(visitor_id="")
        .values_list("visitor_id", flat=True)
    )
    sources = [
        ("touchpoint", "occurred_at", touchpoints_of(contact_id=contact.pk, visitor_ids=visitors)),
        ("enquiry", "received_at", Enquiry.objects.filter(contact_id=contact.pk)),
        (
            "activity",
            "occurred_at",
            _own_or_unassigned(Activity.objects.filter(contact_id=contact.pk), deal).select_related(
                "user", "deal", "proposal"
            ),
        ),
        (
            "signal",
            "captured_at",
            _own_or_unassigned(Signal.objects.filter(contact_id=contact.pk), deal).select_related(
                "captured_by", "deal"
            ),
        ),
        ("imported", "imported_at", _imports_of(contact, deal)),
    ]
    entries: list[TimelineEntry] = []
    for kind, moment, rows in sources:
        rank = TIMELINE_RANKS[kind]
        if bound is not None:
            rows = rows.filter(_before(moment, rank, bound))
        for row in rows.order_by(f"-{moment}", "-pk")[: limit + 1]:
            entries.append(TimelineEntry(_kind_of(kind, row), getattr(row, moment), row, rank))
    entries.sort(key=lambda entry: entry.key, reverse=True)
    shown = entries[:limit]
    return Timeline(
        entries=shown[::-1],
        earlier=shown[-1].cursor if len(entries) > limit else "",
        paged=bound is not None,
    )


def _imports_of(contact, deal: Deal | None) -> QuerySet:
    """Which file brought this person (and this deal, or on a contact's page their deals) in."""
    deals = [deal.pk] if deal else Deal.objects.filter(contact_id=contact.pk).values("pk")
    return ImportedRecord.objects.filter(
        Q(kind="contacts", object_id=contact.pk) | Q(kind="deals", object_id__in=deals)
    )


def _own_or_unassigned(rows: QuerySet, deal: Deal | None) -> QuerySet:
    if deal is None:
        return rows
    return rows.filter(Q(deal_id=deal.pk) | Q(deal__isnull=True))


def _kind_of(kind: str, row) -> str:
    if kind == "activity" and row.kind == Activity.Kind.PROPOSAL:
        return "proposal"
    return kind


def _parse_cursor(raw: str) -> tuple[datetime, int, int] | None:
    """A cursor from the query string, or ``None`` (the latest page) for anything else."""
    match = _CURSOR.match((raw or "").strip())
    if not match:
        return None
    micros, rank, pk = (int(part) for part in match.groups())
    try:
        return (_EPOCH + timedelta(microseconds=micros), rank, pk)
    except OverflowError:
        return None


def _before(moment: str, rank: int, bound: tuple[datetime, int, int]) -> Q:
    """Rows of one source that sort before the cursor's entry (time, rank, id)."""
    at, bound_rank, pk = bound
    condition = Q(**{f"{moment}__lt": at})
    if rank < bound_rank:
        condition |= Q(**{moment: at})
    elif rank == bound_rank:
        condition |= Q(**{moment: at, "pk__lt": pk})
    return condition


# --- proposals --------------------------------------------------------------------------


def proposal_for_user(user, *, deal_pk: int, pk: int) -> Proposal:
    """One proposal of one deal, if this user may see the deal (every active user may)."""
    if not (user.is_authenticated and user.is_active):
        raise PermissionDenied("sign in to see proposals")
    return get_object_or_404(Proposal, pk=pk, deal_id=deal_pk)


# --- the calendar feed ------------------------------------------------------------------

# The feed covers this window around the business's today, and at most this many events
# of each kind (the soonest first): a calendar app polls it, so it must stay small.
CALENDAR_DAYS_BEFORE = 60
CALENDAR_DAYS_AFTER = 365
CALENDAR_EVENT_LIMIT = 500
# Activities that are something to do at a time, rather than a record of what happened.
CALENDAR_TASK_KINDS = (Activity.Kind.TASK, Activity.Kind.FOLLOW_UP, Activity.Kind.CALL)
SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,64}")


def calendar_feed_by_secret(secret: str) -> CalendarFeed | None:
    """The feed whose secret this is, if its user may still sign in; None otherwise."""
    # Only what a secret can look like reaches the database (PostgreSQL refuses NUL).
    if not SECRET_SHAPE.fullmatch(secret):
        return None
    return (
        CalendarFeed.objects.select_related("user")
        .filter(secret=secret, user__is_active=True)
        .first()
    )


@dataclass(frozen=True)
class CalendarItems:
    next_steps: list[Deal]  # open deals the user owns, with a dated next step
    tasks: list[Activity]  # open tasks, follow-ups and calls with a due time
    replies: list[Enquiry]  # enquiries waiting for a first response the user is told about


def calendar_items(user, *, today: date, zone) -> CalendarItems:
    """What a user's calendar feed shows, from ``today`` in the business's ``zone``. Three queries.

    Tasks are the user's own and those on deals the user owns, on open deals or none.
    Enquiries waiting for a first response go to the people the response clock
    reminds: the form's notify list, or the business's owners when it has none.
    """
    first_day = today - timedelta(days=CALENDAR_DAYS_BEFORE)
    last_day = today + timedelta(days=CALENDAR_DAYS_AFTER)
    start = datetime.combine(first_day, time.min, tzinfo=zone)
    end = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=zone)
    open_deal = Q(stage__is_won=False, stage__is_lost=False)
    next_steps = (
        Deal.objects.filter(open_deal, owner=user, next_step_due__range=(first_day, last_day))
        .select_related("stage", "contact", "contact__organisation")
        .order_by("next_step_due", "pk")[:CALENDAR_EVENT_LIMIT]
    )
    tasks = (
        Activity.objects.filter(
            Q(user=user) | Q(deal__owner=user),
            Q(deal__isnull=True) | Q(deal__stage__is_won=False, deal__stage__is_lost=False),
            kind__in=CALENDAR_TASK_KINDS,
            completed_at__isnull=True,
            due_at__gte=start,
            due_at__lt=end,
        )
        .select_related("deal", "contact")
        .order_by("due_at", "pk")[:CALENDAR_EVENT_LIMIT]
    )
    notified = Form.notify.through.objects.filter(form_id=OuterRef("form_id"))
    told = Exists(notified.filter(user_id=user.pk))
    if is_owner(user):
        told |= ~Exists(notified)
    replies = (
        Enquiry.objects.filter(
            told,
            status=Enquiry.Status.OPEN,
            response_due_at__gte=start,
            response_due_at__lt=end,
        )
        .select_related("contact")
        .order_by("response_due_at", "pk")[:CALENDAR_EVENT_LIMIT]
    )
    return CalendarItems(next_steps=list(next_steps), tasks=list(tasks), replies=list(replies))
