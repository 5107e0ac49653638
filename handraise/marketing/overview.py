"""Reads for the Marketing overview: the publishing cadence, and what each asset preceded.

*Cadence*: when the business last published, and the gaps between publications
over the last twelve months (from each asset's published date, as dates at the
business). *Per asset, in a period*: its reach (touchpoints, and the distinct
visitor ids among them), the enquiries it preceded and the won revenue it
preceded. An asset *preceded* an enquiry when the enquirer (the enquiry's
contact, or a visitor id one of that contact's enquiries arrived with: as
``selectors.touchpoints_of`` reads a person) touched it in the lookback window
before the hand-raise (``ATTRIBUTION_WINDOW_DAYS``, 90 by default); a touch
after the hand-raise, or before the window, does not count. Its won revenue is
the value of the deals won in the period that came from enquiries it preceded.

Each enquiry counts in full for every asset that preceded it, so the column
totals exceed the period's enquiries: this answers "what did people read before
they raised their hand", not "who gets the credit" (the attribution page splits
the credit). Spam is left out. Revenue is in the business's currency; deals in
another currency are not summed with it. Each figure is one SQL aggregate; the
query count does not grow with the number of assets or touchpoints.
"""

import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q

from handraise.core.clock import business_date
from handraise.enquiries.models import Enquiry
from handraise.marketing.models import Asset, Touchpoint
from handraise.sales.models import Deal, Stage

PERIODS = (30, 90, 365)
DEFAULT_PERIOD = 90
CADENCE_DAYS = 365
DEFAULT_WINDOW_DAYS = 90


def window_days() -> int:
    """The lookback window before a hand-raise; the attribution part adds the setting."""
    return int(getattr(settings, "ATTRIBUTION_WINDOW_DAYS", DEFAULT_WINDOW_DAYS))


# --- cadence ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    """The days from one publication to the next (0: the same day)."""

    published_on: date  # the later publication
    title: str  # of the later publication
    days: int


@dataclass(frozen=True)
class Cadence:
    today: date
    last_published_on: date | None
    last_title: str
    days_since_last: int | None
    publications: int  # in the last CADENCE_DAYS
    gaps: list[Gap]  # between publications in the last CADENCE_DAYS, oldest first
    median_gap: float | None
    longest_gap: int | None
    year_start: date

    @property
    def has_assets(self) -> bool:
        return self.last_published_on is not None


def publishing_cadence(*, moment: datetime, zone: ZoneInfo) -> Cadence:
    """Last publication, and the gaps between publications in the year before ``moment``.

    The first gap of the year runs from the last publication before it, so a quiet
    start of the year shows as the long gap it was. Assets with no published date,
    or one still to come, are not publications yet. Two queries; the dates of one
    year's publications (a few hundred at most) are compared in Python.
    """
    today = business_date(moment, zone=zone)
    year_start = today - timedelta(days=CADENCE_DAYS)
    since = moment - timedelta(days=CADENCE_DAYS)
    published = Asset.objects.filter(published_at__isnull=False, published_at__lte=moment)
    before = (
        published.filter(published_at__lt=since)
        .order_by("-published_at")
        .values_list("published_at", "title")
        .first()
    )
    rows = list(
        published.filter(published_at__gte=since)
        .order_by("published_at", "pk")
        .values_list("published_at", "title")
    )
    dated = [(business_date(at, zone=zone), title) for at, title in ([before] if before else [])]
    dated += [(business_date(at, zone=zone), title) for at, title in rows]
    gaps = [
        Gap(published_on=day, title=title, days=(day - previous).days)
        for (previous, _), (day, title) in pairwise(dated)
    ]
    last_on, last_title = dated[-1] if dated else (None, "")
    return Cadence(
        today=today,
        last_published_on=last_on,
        last_title=last_title,
        days_since_last=(today - last_on).days if last_on else None,
        publications=len(rows),
        gaps=gaps,
        median_gap=statistics.median(g.days for g in gaps) if gaps else None,
        longest_gap=max((g.days for g in gaps), default=None),
        year_start=year_start,
    )


# --- what each asset preceded -----------------------------------------------------------


@dataclass
class AssetFigures:
    asset_id: int
    title: str
    kind: str
    kind_label: str
    url: str
    published_at: datetime | None
    archived: bool
    touchpoints: int = 0
    visitors: int = 0
    enquiries: int = 0
    won_deals: int = 0
    revenue: Decimal = field(default_factory=Decimal)


@dataclass(frozen=True)
class Performance:
    start: datetime
    end: datetime
    days: int
    window_days: int
    currency: str
    assets: list[AssetFigures]  # every asset with a figure in the period, or published in it
    enquiries: int  # enquiries received in the period (not spam)
    enquiries_preceded: int  # of those, how many any asset preceded
    touchpoints: int  # on assets, in the period


SORTS = {
    "revenue": lambda a: (-a.revenue, -a.enquiries, -a.touchpoints, a.title),
    "enquiries": lambda a: (-a.enquiries, -a.revenue, -a.touchpoints, a.title),
    "touchpoints": lambda a: (-a.touchpoints, -a.visitors, a.title),
    "visitors": lambda a: (-a.visitors, -a.touchpoints, a.title),
    "title": lambda a: (a.title.casefold(), a.asset_id),
}
DEFAULT_SORT = "revenue"


def asset_performance(
    *, moment: datetime, days: int, currency: str, sort: str = DEFAULT_SORT
) -> Performance:
    """Reach, enquiries preceded and won revenue preceded for each asset, in the ``days``
    before ``moment``. Four queries whatever the volume; on PostgreSQL the first two
    run in a transaction that turns JIT off (BEGIN, SET LOCAL, COMMIT besides)."""
    end, start = moment, moment - timedelta(days=days)
    window = window_days()
    with _without_jit():
        reach = _reach(start=start, end=end)
        preceded, enquiries_preceded = _preceded(
            start=start, end=end, window=window, currency=currency
        )
    figures: dict[int, dict] = {
        asset_id: {"touchpoints": touchpoints, "visitors": visitors}
        for asset_id, touchpoints, visitors in reach
    }
    for asset_id, enquiries, won_deals, revenue in preceded:
        row = figures.setdefault(asset_id, {"asset_id": asset_id})
        row.update(enquiries=int(enquiries or 0), won_deals=int(won_deals or 0))
        row["revenue"] = _money(revenue)
    assets = Asset.objects.filter(
        Q(pk__in=list(figures)) | Q(published_at__gte=start, published_at__lte=end)
    ).values("pk", "title", "kind", "url", "published_at", "archived_at")
    labels = dict(Asset.Kind.choices)
    rows = []
    for asset in assets:
        found = figures.get(asset["pk"], {})
        rows.append(
            AssetFigures(
                asset_id=asset["pk"],
                title=asset["title"],
                kind=asset["kind"],
                kind_label=labels.get(asset["kind"], asset["kind"]),
                url=asset["url"],
                published_at=asset["published_at"],
                archived=asset["archived_at"] is not None,
                touchpoints=found.get("touchpoints", 0),
                visitors=found.get("visitors", 0),
                enquiries=found.get("enquiries", 0),
                won_deals=found.get("won_deals", 0),
                revenue=found.get("revenue", Decimal(0)),
            )
        )
    rows.sort(key=SORTS.get(sort, SORTS[DEFAULT_SORT]))
    received = (
        Enquiry.objects.filter(received_at__gte=start, received_at__lt=end)
        .exclude(status=Enquiry.Status.SPAM)
        .count()
    )
    return Performance(
        start=start,
        end=end,
        days=days,
        window_days=window,
        currency=currency,
        assets=rows,
        enquiries=received,
        enquiries_preceded=enquiries_preceded,
        touchpoints=sum(row.touchpoints for row in rows),
    )


@contextmanager
def _without_jit() -> Iterator[None]:
    """On PostgreSQL, a transaction without JIT compilation for the queries inside.

    The planner's estimates for the reach and preceded aggregates pass
    ``jit_above_cost``, and compiling them cost more (about 0.15 s at demo scale 100)
    than it saved. SQLite has no JIT; it opens no transaction either, since its
    transactions here take the write lock up front and would hold back every writer.
    """
    if connection.vendor != "postgresql":
        yield
        return
    # No savepoint inside a caller's transaction: SET LOCAL then lasts until it ends,
    # which only spares its later queries the compilation too.
    with transaction.atomic(savepoint=False):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield


# Each asset's touchpoints and distinct visitor ids, asset by asset, each read from an
# index alone. The touches are a range of touchpoint_asset_reach (asset, occurred_at).
# The visitors come from touchpoint_asset_visitors (asset, visitor_id, occurred_at),
# whose order makes DISTINCT a walk that skips repeats: COUNT(DISTINCT) over the same
# rows puts every visitor id into a temporary b-tree, which at demo scale 100 and 365
# days (a million touches) cost SQLite 0.6 s of the page's time, this 0.2 s. SQLite,
# left to itself, would take the occurred_at index, fetch every row and sort them:
# hence INDEXED BY. An asset with no touch in the period is left out.
_REACH_SQL = """
SELECT a.id,
       (SELECT COUNT(*) FROM {touchpoint} t {reach_hint}
        WHERE t.asset_id = a.id
          AND t.occurred_at >= %(start)s AND t.occurred_at < %(end)s),
       (SELECT COUNT(*) FROM (
            SELECT DISTINCT t.visitor_id FROM {touchpoint} t {visitors_hint}
            WHERE t.asset_id = a.id AND t.visitor_id <> ''
              AND t.occurred_at >= %(start)s AND t.occurred_at < %(end)s) v)
FROM {asset} a
"""


def _reach(*, start: datetime, end: datetime) -> list[tuple[int, int, int]]:
    sqlite = connection.vendor == "sqlite"
    sql = _REACH_SQL.format(
        asset=Asset._meta.db_table,
        touchpoint=Touchpoint._meta.db_table,
        reach_hint="INDEXED BY touchpoint_asset_reach" if sqlite else "",
        visitors_hint="INDEXED BY touchpoint_asset_visitors" if sqlite else "",
    )
    ops = connection.ops
    params = {
        "start": ops.adapt_datetimefield_value(start),
        "end": ops.adapt_datetimefield_value(end),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row for row in cursor.fetchall() if row[1]]


def _money(value) -> Decimal:
    # SQLite sums a decimal column as a float: back to pence.
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def _window_start(column: str) -> str:
    """SQL for ``column`` minus the window (a parameter): Django's own date arithmetic on
    SQLite calls a Python function for every row, which would stop the index range scan."""
    if connection.vendor == "postgresql":
        return f"{column} - make_interval(days => %(window)s)"
    return f"datetime({column}, %(window_modifier)s)"


# Written as SQL because the visitor-id path joins touchpoints to enquiries on a column
# that is no foreign key, which the ORM cannot express. Each (asset, enquiry) pair is
# found at most once (UNION), so an enquiry reached both by its contact and by its
# visitor id counts once, and its deal's value is summed once. Each pair carries its
# enquiry's figures (one row per enquiry: a deal has at most one enquiry), so the sums
# read the pairs alone rather than joining them back to the hand-raises. The touches
# come from the (contact | visitor_id, occurred_at, asset) indexes alone.
_PRECEDED_SQL = """
WITH hand_raises AS (
    SELECT e.id AS enquiry_id, e.contact_id, e.received_at,
           {window_start} AS window_start,
           CASE WHEN e.received_at >= %(start)s AND e.received_at < %(end)s
                THEN 1 ELSE 0 END AS in_period,
           CASE WHEN s.is_won = %(true)s AND d.closed_at >= %(start)s AND d.closed_at < %(end)s
                     AND d.currency = %(currency)s
                THEN d.value END AS won_value
    FROM {enquiry} e
    LEFT JOIN {deal} d ON d.enquiry_id = e.id
    LEFT JOIN {stage} s ON s.id = d.stage_id
    WHERE e.status <> %(spam)s
      AND ((e.received_at >= %(start)s AND e.received_at < %(end)s)
           OR (s.is_won = %(true)s AND d.closed_at >= %(start)s AND d.closed_at < %(end)s))
),
pairs AS (
    SELECT t.asset_id, h.enquiry_id, h.in_period, h.won_value
    FROM hand_raises h
    JOIN {touchpoint} t ON t.contact_id = h.contact_id
         AND t.occurred_at >= h.window_start AND t.occurred_at < h.received_at
    WHERE t.asset_id IS NOT NULL
    UNION
    SELECT t.asset_id, h.enquiry_id, h.in_period, h.won_value
    FROM hand_raises h
    JOIN {enquiry} v ON v.contact_id = h.contact_id AND v.visitor_id <> ''
    JOIN {touchpoint} t ON t.visitor_id = v.visitor_id
         AND t.occurred_at >= h.window_start AND t.occurred_at < h.received_at
    WHERE t.asset_id IS NOT NULL
)
SELECT asset_id, SUM(in_period), COUNT(won_value), SUM(won_value), 0 AS preceded
FROM pairs
GROUP BY asset_id
UNION ALL
SELECT NULL, NULL, NULL, NULL, COUNT(DISTINCT enquiry_id)
FROM pairs
WHERE in_period = 1
"""


def _preceded(*, start: datetime, end: datetime, window: int, currency: str):
    """[(asset id, enquiries, won deals, revenue)], and how many enquiries any preceded."""
    sql = _PRECEDED_SQL.format(
        window_start=_window_start("e.received_at"),
        enquiry=Enquiry._meta.db_table,
        deal=Deal._meta.db_table,
        stage=Stage._meta.db_table,
        touchpoint=Touchpoint._meta.db_table,
    )
    ops = connection.ops
    params = {
        "start": ops.adapt_datetimefield_value(start),
        "end": ops.adapt_datetimefield_value(end),
        "window": window,
        "window_modifier": f"-{window} days",
        "true": True,
        "currency": currency,
        "spam": Enquiry.Status.SPAM.value,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    per_asset = [row[:4] for row in rows if row[0] is not None]
    any_asset = next((row[4] for row in rows if row[0] is None), 0)
    return per_asset, int(any_asset or 0)
