"""Reads for the asset pages: the searchable, sortable list, one asset by id, URL clashes.

Every signed-in user of the business may see and edit assets; ``asset_for_user``
checks that and fetches in one step, so no view can forget the check. The list
sorts by what the asset table holds (published date, title, kind): sorting by
reach would count a million touchpoints for every page of the list, and the
Marketing overview already ranks assets by reach.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from handraise.marketing.models import Asset

SORTS = {
    "-published": ("-published_at", "title", "pk"),
    "published": ("published_at", "title", "pk"),
    "title": ("title", "pk"),
    "-title": ("-title", "-pk"),
    "kind": ("kind", "-published_at", "pk"),
}
DEFAULT_SORT = "-published"


def check_asset_access(user) -> None:
    if not (user.is_authenticated and user.is_active):
        raise PermissionDenied("sign in to see the business's assets")


def asset_list(
    *, user, search: str = "", kind: str = "", sort: str = DEFAULT_SORT, archived: bool = False
) -> QuerySet[Asset]:
    """Assets matching ``search`` (title, URL, summary or a topic) and ``kind``, sorted.

    Archived assets are listed only when ``archived`` is asked for, and then only they.
    The themes each answers come with the page in one more query.
    """
    check_asset_access(user)
    assets = Asset.objects.filter(archived_at__isnull=not archived)
    words = search.split()
    for word in words[:10]:  # a pasted essay must not become a hundred LIKE clauses
        assets = assets.filter(
            Q(title__icontains=word)
            | Q(url__icontains=word)
            | Q(summary__icontains=word)
            # topics is a JSON list; its text holds each topic, quoted.
            | Q(topics__icontains=word)
        )
    if kind:
        assets = assets.filter(kind=kind)
    order = SORTS.get(sort, SORTS[DEFAULT_SORT])
    return assets.order_by(*order).prefetch_related("themes")


def asset_for_user(user, pk: int) -> Asset:
    """One asset (archived or not), if this user may see it."""
    check_asset_access(user)
    return get_object_or_404(Asset.objects.prefetch_related("themes"), pk=pk)


def assets_with_url(url: str, *, besides: int | None = None) -> list[Asset]:
    """Other assets at this address: touchpoints are matched to an asset by URL, so two
    assets at one address split (or double) its reach."""
    if not url:
        return []
    found = Asset.objects.filter(url=url.strip()).order_by("pk")
    if besides is not None:
        found = found.exclude(pk=besides)
    return list(found[:5])
