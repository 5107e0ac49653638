"""Writes for marketing: the one place touchpoints change hands, and imported history.

Intake calls ``claim_visitor_touchpoints`` when a visitor raises their hand, so the
articles and posts they read before anyone knew who they were become their
contact's history, and attribution can count them. A person's erasure makes
theirs anonymous. Imports restore assets one at a time and touchpoints a batch at
a time (a million of them at demo scale 100: one INSERT per row would take
hours), each with its own dates.
"""

from collections.abc import Collection, Sequence
from datetime import datetime

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Left, StrIndex

from handraise.contacts.models import Contact
from handraise.core.bulk import db_value, insert_rows
from handraise.marketing.models import Asset, Touchpoint


def claim_visitor_touchpoints(*, visitor_id: str, contact: Contact) -> int:
    """Give the visitor's anonymous touchpoints to ``contact``; the number claimed.

    Touchpoints already linked to someone keep their contact: a shared browser
    must not move one person's history onto another.
    """
    if not visitor_id:
        return 0
    return Touchpoint.objects.filter(visitor_id=visitor_id, contact__isnull=True).update(
        contact=contact
    )


def erase_touchpoints(*, touchpoint_ids: Collection[int]) -> dict[str, int]:
    """Make an erased person's touchpoints anonymous; how many.

    They stay (asset, channel, campaign, time, and the link to the emptied contact)
    because reach and attribution count them. The visitor id is the person's
    browser, an online identifier, so it goes; so do the referrer (the page they
    came from: a search, a profile) and everything after a ``?`` or ``#`` in the
    page address, where a mailing tool may have put their address.
    """
    touchpoints = Touchpoint.objects.filter(pk__in=touchpoint_ids)
    with transaction.atomic():
        for mark in ("?", "#"):
            touchpoints.filter(url__contains=mark).update(
                url=Left("url", StrIndex("url", Value(mark)) - 1)
            )
        count = touchpoints.update(visitor_id="", referrer="", utm_content="", utm_term="")
    return {"touchpoints": count}


def record_imported_asset(
    *,
    kind: str,
    title: str,
    url: str = "",
    summary: str = "",
    topics: Sequence[str] = (),
    published_at: datetime | None = None,
    archived_at: datetime | None = None,
    created_at: datetime | None = None,
) -> Asset:
    """An asset from an export or another tool, with its own dates."""
    asset = Asset(
        kind=kind,
        title=title,
        url=url,
        summary=summary,
        topics=list(topics),
        published_at=published_at,
        archived_at=archived_at,
    )
    if created_at:
        asset.created_at = created_at
    asset.full_clean()
    asset.save()
    return asset


def record_imported_touchpoints(*, touchpoints: Sequence[dict]) -> list[int]:
    """Touchpoints from history (each a dict of Touchpoint fields), inserted in bulk;
    their new ids, in order.

    Nothing is claimed or attributed here: a touchpoint keeps the contact the file
    gave it, or none. A million of them at demo scale 100: see core.bulk for why
    not bulk_create.
    """
    if not touchpoints:
        return []
    columns = list(touchpoints[0])
    rows = [
        [db_value(value) if isinstance(value, datetime) else value for value in fields.values()]
        for fields in touchpoints
    ]
    return insert_rows(Touchpoint, columns, rows, return_ids=True)
