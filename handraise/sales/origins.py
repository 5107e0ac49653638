"""Where a deal came from: its origin, decided once from its history when it opens, in words.

``open_deal`` (the one service that opens deals: converting an enquiry, or a
deal a user opens with nobody's enquiry behind it) asks ``origin_of`` and stores
the origin with its reason. The rules, the first that holds wins, so the
precedence is **repeat > referral > marketing-sourced > owner outbound**:

1. **Repeat client**: the contact already has a won deal. A client coming back
   is the relationship's doing, whichever door they came through this time.
2. **Referral**: the enquiry came by the referral channel, or the person
   touched a referral-partner asset in the lookback window before raising their
   hand. (A touchpoint whose *channel* is "referral" is a link from another web
   site, which is marketing's reach, not a person's recommendation.)
3. **Marketing-sourced**: the enquiry carried UTM values, or the person (their
   contact, or the visitor id the enquiry came with) has touchpoints in the
   lookback window before it. An inbound enquiry with **no marketing trace at
   all** (a phone call out of the blue) is marketing-sourced too, its reason
   saying the source is unknown: it is a hand-raise the business did not go out
   and get, so counting it as the owner's outreach would flatter sales and hide
   marketing that works unseen (word of mouth, print, a talk).
4. **Owner outbound**: a deal a user opened with no enquiry.

The lookback window is ``settings.ATTRIBUTION_WINDOW_DAYS`` (90 days when unset),
the same as attribution's. A user may change the origin (``set_deal_origin``);
the reason then says who set it and when. Imports keep the origin their file
gave (``record_imported_deal``). Nothing here re-decides an existing deal's origin.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from handraise.core.clock import business_date, now
from handraise.enquiries.models import Enquiry
from handraise.marketing.models import Asset
from handraise.marketing.selectors import touchpoints_of
from handraise.sales.models import Deal

REASON_MAX = Deal._meta.get_field("origin_reason").max_length
IMPORTED_REASON = "Imported with this origin."


@dataclass(frozen=True)
class Origin:
    origin: str
    reason: str


def window_days() -> int:
    return int(getattr(settings, "ATTRIBUTION_WINDOW_DAYS", 90))


def origin_of(*, contact_id: int, enquiry: Enquiry | None, user) -> Origin:
    """The origin a deal opening now for this contact (from this enquiry, if any) has."""
    won = (
        Deal.objects.filter(contact_id=contact_id, stage__is_won=True)
        .order_by("-closed_at", "-pk")
        .values_list("title", "closed_at")
        .first()
    )
    if won is not None:
        title, closed_at = won
        when = f", won {_day(closed_at)}" if closed_at else ""
        return _origin(
            Deal.Origin.REPEAT, f"Repeat client: an earlier deal was won (“{title}”{when})."
        )
    if enquiry is None:
        return _origin(
            Deal.Origin.OUTBOUND,
            f"Owner outbound: opened by {_name(user)} with no enquiry behind it.",
        )
    if enquiry.channel == Enquiry.Channel.REFERRAL:
        return _origin(
            Deal.Origin.REFERRAL, "Referral: the enquiry came through the referral channel."
        )
    before = _touchpoints_before(enquiry)
    partner = (
        before.filter(asset__kind=Asset.Kind.REFERRAL_PARTNER)
        .order_by("-occurred_at")
        .values_list("asset__title", flat=True)
        .first()
    )
    if partner is not None:
        return _origin(
            Deal.Origin.REFERRAL,
            f"Referral: they touched the referral partner “{partner}” before raising their hand.",
        )
    utm = [
        f"{label} “{value}”"
        for label, value in (
            ("campaign", enquiry.utm_campaign),
            ("source", enquiry.utm_source),
            ("medium", enquiry.utm_medium),
        )
        if value
    ]
    if utm:
        return _origin(
            Deal.Origin.MARKETING, f"Marketing-sourced: the enquiry carried UTM {', '.join(utm)}."
        )
    touches = before.count()
    if touches:
        plural = "touchpoint" if touches == 1 else "touchpoints"
        return _origin(
            Deal.Origin.MARKETING,
            f"Marketing-sourced: {touches} {plural} in the {window_days()} days"
            " before the enquiry.",
        )
    return _origin(
        Deal.Origin.MARKETING,
        "Marketing-sourced: an inbound enquiry with no recorded marketing touch (source unknown).",
    )


def _touchpoints_before(enquiry: Enquiry):
    start = enquiry.received_at - timedelta(days=window_days())
    return touchpoints_of(contact_id=enquiry.contact_id, visitor_ids=[enquiry.visitor_id]).filter(
        occurred_at__gte=start, occurred_at__lte=enquiry.received_at
    )


def set_deal_origin(*, deal: Deal, user, origin: str, at: datetime | None = None) -> Deal:
    """A user says where the deal came from; the reason records who and when."""
    if origin not in Deal.Origin.values:
        raise ValueError(f"{origin!r} is not a deal origin")
    moment = at or now()
    with transaction.atomic():
        current = Deal.objects.select_for_update().get(pk=deal.pk)
        if current.origin == origin and current.origin_reason.startswith("Set by "):
            return current  # the same choice submitted twice is one change
        label = Deal.Origin(origin).label
        current.origin = origin
        current.origin_reason = (f"Set by {_name(user)} on {_day(moment)}: {label}.")[:REASON_MAX]
        current.save(update_fields=["origin", "origin_reason"])
    return current


def _origin(origin: str, reason: str) -> Origin:
    return Origin(origin=origin, reason=reason[:REASON_MAX])


def _name(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return "someone"
    return user.get_full_name() or user.get_username()


def _day(moment: datetime) -> str:
    day = business_date(moment)
    return f"{day.day} {day:%b %Y}"
