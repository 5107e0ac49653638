"""Writes for marketing: the one place touchpoints change hands.

Intake calls this when a visitor raises their hand, so the articles and posts
they read before anyone knew who they were become their contact's history,
and attribution can count them.
"""

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
