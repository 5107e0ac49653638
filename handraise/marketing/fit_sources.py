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
median score. Every grouping is one GROUP BY query whatever the size of the
history, counting per group and score (at most 101 scores); the totals and the
median are read off that histogram (SQLite has no median). The lookback window
is ``settings.ATTRIBUTION_WINDOW_DAYS`` (90 days when unset). Nothing here writes.
"""

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, F, OuterRef, QuerySet, Subquery

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
    channels = _grouped(enquiries.annotate(key=F("channel")))
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
    sources = _grouped(enquiries.annotate(key=Subquery(last_touch)))
    source_labels = dict(Channel.choices)
    campaigns = _grouped(enquiries.annotate(key=F("utm_campaign")), limit=GROUPS_SHOWN)
    # One filter() call, so the three conditions hold for the same touchpoint, and the
    # key reads that touchpoint's asset (the join is reused).
    touched = enquiries.filter(
        contact__touchpoints__asset__isnull=False,
        contact__touchpoints__occurred_at__lte=F("received_at"),
        contact__touchpoints__occurred_at__gte=F("received_at") - window,
    ).annotate(key=F("contact__touchpoints__asset_id"))
    assets = _grouped(touched, distinct=True, limit=GROUPS_SHOWN)
    asset_names = {
        pk: (title, kind)
        for pk, title, kind in Asset.objects.filter(pk__in=[g.key for g in assets]).values_list(
            "pk", "title", "kind"
        )
    }
    kinds = dict(Asset.Kind.choices)
    return FitSources(
        days=days,
        window_days=window_days(),
        threshold=FIT_THRESHOLD,
        enquiries=sum(group.enquiries for group in channels),
        fitting=sum(group.fitting for group in channels),
        channels=[_named(g, channel_labels.get(g.key, g.key or "Other")) for g in channels],
        sources=[_named(g, source_labels.get(g.key, "No touch recorded")) for g in sources],
        campaigns=[_named(g, g.key or "No campaign") for g in campaigns],
        assets=[
            _named(
                group,
                asset_names.get(group.key, ("(removed asset)", ""))[0],
                kind=kinds.get(asset_names.get(group.key, ("", ""))[1], ""),
            )
            for group in assets
        ],
    )


def _named(group: FitGroup, label: str, kind: str = "") -> FitGroup:
    return replace(group, key="" if group.key is None else str(group.key), label=label, kind=kind)


def _grouped(
    annotated: QuerySet, *, distinct: bool = False, limit: int | None = None
) -> list[FitGroup]:
    """The enquiries of ``annotated`` (which carries a ``key``) grouped by key, most
    first: one GROUP BY query whatever the number of enquiries.

    It counts per key and score (at most 101 scores and "none" a key); the totals,
    the fitting and the median are read off that histogram, because SQLite has no
    median and numbering every row (or three COUNT DISTINCTs a key: 3 s for 20,000
    enquiries' assets) costs far more. ``distinct`` counts an enquiry once per key
    when the key comes from a join (its assets); an enquiry has one score, so the
    buckets of a key add up to its enquiries.
    """
    buckets: dict = defaultdict(list)
    for key, score, count in (
        annotated.values("key", "fit_score")
        .annotate(count=Count("pk", distinct=distinct))
        .order_by()
        .values_list("key", "fit_score", "count")
    ):
        if not (distinct and key is None):
            buckets[key].append((score, count))
    groups = []
    for key, counts in buckets.items():
        scores = sorted((score, count) for score, count in counts if score is not None)
        scored = sum(count for _score, count in scores)
        groups.append(
            FitGroup(
                key=key,
                label="",
                enquiries=sum(count for _score, count in counts),
                scored=scored,
                fitting=sum(count for score, count in scores if score >= FIT_THRESHOLD),
                median=_median(scores, scored),
            )
        )
    groups.sort(key=lambda group: (-group.enquiries, "" if group.key is None else str(group.key)))
    return groups[:limit] if limit else groups


def _median(buckets: list[tuple[int, int]], total: int) -> float | None:
    """The middle score (the mean of the middle two for an even total) of a histogram
    of (score, how many), scores ascending."""
    if not total:
        return None
    wanted = sorted({(total + 1) // 2, (total + 2) // 2})
    found, seen = [], 0
    for score, count in buckets:
        seen += count
        while wanted and wanted[0] <= seen:
            found.append(score)
            wanted.pop(0)
    return sum(found) / len(found) if found else None
