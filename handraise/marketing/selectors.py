"""Reads for marketing: whose touchpoints are whose.

A person's touchpoints are the ones linked to their contact, and the ones their
browser left under a visitor id before anyone knew who they were (intake links
those to the contact, but only the ones it saw). Every page that shows "what
they read" asks here, so the Inbox and the timeline agree.
"""

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from handraise.marketing.models import Touchpoint


def touchpoints_of(*, contact_id: int, visitor_ids: Iterable[str]) -> QuerySet[Touchpoint]:
    """The contact's touchpoints, and those of these visitor ids.

    The ids are values, never a subquery: with a subquery PostgreSQL cannot see
    how few they are and walks a million touchpoints newest first (2 s) instead of
    reading the two indexes (0.1 ms).
    """
    who = Q(contact_id=contact_id)
    wanted = sorted({visitor for visitor in visitor_ids if visitor})
    if wanted:
        who |= Q(visitor_id__in=wanted)
    return Touchpoint.objects.filter(who).select_related("asset")
