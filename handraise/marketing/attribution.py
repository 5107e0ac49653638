"""Attribution: which assets, channels and campaigns came before the enquiries and the
won revenue of a period, under five models side by side.

A *hand-raise* here is an enquiry received in the period (spam is not one), or a deal
won in the period (its stage ``is_won``, ``closed_at`` inside the period, in the
business's currency). Its touchpoints are those of its contact, and of every visitor
id on that contact's enquiries (as ``selectors.touchpoints_of`` reads them), that
happened after ``window_days`` before the hand-raise and at or before it. A deal's
hand-raise is the enquiry it came from (``Deal.enquiry``), or its creation when it
came from none. Each hand-raise gives one enquiry (an enquiry) or one won deal and
its value (a deal) to its touchpoints, split by the model's weights:

- first touch: all to the earliest; last touch: all to the latest;
- linear: equal shares;
- position-based: 40% each to the first and the last, 20% split over those between
  (one touchpoint takes all, two take half each);
- time decay: each weighted 2^(−age / 7 days), age measured back from the
  hand-raise, the weights scaled to add up to one.

The visit to the page a hand-raise was sent from (its enquiry's ``landing_page``,
compared without query string, fragment or trailing slash) in the hour before it
is the hand-raise itself, not a touch that led to it, and is left out; the same
page visited earlier counts like any other.

Ties in time are broken by the touchpoint's id, so first and last are always one
touchpoint each. A touchpoint without an asset credits its channel and campaign
only: in the asset table its share is one row with ``asset_id``, ``title`` and
``kind`` None ("no asset: channel only"), so the asset table, the channel table and
the campaign table each add up to the same attributed total. Won revenue with no
touchpoint behind it goes to the deal's origin instead (referral, owner outbound,
repeat; a marketing-sourced deal with none is "unknown"), so under every model the
attributed and unattributed revenue add up to the period's won revenue exactly.

The whole of it is one SQL statement (window functions over the window join, then
GROUP BYs), on SQLite and PostgreSQL alike; Python only apportions the few
aggregated rows to whole pennies and hundredths of an enquiry by largest remainder,
ties going to the lower key, so the totals are exact and the same on every run.
Time decay uses ``EXP``: native on PostgreSQL and on SQLite builds with the math
functions (3.35+, as Python's own are); on an SQLite without them Django registers
a Python ``EXP``, correct but slower. Deals in other currencies are left out and
counted (amounts are never added across currencies). This module reads; it never
writes, and it does not decide a deal's origin (what is stored is used).
"""

from collections.abc import Hashable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from django.db import connection, transaction

from handraise.enquiries.models import Enquiry
from handraise.marketing.models import Asset, Channel, Touchpoint
from handraise.sales.models import Deal, Stage

MODELS = (
    ("first_touch", "First touch"),
    ("last_touch", "Last touch"),
    ("linear", "Linear"),
    ("position_based", "Position-based"),
    ("time_decay", "Time decay"),
)
MODEL_KEYS = tuple(key for key, _ in MODELS)
HALF_LIFE_DAYS = 7
UNKNOWN = "unknown"
# Where won revenue without touchpoints is credited: the deal's stored origin, except
# that a marketing-sourced deal with no touchpoint cannot say which marketing.
ORIGINS = (
    (Deal.Origin.REFERRAL.value, "Referral"),
    (Deal.Origin.OUTBOUND.value, "Owner outbound"),
    (Deal.Origin.REPEAT.value, "Repeat client"),
    (UNKNOWN, "Unknown"),
)
PENNY = Decimal("0.01")
HUNDREDTH = Decimal("0.01")  # of an enquiry or a won deal split between touchpoints
_TIE_PRECISION = Decimal("0.000001")


@dataclass(frozen=True)
class Credit:
    """What one asset, channel or campaign is credited with under one model."""

    enquiries: Decimal
    won_deals: Decimal
    revenue: Decimal


@dataclass(frozen=True)
class AssetCredit(Credit):
    asset_id: int | None  # None: touchpoints without an asset (channel only)
    title: str | None
    kind: str | None
    kind_label: str


@dataclass(frozen=True)
class ChannelCredit(Credit):
    channel: str
    label: str


@dataclass(frozen=True)
class CampaignCredit(Credit):
    campaign: str  # utm_campaign; "" for touchpoints without one


@dataclass(frozen=True)
class UnattributedRevenue:
    origin: str
    label: str
    won_deals: int
    revenue: Decimal


@dataclass(frozen=True)
class ModelAttribution:
    """One model's answer; each list largest revenue first (then enquiries, then name)."""

    key: str
    label: str
    assets: tuple[AssetCredit, ...]
    channels: tuple[ChannelCredit, ...]
    campaigns: tuple[CampaignCredit, ...]
    unattributed: tuple[UnattributedRevenue, ...]

    @property
    def top_assets(self) -> tuple[AssetCredit, ...]:
        """The three real assets that brought the most revenue (none with no revenue)."""
        return tuple(a for a in self.assets if a.asset_id is not None and a.revenue > 0)[:3]


@dataclass(frozen=True)
class Attribution:
    start: datetime
    end: datetime
    window_days: int
    currency: str
    enquiries: int  # received in the period (not spam)
    enquiries_with_touchpoints: int
    won_deals: int  # won in the period, in the business's currency
    won_deals_with_touchpoints: int
    won_revenue: Decimal
    attributed_revenue: Decimal  # behind touchpoints; the rest is unattributed
    other_currency_deals: int  # won in the period in another currency: left out
    models: tuple[ModelAttribution, ...]

    def model(self, key: str) -> ModelAttribution:
        return next(model for model in self.models if model.key == key)


def attribution(*, start: datetime, end: datetime, window_days: int, currency: str) -> Attribution:
    """Attribution of the enquiries received and the deals won after ``start`` and at
    or before ``end``, counting touchpoints up to ``window_days`` before each
    hand-raise. Three queries whatever the size: the statement, the assets' titles and
    the count of deals won in other currencies (on PostgreSQL a SET LOCAL too)."""
    rows = _run(start=start, end=end, window_days=window_days, currency=currency)
    totals = _Totals(rows["total"], rows["origin"])
    asset_ids = [key for key in rows["asset"] if key is not None]
    assets = {asset.pk: asset for asset in Asset.objects.filter(pk__in=asset_ids)}
    kind_labels = dict(Asset.Kind.choices)
    channel_labels = dict(Channel.choices)
    other_currency = (
        Deal.objects.filter(stage__is_won=True, closed_at__gt=start, closed_at__lte=end)
        .exclude(currency=currency)
        .count()
    )

    models = []
    for index, (key, label) in enumerate(MODELS):
        shares = {
            dimension: _apportioned(rows[dimension], index, totals)
            for dimension in ("asset", "channel", "campaign")
        }
        asset_credits = [
            AssetCredit(
                asset_id=asset_id,
                title=assets[asset_id].title if asset_id in assets else None,
                kind=assets[asset_id].kind if asset_id in assets else None,
                kind_label=kind_labels.get(assets[asset_id].kind, "") if asset_id in assets else "",
                **credit,
            )
            for asset_id, credit in shares["asset"].items()
        ]
        channel_credits = [
            ChannelCredit(channel=channel, label=channel_labels.get(channel, channel), **credit)
            for channel, credit in shares["channel"].items()
        ]
        campaign_credits = [
            CampaignCredit(campaign=campaign, **credit)
            for campaign, credit in shares["campaign"].items()
        ]
        models.append(
            ModelAttribution(
                key=key,
                label=label,
                assets=tuple(sorted(asset_credits, key=_asset_order)),
                channels=tuple(sorted(channel_credits, key=lambda c: (*_order(c), c.label))),
                campaigns=tuple(sorted(campaign_credits, key=lambda c: (*_order(c), c.campaign))),
                unattributed=totals.unattributed,
            )
        )
    return Attribution(
        start=start,
        end=end,
        window_days=window_days,
        currency=currency,
        enquiries=totals.enquiries,
        enquiries_with_touchpoints=totals.enquiries_with_touchpoints,
        won_deals=totals.won_deals,
        won_deals_with_touchpoints=totals.won_deals_with_touchpoints,
        won_revenue=totals.won_revenue,
        attributed_revenue=totals.attributed_revenue,
        other_currency_deals=other_currency,
        models=tuple(models),
    )


def _order(credit: Credit) -> tuple:
    return (-credit.revenue, -credit.won_deals, -credit.enquiries)


def _asset_order(credit: AssetCredit) -> tuple:
    # The channel-only row goes after every real asset with the same figures.
    return (*_order(credit), credit.asset_id is None, credit.title or "", credit.asset_id or 0)


class _Totals:
    """The period's hand-raises: from the statement's ``total`` rows (every hand-raise
    by kind and origin: count, value) and ``origin`` rows (the first-touch sums by
    origin, which count each hand-raise with touchpoints exactly once)."""

    def __init__(self, totals: dict, touched: dict) -> None:
        self.enquiries = self.enquiries_with_touchpoints = 0
        self.won_deals = self.won_deals_with_touchpoints = 0
        self.won_revenue = self.attributed_revenue = Decimal(0)
        unattributed: dict[str, list] = {origin: [0, Decimal(0)] for origin, _ in ORIGINS}
        for (kind, origin), (count, amount) in totals.items():
            first_touch = touched.get(origin, [0.0, 0.0, 0.0])
            if kind == "e":
                self.enquiries += count
                self.enquiries_with_touchpoints += round(first_touch[0])
                continue
            amount = _decimal(amount).quantize(PENNY)
            with_touchpoints = round(first_touch[1])
            attributed = _decimal(first_touch[2]).quantize(PENNY)
            self.won_deals += count
            self.won_revenue += amount
            self.won_deals_with_touchpoints += with_touchpoints
            self.attributed_revenue += attributed
            if count > with_touchpoints:
                bucket = unattributed[origin if origin in unattributed else UNKNOWN]
                bucket[0] += count - with_touchpoints
                bucket[1] += amount - attributed
        self.unattributed = tuple(
            UnattributedRevenue(origin=origin, label=label, won_deals=count, revenue=revenue)
            for origin, label in ORIGINS
            for count, revenue in [unattributed[origin]]
            if count
        )

    def whole(self, measure: int) -> Decimal:
        return [
            Decimal(self.enquiries_with_touchpoints),
            Decimal(self.won_deals_with_touchpoints),
            self.attributed_revenue,
        ][measure]


def _apportioned(rows: dict, model_index: int, totals: _Totals) -> dict[Hashable, dict]:
    """Each key's enquiries, won deals and revenue under one model, in hundredths and
    pennies that add up to the exact totals."""
    measures = ("enquiries", "won_deals", "revenue")
    columns = {
        measure: apportion(
            totals.whole(position),
            {key: values[3 * model_index + position] or 0.0 for key, values in rows.items()},
        )
        for position, measure in enumerate(measures)
    }
    return {key: {measure: columns[measure][key] for measure in measures} for key in rows}


def apportion(total: Decimal, shares: dict[Hashable, float]) -> dict[Hashable, Decimal]:
    """Split ``total`` (in hundredths) in proportion to ``shares`` by largest remainder:
    every part a whole hundredth, the parts adding up to ``total`` exactly; equal
    remainders go to the lower key (None last). Shares are compared to a millionth of
    a hundredth, so float noise in the last bits cannot decide a tie."""
    units = int((total / HUNDREDTH).to_integral_value())
    weight = sum(shares.values())
    if not shares:
        return {}
    if weight <= 0 or units == 0:
        return {key: Decimal(0).quantize(HUNDREDTH) for key in shares}
    exact = {
        key: Decimal(share / weight * units).quantize(_TIE_PRECISION)
        for key, share in shares.items()
    }
    floors = {
        key: int(value.to_integral_value(rounding=ROUND_FLOOR)) for key, value in exact.items()
    }
    left = units - sum(floors.values())
    by_remainder = sorted(shares, key=lambda key: (-(exact[key] - floors[key]), _sortable(key)))
    for key in by_remainder[: max(left, 0)]:
        floors[key] += 1
    return {key: (Decimal(floors[key]) * HUNDREDTH) for key in shares}


def _sortable(key: Hashable) -> tuple:
    # None (the channel-only row) after every real key.
    return (key is None, str(type(key).__name__), key if key is not None else 0)


def _decimal(value) -> Decimal:
    if value is None:
        return Decimal(0)
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


# The statement. {since}, {age_days} and {true} are the two databases' spellings of
# "window_days before the hand-raise", "days between a touchpoint and its
# hand-raise" and a true boolean; everything else is the same SQL.
_DIALECTS = {
    "sqlite": {
        "since": "strftime('%%Y-%%m-%%d %%H:%%M:%%f', {at}, '-' || %(window_days)s || ' days')",
        "hour_before": "strftime('%%Y-%%m-%%d %%H:%%M:%%f', {at}, '-1 hours')",
        "age_days": "(julianday(h.at) - julianday(t.occurred_at))",
        "true": "1",
        # Text before the first `mark`, or all of it.
        "before": "CASE WHEN INSTR({x}, '{mark}') > 0 "
        "THEN SUBSTR({x}, 1, INSTR({x}, '{mark}') - 1) ELSE {x} END",
    },
    "postgresql": {
        "since": "{at} - make_interval(days => %(window_days)s)",
        "hour_before": "{at} - INTERVAL '1 hour'",
        "age_days": "CAST(EXTRACT(EPOCH FROM h.at - t.occurred_at) AS DOUBLE PRECISION) / 86400.0",
        "true": "TRUE",
        "before": "SPLIT_PART({x}, '{mark}', 1)",
    },
}


def _page(dialect: dict, address: str) -> str:
    """SQL for a page address as the site script stores it: no fragment, no query
    string, no trailing slash (``site_events.page_address``, short of the host's case)."""
    without_fragment = dialect["before"].format(x=address, mark="#")
    return f"RTRIM({dialect['before'].format(x=without_fragment, mark='?')}, '/')"


_HANDRAISES = """
handraise AS (
    -- One row per hand-raise; key is even for an enquiry, odd for a deal, so one
    -- integer names it for the window functions.
    SELECT 2 * e.id AS key, e.contact_id AS contact_id, e.received_at AS at,
           {since_e} AS since, {one} AS is_enquiry, {zero} AS is_deal, {zero} AS value,
           CAST(NULL AS NUMERIC) AS amount, '' AS origin,
           {page_e} AS page, {hour_before_e} AS page_since
    FROM {enquiry} e
    WHERE e.received_at > %(start)s AND e.received_at <= %(end)s AND e.status <> %(spam)s
    UNION ALL
    SELECT 2 * d.id + 1, d.contact_id, COALESCE(de.received_at, d.created_at),
           {since_d}, {zero}, {one}, CAST(d.value AS DOUBLE PRECISION), d.value, d.origin,
           {page_d}, {hour_before_d}
    FROM {deal} d
    JOIN {stage} s ON s.id = d.stage_id AND s.is_won = {true}
    LEFT JOIN {enquiry} de ON de.id = d.enquiry_id
    WHERE d.closed_at > %(start)s AND d.closed_at <= %(end)s AND d.currency = %(currency)s
),
visitor AS (
    -- The visitor ids joined to each hand-raising contact (through its enquiries).
    SELECT DISTINCT v.contact_id, v.visitor_id FROM {enquiry} v
    WHERE v.visitor_id <> '' AND v.contact_id IN (SELECT contact_id FROM handraise)
),
touch AS (
    SELECT h.key, h.is_enquiry, h.is_deal, h.value, h.origin, t.id AS touch_id, t.asset_id,
           t.channel, t.utm_campaign, t.occurred_at,
           EXP(-{age_days} * %(decay_rate)s) AS decay
    FROM handraise h
    JOIN {touchpoint} t ON t.contact_id = h.contact_id
        AND t.occurred_at > h.since AND t.occurred_at <= h.at
        AND NOT {sent_from}
    UNION ALL
    -- Touchpoints of a visitor id that are linked to this contact came in above.
    SELECT h.key, h.is_enquiry, h.is_deal, h.value, h.origin, t.id, t.asset_id,
           t.channel, t.utm_campaign, t.occurred_at,
           EXP(-{age_days} * %(decay_rate)s)
    FROM handraise h
    JOIN visitor v ON v.contact_id = h.contact_id
    JOIN {touchpoint} t ON t.visitor_id = v.visitor_id
        AND t.occurred_at > h.since AND t.occurred_at <= h.at
        AND (t.contact_id IS NULL OR t.contact_id <> h.contact_id)
        AND NOT {sent_from}
)"""
# The visit to the page the hand-raise was sent from, in the hour before it, is the
# hand-raise itself: left out, or every enquiry sent from the site's contact page
# would credit that page under last touch. The cheap time test comes first, so the
# address is compared for the few touches of that last hour only.
_SENT_FROM = "(h.page <> '' AND t.occurred_at > h.page_since AND {page_t} = h.page)"

# One sort per hand-raise, the models' weights computed in the same pass as the
# window functions they read; the credited touchpoints written once (both databases
# materialise a CTE read more than once); then two GROUP BYs over all of them: by
# asset, and by (channel, campaign, origin), whose few groups the channel, campaign
# and origin tables are summed from. The origin groups carry the first touchpoints'
# sums too, which count each hand-raise behind touchpoints exactly once.
_CREDITS = """,
credit AS (
    SELECT asset_id, channel, utm_campaign, origin, is_enquiry, is_deal, value,
           CASE WHEN {position} = 1 THEN {one} ELSE {zero} END AS first_touch,
           CASE WHEN {position} = {touches} THEN {one} ELSE {zero} END AS last_touch,
           {one} / {touches} AS linear,
           CASE WHEN {touches} = 1 THEN {one}
                WHEN {touches} = 2 THEN {one} / 2
                WHEN {position} = 1 OR {position} = {touches} THEN {one} * 0.4
                ELSE {one} * 0.2 / ({touches} - 2) END AS position_based,
           decay / SUM(decay) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
               AS time_decay
    FROM touch
    WINDOW w AS (PARTITION BY key ORDER BY occurred_at, touch_id)
),
mix AS (
    SELECT channel, utm_campaign, origin, {named_sums},
           SUM(first_touch * is_enquiry) AS f0, SUM(first_touch * is_deal) AS f1,
           SUM(first_touch * value) AS f2
    FROM credit GROUP BY channel, utm_campaign, origin
)
SELECT 'asset', asset_id, CAST(NULL AS TEXT), CAST(NULL AS BIGINT), CAST(NULL AS NUMERIC),
       {sums}
FROM credit GROUP BY asset_id
UNION ALL
SELECT 'channel', NULL, channel, NULL, NULL, {sums_again} FROM mix GROUP BY channel
UNION ALL
SELECT 'campaign', NULL, utm_campaign, NULL, NULL, {sums_again} FROM mix GROUP BY utm_campaign
UNION ALL
SELECT 'origin', NULL, origin, NULL, NULL, SUM(f0), SUM(f1), SUM(f2), {no_sums_12}
FROM mix GROUP BY origin
UNION ALL
SELECT 'total', NULL, CASE WHEN is_deal > 0 THEN 'd' ELSE 'e' END || ':' || origin,
       COUNT(*), SUM(amount), {no_sums}
FROM handraise GROUP BY is_deal, origin"""

_WHOLE_WINDOW = "{aggregate} OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)"

# Floating-point constants on both databases (on PostgreSQL 1.0 would be a slower NUMERIC).
_ONE = "CAST(1 AS DOUBLE PRECISION)"
_ZERO = "CAST(0 AS DOUBLE PRECISION)"

# The reference the benchmark times beside it: the same window join, one plain GROUP BY.
_BARE = """
SELECT asset_id, COUNT(*), SUM(is_enquiry), SUM(is_deal), SUM(value) FROM touch GROUP BY asset_id"""


def _sums(*, named: bool = False, again: bool = False) -> str:
    """Per model: credited enquiries, won deals and revenue (``named`` s0...s14;
    ``again``: those summed once more, over groups)."""
    columns = []
    for index, model in enumerate(MODEL_KEYS):
        for offset, measure in enumerate(("is_enquiry", "is_deal", "value")):
            name = f"s{3 * index + offset}"
            if again:
                columns.append(f"SUM({name})")
            else:
                columns.append(f"SUM({model} * {measure})" + (f" AS {name}" if named else ""))
    return ", ".join(columns)


def _statement(*, bare: bool = False) -> str:
    dialect = _DIALECTS[connection.vendor]
    quote = connection.ops.quote_name
    tables = {
        "enquiry": quote(Enquiry._meta.db_table),
        "deal": quote(Deal._meta.db_table),
        "stage": quote(Stage._meta.db_table),
        "touchpoint": quote(Touchpoint._meta.db_table),
    }
    head = _HANDRAISES.format(
        since_e=dialect["since"].format(at="e.received_at"),
        since_d=dialect["since"].format(at="COALESCE(de.received_at, d.created_at)"),
        page_e=_page(dialect, "e.landing_page"),
        page_d=_page(dialect, "COALESCE(de.landing_page, '')"),
        hour_before_e=dialect["hour_before"].format(at="e.received_at"),
        hour_before_d=dialect["hour_before"].format(at="COALESCE(de.received_at, d.created_at)"),
        sent_from=_SENT_FROM.format(page_t=_page(dialect, "t.url")),
        age_days=dialect["age_days"],
        true=dialect["true"],
        one=_ONE,
        zero=_ZERO,
        **tables,
    )
    if bare:
        return "WITH " + head + _BARE
    width = 3 * len(MODEL_KEYS)
    tail = _CREDITS.format(
        sums=_sums(),
        named_sums=_sums(named=True),
        sums_again=_sums(again=True),
        position="ROW_NUMBER() OVER w",
        touches=_WHOLE_WINDOW.format(aggregate="COUNT(*)"),
        no_sums=", ".join(["CAST(NULL AS DOUBLE PRECISION)"] * width),
        no_sums_12=", ".join(["CAST(NULL AS DOUBLE PRECISION)"] * (width - 3)),
        one=_ONE,
        zero=_ZERO,
    )
    return "WITH " + head + tail


def _parameters(*, start: datetime, end: datetime, window_days: int, currency: str) -> dict:
    return {
        "start": connection.ops.adapt_datetimefield_value(start),
        "end": connection.ops.adapt_datetimefield_value(end),
        "window_days": int(window_days),
        "currency": currency,
        "spam": Enquiry.Status.SPAM.value,
        "decay_rate": 0.6931471805599453 / HALF_LIFE_DAYS,  # ln 2 / half-life
    }


def _run(*, start: datetime, end: datetime, window_days: int, currency: str) -> dict:
    """The statement's rows by dimension: asset id / channel / campaign / origin -> the
    15 sums (per model: enquiries, won deals, revenue); and the ``total`` rows."""
    parameters = _parameters(start=start, end=end, window_days=window_days, currency=currency)
    found: dict[str, dict] = {name: {} for name in ("asset", "channel", "campaign", "origin")}
    found["total"] = {}
    with _statement_cursor() as cursor:
        cursor.execute(_statement(), parameters)
        for dimension, asset_id, label, count, amount, *sums in cursor.fetchall():
            if dimension == "asset":
                found["asset"][asset_id] = [_float(value) for value in sums]
            elif dimension == "total":
                kind, _, origin = label.partition(":")
                found["total"][(kind, origin)] = (count, amount)
            else:
                found[dimension][label] = [_float(value) for value in sums]
    return found


def _float(value) -> float:
    return float(value) if value is not None else 0.0


def bare_aggregate(*, start: datetime, end: datetime, window_days: int, currency: str) -> list:
    """The benchmark's reference: the same hand-raises joined to the same touchpoints,
    grouped by asset with plain sums. Not an answer to anything; only a yardstick."""
    parameters = _parameters(start=start, end=end, window_days=window_days, currency=currency)
    with _statement_cursor() as cursor:
        cursor.execute(_statement(bare=True), parameters)
        return cursor.fetchall()


@contextmanager
def _statement_cursor():
    """A cursor for the statement: on PostgreSQL with JIT compilation off for it, and
    room to sort in memory.

    The planner cannot see how few touchpoints a hand-raise's window holds, so it
    costs the statement in the millions, past jit_above_cost; compiling it then took
    2.5 s of a 3.5 s run over a million touchpoints, to save a few milliseconds. The
    window functions sort every touchpoint in a window (145,000 rows there): in the
    default 4 MB of work_mem that sort spilled to disk. ``SET LOCAL`` ends with the
    transaction (no savepoint: nothing is written).
    """
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'")
        yield cursor


@dataclass(frozen=True)
class SideBySide:
    """One asset, channel or campaign with its credit under each model (in MODELS'
    order) and its place among that model's three largest revenues (1-3, or None)."""

    key: Hashable
    name: str | None  # an asset's title, a channel's label, a campaign; None: no asset
    kind_label: str
    credits: tuple[Credit, ...]
    places: tuple[int | None, ...]

    @property
    def best_place(self) -> int | None:
        return min((place for place in self.places if place), default=None)

    @property
    def cells(self) -> tuple[tuple[Credit, int | None], ...]:
        """(credit, place) per model, for a table row."""
        return tuple(zip(self.credits, self.places, strict=True))


def side_by_side(result: Attribution, dimension: str) -> list[SideBySide]:
    """The ``assets``, ``channels`` or ``campaigns`` of every model as one table: a row
    per key, largest revenue under any model first. Reads nothing from the database."""
    zero = Credit(enquiries=Decimal(0), won_deals=Decimal(0), revenue=Decimal(0))
    rows: dict[Hashable, dict] = {}
    for index, model in enumerate(result.models):
        earning = [row for row in getattr(model, dimension) if row.revenue > 0]
        places = {_key(row, dimension): place for place, row in enumerate(earning[:3], start=1)}
        if dimension == "assets":
            places.pop(None, None)  # "no asset" is not an asset that can be in the top three
        for row in getattr(model, dimension):
            key = _key(row, dimension)
            entry = rows.setdefault(
                key,
                {
                    "name": _name(row, dimension),
                    "kind_label": getattr(row, "kind_label", ""),
                    "credits": [zero] * len(result.models),
                    "places": [None] * len(result.models),
                },
            )
            entry["credits"][index] = Credit(
                enquiries=row.enquiries, won_deals=row.won_deals, revenue=row.revenue
            )
            entry["places"][index] = places.get(key)
    table = [
        SideBySide(
            key=key,
            name=entry["name"],
            kind_label=entry["kind_label"],
            credits=tuple(entry["credits"]),
            places=tuple(entry["places"]),
        )
        for key, entry in rows.items()
    ]
    return sorted(
        table,
        key=lambda row: (
            -max((credit.revenue for credit in row.credits), default=0),
            -max((credit.enquiries for credit in row.credits), default=0),
            row.key is None,
            str(row.name or ""),
        ),
    )


_KEYS = {"assets": "asset_id", "channels": "channel", "campaigns": "campaign"}


def _key(row, dimension: str) -> Hashable:
    return getattr(row, _KEYS[dimension])


def _name(row, dimension: str) -> str | None:
    if dimension == "assets":
        return row.title
    if dimension == "channels":
        return row.label
    return row.campaign
