"""Writes for marketing: the one place touchpoints change hands.

Intake calls this when a visitor raises their hand, so the articles and posts
they read before anyone knew who they were become their contact's history,
and attribution can count them. A person's erasure makes theirs anonymous.
"""

from collections.abc import Collection

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Left, StrIndex

from handraise.contacts.models import Contact
from handraise.marketing.models import Touchpoint


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
