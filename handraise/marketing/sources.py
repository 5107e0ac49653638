"""Reads for where a person came from: their original source, and the latest before each hand-raise.

- **Original source** (first touch): the person's earliest touchpoint (its
  channel, UTM values and asset); with no touchpoint at all, their first
  enquiry's channel and UTM values.
- **Latest source before a hand-raise**: the person's last touchpoint in the
  lookback window (``settings.ATTRIBUTION_WINDOW_DAYS``, 90 days when unset) up
  to the moment the enquiry arrived; with none, the enquiry's own channel and UTM.

A person's touchpoints are their contact's: intake gives a visitor's anonymous
touchpoints to the contact at the hand-raise, so every touch before it is there.
The contact page and the enquiry page ask here, a fixed handful of queries
whatever the history (one subquery finds every listed enquiry's last touch).
Nothing here writes.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import OuterRef, Subquery

from handraise.enquiries.models import Enquiry
from handraise.marketing.models import Channel, Touchpoint


@dataclass(frozen=True)
class Source:
    at: datetime
    channel: str  # in words: "Organic search", or the enquiry's "Phone"
    from_touchpoint: bool
    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""
    asset_title: str = ""
    asset_kind: str = ""

    @property
    def utm_text(self) -> str:
        parts = [self.utm_source, self.utm_medium]
        given = " / ".join(part for part in parts if part)
        if self.utm_campaign:
            return f"{self.utm_campaign} ({given})" if given else self.utm_campaign
        return given


@dataclass(frozen=True)
class ContactSources:
    original: Source | None
    before: list[tuple[Enquiry, Source | None]]  # each listed enquiry with its latest source


def window_days() -> int:
    return int(getattr(settings, "ATTRIBUTION_WINDOW_DAYS", 90))


def original_source(*, contact_id: int) -> Source | None:
    first = (
        Touchpoint.objects.filter(contact_id=contact_id)
        .select_related("asset")
        .order_by("occurred_at", "pk")
        .first()
    )
    if first is not None:
        return _of_touchpoint(first)
    enquiry = Enquiry.objects.filter(contact_id=contact_id).order_by("received_at", "pk").first()
    return _of_enquiry(enquiry) if enquiry is not None else None


def latest_sources(enquiries: Sequence[Enquiry]) -> dict[int, Source]:
    """Each enquiry's latest source before it, by enquiry id: two queries for any number."""
    if not enquiries:
        return {}
    window = timedelta(days=window_days())
    last_touch = (
        Touchpoint.objects.filter(
            contact_id=OuterRef("contact_id"),
            occurred_at__lte=OuterRef("received_at"),
            occurred_at__gte=OuterRef("received_at") - window,
        )
        .order_by("-occurred_at", "-pk")
        .values("pk")[:1]
    )
    found = dict(
        Enquiry.objects.filter(pk__in=[enquiry.pk for enquiry in enquiries])
        .annotate(last_touch=Subquery(last_touch))
        .filter(last_touch__isnull=False)
        .values_list("pk", "last_touch")
    )
    touches = Touchpoint.objects.select_related("asset").in_bulk(list(found.values()))
    return {
        enquiry.pk: _of_touchpoint(touches[found[enquiry.pk]])
        if found.get(enquiry.pk) in touches
        else _of_enquiry(enquiry)
        for enquiry in enquiries
    }


def contact_sources(*, contact_id: int, enquiries: Sequence[Enquiry]) -> ContactSources:
    latest = latest_sources(enquiries)
    return ContactSources(
        original=original_source(contact_id=contact_id),
        before=[(enquiry, latest.get(enquiry.pk)) for enquiry in enquiries],
    )


def _of_touchpoint(touchpoint: Touchpoint) -> Source:
    asset = touchpoint.asset
    return Source(
        at=touchpoint.occurred_at,
        channel=Channel(touchpoint.channel).label
        if touchpoint.channel in Channel.values
        else touchpoint.channel,
        from_touchpoint=True,
        utm_source=touchpoint.utm_source,
        utm_medium=touchpoint.utm_medium,
        utm_campaign=touchpoint.utm_campaign,
        asset_title=asset.title if asset else "",
        asset_kind=asset.get_kind_display() if asset else "",
    )


def _of_enquiry(enquiry: Enquiry) -> Source:
    return Source(
        at=enquiry.received_at,
        channel=enquiry.get_channel_display(),
        from_touchpoint=False,
        utm_source=enquiry.utm_source,
        utm_medium=enquiry.utm_medium,
        utm_campaign=enquiry.utm_campaign,
    )
