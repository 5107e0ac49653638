"""Reads for "which channels bring enquiries that fit?": fit by channel, source, campaign, asset.

For the enquiries received in the period (spam left out, as everywhere), grouped
four ways:

- **channel**: how the hand-raise arrived (web form, email, phone, ...);
- **source**: the marketing channel of the person's last touchpoint in the
  lookback window before the hand-raise (organic search, social, ...), or
  "No touch recorded";
- **campaign**: the enquiry's ``utm_campaign``, or "No campaign";
- **asset**: each asset the person touched in the lookback window before the
  hand-raise (an enquiry counts once per asset, however many visits).

Each group has its enquiries, how many fit (score at or above
``insights.fit.FIT_THRESHOLD``), the share that fit of those with a score, and the
median score. Every grouping is one SQL query whatever the size of the history:
the pairs (enquiry, group) are the ORM's, wrapped in a GROUP BY over a window
function that finds the middle scores (SQLite has no median). The lookback window
is ``settings.ATTRIBUTION_WINDOW_DAYS`` (90 days when unset). Nothing here writes.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import F, OuterRef, QuerySet, Subquery

from handraise.core import clock
from handraise.enquiries.models import Enquiry
from handraise.insights.fit import FIT_THRESHOLD
from handraise.marketing.models import Asset, Channel, Touchpoint

PERIODS = (30, 90, 365)
DEFAULT_PERIOD = 90
# Campaigns and assets grow with the business; the screen shows the largest.
GROUPS_SHOWN = 20


@dataclass(frozen=True)
class FitGroup:
    key: str
    label: str
    enquiries: int
    scored: int
    fitting: int
    median: float | None
    kind: str = ""  # an asset's kind

    @property
    def share(self) -> int | None:
        """Per cent of the scored enquiries that fit."""
        return round(100 * self.fitting / self.scored) if self.scored else None


@dataclass(frozen=True)
class FitSources:
    days: int
    window_days: int
    threshold: int
    enquiries: int
    fitting: int
    channels: list[FitGroup]
    sources: list[FitGroup]
    campaigns: list[FitGroup]
    assets: list[FitGroup]

    @property
    def share(self) -> int | None:
        scored = sum(group.scored for group in self.channels)
        return round(100 * self.fitting / scored) if scored else None


def window_days() -> int:
    return int(getattr(settings, "ATTRIBUTION_WINDOW_DAYS", 90))


def fit_sources(*, days: int = DEFAULT_PERIOD) -> FitSources:
    end = clock.now()
    enquiries = Enquiry.objects.filter(received_at__gt=end - timedelta(days=days)).exclude(
        status=Enquiry.Status.SPAM
    )
    window = timedelta(days=window_days())
    channels = _grouped(enquiries.values("pk", "fit_score", key=F("channel")))
    channel_labels = dict(Enquiry.Channel.choices)
    last_touch = (
        Touchpoint.objects.filter(
            contact_id=OuterRef("contact_id"),
            occurred_at__lte=OuterRef("received_at"),
            occurred_at__gte=OuterRef("received_at") - window,
        )
        .order_by("-occurred_at", "-pk")
        .values("channel")[:1]
    )
    sources = _grouped(
        enquiries.annotate(source=Subquery(last_touch)).values("pk", "fit_score", key=F("source"))
    )
    source_labels = dict(Channel.choices)
    campaigns = _grouped(
        enquiries.values("pk", "fit_score", key=F("utm_campaign")), limit=GROUPS_SHOWN
    )
    touched = enquiries.filter(
        contact__touchpoints__asset__isnull=False,
        contact__touchpoints__occurred_at__lte=F("received_at"),
        contact__touchpoints__occurred_at__gte=F("received_at") - window,
    )
    assets = _grouped(
        touched.values("pk", "fit_score", key=F("contact__touchpoints__asset_id")).distinct(),
        limit=GROUPS_SHOWN,
    )
    asset_names = dict(
        (str(pk), (title, kind))
        for pk, title, kind in Asset.objects.filter(pk__in=[row[0] for row in assets]).values_list(
            "pk", "title", "kind"
        )
    )
    kinds = dict(Asset.Kind.choices)
    total = sum(row[1] for row in channels)
    return FitSources(
        days=days,
        window_days=window_days(),
        threshold=FIT_THRESHOLD,
        enquiries=total,
        fitting=sum(row[3] for row in channels),
        channels=[_group(row, channel_labels.get(row[0], row[0] or "Other")) for row in channels],
        sources=[_group(row, source_labels.get(row[0], "No touch recorded")) for row in sources],
        campaigns=[_group(row, row[0] or "No campaign") for row in campaigns],
        assets=[
            _group(
                row,
                asset_names.get(str(row[0]), ("(removed asset)", ""))[0],
                kind=kinds.get(asset_names.get(str(row[0]), ("", ""))[1], ""),
            )
            for row in assets
            if row[0] is not None
        ],
    )


def _group(row: tuple, label: str, kind: str = "") -> FitGroup:
    key, count, scored, fitting, median = row
    return FitGroup(
        key="" if key is None else str(key),
        label=label,
        enquiries=count,
        scored=scored,
        fitting=fitting or 0,
        median=None if median is None else float(median),
        kind=kind,
    )


def _grouped(pairs: QuerySet, *, limit: int | None = None) -> list[tuple]:
    """(key, enquiries, scored, fitting, median) per key of ``pairs`` (rows of pk,
    fit_score, key), most enquiries first: one query.

    The middle one or two scores of each key are found by numbering its scored
    rows in order (nulls last, written out because SQLite sorts them first).
    """
    inner, params = pairs.order_by().query.sql_with_params()
    # Only the ORM's own compiled SQL is spliced in; every value travels as a parameter.
    sql = f"""
        SELECT "key", COUNT(*), COUNT("fit_score"),
               SUM(CASE WHEN "fit_score" >= %s THEN 1 ELSE 0 END),
               AVG(CASE WHEN "fit_score" IS NOT NULL
                         AND "position" IN (("scored" + 1) / 2, ("scored" + 2) / 2)
                        THEN "fit_score" END)
        FROM (
            SELECT "key", "fit_score",
                   ROW_NUMBER() OVER (
                       PARTITION BY "key"
                       ORDER BY CASE WHEN "fit_score" IS NULL THEN 1 ELSE 0 END, "fit_score"
                   ) AS "position",
                   COUNT("fit_score") OVER (PARTITION BY "key") AS "scored"
            FROM ({inner}) AS "pairs"
        ) AS "numbered"
        GROUP BY "key"
        ORDER BY COUNT(*) DESC, "key"
    """  # noqa: S608
    if limit:
        sql += f" LIMIT {int(limit)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [FIT_THRESHOLD, *params])
        return [tuple(row) for row in cursor.fetchall()]
