"""Writes for marketing assets made in the app: add, change, archive and restore.

The asset pages call these; imports have their own writer (``services.
record_imported_asset``) because history keeps its own dates. Each function runs
in one transaction and raises Django's ``ValidationError`` (field by field) for
what the model refuses, so the form shows every error next to its field and
loses nothing. Archiving hides an asset from the asset list without touching its
touchpoints or the themes it answers, so undoing it is one write. Nothing here
deletes an asset: touchpoints would lose it, and attribution with them.
"""

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.db import transaction

from handraise.core.clock import now
from handraise.insights.models import Theme
from handraise.marketing.models import Asset
from handraise.marketing.site_selectors import forget_site

# When a published date has no time of its own: the start of the business's day.
PUBLISHED_TIME = time(0, 0)


def clean_topics(topics: Iterable[str]) -> list[str]:
    """Topics as stored: spaces trimmed and collapsed, blanks and repeats (any case) gone."""
    kept: dict[str, str] = {}
    for topic in topics:
        tidy = " ".join(str(topic).split())
        if tidy and tidy.casefold() not in kept:
            kept[tidy.casefold()] = tidy
    return list(kept.values())


def create_asset(
    *,
    kind: str,
    title: str,
    url: str = "",
    summary: str = "",
    topics: Sequence[str] = (),
    published_on: date | None = None,
    themes: Iterable[Theme] = (),
    zone: ZoneInfo,
) -> Asset:
    """A new asset, published on ``published_on`` (a date at the business, in ``zone``)."""
    asset = Asset(created_at=now())
    return _save(asset, kind, title, url, summary, topics, published_on, themes, zone)


def update_asset(
    *,
    asset: Asset,
    kind: str,
    title: str,
    url: str = "",
    summary: str = "",
    topics: Sequence[str] = (),
    published_on: date | None = None,
    themes: Iterable[Theme] = (),
    zone: ZoneInfo,
) -> Asset:
    """Change an asset. A published date left as it was keeps its time of day (imports
    and the site's script record one), so opening and saving the form changes nothing."""
    return _save(asset, kind, title, url, summary, topics, published_on, themes, zone)


def archive_asset(*, asset: Asset) -> Asset:
    """Take it off the asset list; its history stays. Archiving twice changes nothing."""
    with transaction.atomic():
        Asset.objects.filter(pk=asset.pk, archived_at__isnull=True).update(archived_at=now())
        asset.refresh_from_db(fields=["archived_at"])
    return asset


def restore_asset(*, asset: Asset) -> Asset:
    """Undo ``archive_asset``."""
    with transaction.atomic():
        Asset.objects.filter(pk=asset.pk).update(archived_at=None)
        asset.refresh_from_db(fields=["archived_at"])
    return asset


def _save(asset, kind, title, url, summary, topics, published_on, themes, zone) -> Asset:
    asset.kind = kind
    asset.title = " ".join(title.split())  # blank after trimming: the model says so
    asset.url = url.strip()
    asset.summary = summary.strip()
    asset.topics = clean_topics(topics)
    asset.published_at = _published_at(asset.published_at, published_on, zone)
    asset.full_clean()  # field errors as a ValidationError with an error_dict
    with transaction.atomic():
        asset.save()
        asset.themes.set(list(themes))
    forget_site()  # the site script matches pages to assets by address
    return asset


def _published_at(current: datetime | None, wanted: date | None, zone: ZoneInfo):
    if wanted is None:
        return None
    if current is not None and current.astimezone(zone).date() == wanted:
        return current
    return datetime.combine(wanted, PUBLISHED_TIME, tzinfo=zone)
