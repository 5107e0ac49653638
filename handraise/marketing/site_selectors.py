"""Reads for the site script: which sites may send events, which asset a page is, and
what the script has sent lately (the site settings page shows it).

The first two are needed for every event (a thousand a second is the target) and
change when an owner edits their settings or assets, a few times a month. So each
process keeps them for ``SITE_MEMO_SECONDS``; the services that change them forget
them at once in their own process, and every other process sees the change within
``SITE_MEMO_SECONDS``.
"""

import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Max, Q

from handraise.accounts.models import BusinessSettings
from handraise.core.clock import now
from handraise.core.origins import origin_set
from handraise.enquiries.models import Form
from handraise.marketing.models import Asset, Touchpoint
from handraise.marketing.site_events import page_address

SITE_MEMO_SECONDS = 30.0


@dataclass(frozen=True)
class Site:
    origins: frozenset[str]  # the business's website addresses and its forms' allowed origins
    assets: dict[str, int]  # page address (``site_events.page_address``) -> asset id
    loaded_at: float  # time.monotonic()


_lock = threading.Lock()
_site: Site | None = None


def site() -> Site:
    """The business's sites and pages, at most ``SITE_MEMO_SECONDS`` old."""
    global _site
    current = _site
    if current is not None and time.monotonic() - current.loaded_at < SITE_MEMO_SECONDS:
        return current
    with _lock:  # one thread reloads; the others wait for its answer
        if _site is None or time.monotonic() - _site.loaded_at >= SITE_MEMO_SECONDS:
            _site = _load()
        return _site


def forget_site() -> None:
    """Read the settings and assets afresh at the next event (they just changed)."""
    global _site
    _site = None


def _load() -> Site:
    origins = origin_set(BusinessSettings.load().website_addresses)
    for allowed in Form.objects.filter(is_active=True).values_list("allowed_origins", flat=True):
        origins |= origin_set(allowed)
    assets: dict[str, int] = {}
    # Oldest first: two assets at one address (the asset form warns of it) give the
    # page to the first, every time.
    for pk, url in Asset.objects.exclude(url="").order_by("pk").values_list("pk", "url"):
        assets.setdefault(page_address(url), pk)
    assets.pop("", None)
    return Site(origins=frozenset(origins), assets=assets, loaded_at=time.monotonic())


@dataclass(frozen=True)
class PageVisits:
    page: str
    visits: int
    asset_id: int | None
    asset_title: str


@dataclass(frozen=True)
class SiteActivity:
    days: int
    visits: int
    visitors: int
    last_visit: datetime | None
    pages: list[PageVisits]


def site_activity(*, days: int = 7, pages: int = 10) -> SiteActivity:
    """What the site script recorded in the last ``days``: the check that it is installed,
    and the pages people read most. Two aggregate queries over the (occurred_at)
    index, and one for the pages' asset titles."""
    recorded = Touchpoint.objects.filter(
        event_id__isnull=False, occurred_at__gte=now() - timedelta(days=days)
    )
    totals = recorded.aggregate(
        visits=Count("*"),
        visitors=Count("visitor_id", distinct=True, filter=~Q(visitor_id="")),
        last_visit=Max("occurred_at"),
    )
    top = list(
        recorded.values("url")
        .annotate(visits=Count("*"), asset_id=Max("asset_id"))
        .order_by("-visits", "url")[:pages]
    )
    ids = {row["asset_id"] for row in top if row["asset_id"]}
    titles = dict(Asset.objects.filter(pk__in=ids).values_list("pk", "title")) if ids else {}
    return SiteActivity(
        days=days,
        visits=totals["visits"],
        visitors=totals["visitors"],
        last_visit=totals["last_visit"],
        pages=[
            PageVisits(row["url"], row["visits"], row["asset_id"], titles.get(row["asset_id"], ""))
            for row in top
        ],
    )
