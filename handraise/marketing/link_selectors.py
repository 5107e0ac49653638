"""Reads for tracked links: the builder's list with each link's clicks, one link
access-checked, and the one lookup the public redirect makes.

Clicks are the link's touchpoints, counted in SQL by a subquery per listed link
(the (short_link, occurred_at) index answers it without touching the rows), so a
page of 25 links costs the same with ten clicks or a million.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from handraise.marketing.link_services import CODE_ALPHABET
from handraise.marketing.models import ShortLink, Touchpoint

# Anything else cannot be a code: answered 404 without asking the database.
_CODE = re.compile(rf"[{CODE_ALPHABET}]{{1,16}}")


def short_link_list(*, search: str = "", archived: bool = False) -> QuerySet[ShortLink]:
    """Links newest first, each with ``clicks`` and ``last_click`` (or None)."""
    clicks = Touchpoint.objects.filter(short_link=OuterRef("pk")).order_by().values("short_link")
    links = ShortLink.objects.filter(archived_at__isnull=not archived).select_related(
        "asset", "created_by"
    )
    search = search.strip()
    if search:
        links = links.filter(
            Q(label__icontains=search)
            | Q(code__iexact=search)
            | Q(target_url__icontains=search)
            | Q(utm_campaign__icontains=search)
            | Q(utm_source__icontains=search)
            | Q(utm_medium__icontains=search)
        )
    return links.annotate(
        clicks=Coalesce(Subquery(clicks.annotate(n=Count("*")).values("n")), Value(0)),
        last_click=Subquery(clicks.annotate(last=Max("occurred_at")).values("last")),
    )


@dataclass(frozen=True)
class LinkClicks:
    clicks: int
    last_click: datetime | None


def short_link_clicks(*, link: ShortLink) -> LinkClicks:
    """How often the link was followed (robots and HEAD requests never count), and when last."""
    totals = Touchpoint.objects.filter(short_link=link).aggregate(
        clicks=Count("*"), last_click=Max("occurred_at")
    )
    return LinkClicks(clicks=totals["clicks"], last_click=totals["last_click"])


def short_link_for_user(user, pk: int) -> ShortLink:
    """One link, if this user may see it (every active user of the business may)."""
    if not (user.is_authenticated and user.is_active):
        raise PermissionDenied("sign in to see tracked links")
    return get_object_or_404(ShortLink.objects.select_related("asset"), pk=pk)


def short_link_by_code(code: str) -> ShortLink | None:
    """The link a public ``/r/<code>`` names, archived or not; None if there is none.
    One lookup on the unique index, no join."""
    code = code.lower()  # typed from a flyer in capitals, it is still the same code
    if not _CODE.fullmatch(code):
        return None
    try:
        return ShortLink.objects.get(code=code)
    except ShortLink.DoesNotExist:
        return None
