"""Cadences: follow-up plans that run by themselves and stop when the prospect replies.

Only what the inbound-email path needs lives here for now: stopping a contact's
running cadences when they reply.
"""

from datetime import datetime

from handraise.contacts.models import Contact
from handraise.sales.models import CadenceEnrolment


def stop_for_contact(*, contact: Contact, moment: datetime, reason: str) -> int:
    """Stop every active enrolment on the contact's deals; returns how many stopped."""
    return CadenceEnrolment.objects.filter(
        deal__contact_id=contact.pk, status=CadenceEnrolment.Status.ACTIVE
    ).update(
        status=CadenceEnrolment.Status.STOPPED,
        stopped_at=moment,
        stop_reason=reason[:200],
        next_run_at=None,
    )
