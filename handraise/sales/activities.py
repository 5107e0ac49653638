"""The one writer of activities, and of the deal's last-activity time that they raise.

Every path that records something done with a prospect (a call logged from the
Inbox, a reply that arrived by email, a cadence email sent, a deal moved) calls
``record_activity``, so each activity is made the same way and the deal's
``last_activity_at`` only ever rises, by one conditional UPDATE, however many
writers race. This module checks nothing the caller knows better (permissions,
next steps, repeats): the services that call it do, inside their transaction.
"""

from datetime import datetime

from django.db.models import Q

from handraise.sales.models import Activity, Deal


def record_activity(
    *,
    contact_id: int,
    kind: str,
    occurred_at: datetime,
    direction: str = Activity.Direction.INTERNAL,
    deal: Deal | None = None,
    enquiry=None,
    user=None,
    subject: str = "",
    body: str = "",
    outgoing_email=None,
    due_at: datetime | None = None,
    completed_at: datetime | None = None,
) -> Activity:
    """Create the activity and, when it is on a deal, raise the deal's last-activity time.

    A task still to do (due, not completed: a booked meeting, a cadence call) is a
    plan, not activity with the prospect, so it leaves the deal's time alone.
    """
    activity = Activity.objects.create(
        kind=kind,
        direction=direction,
        contact_id=contact_id,
        deal=deal,
        enquiry=enquiry,
        user=user,
        outgoing_email=outgoing_email,
        subject=subject,
        body=body,
        occurred_at=occurred_at,
        due_at=due_at,
        completed_at=completed_at,
    )
    if deal is not None and not (due_at is not None and completed_at is None):
        raise_last_activity(deal=deal, moment=occurred_at)
    return activity


def raise_last_activity(*, deal: Deal | int, moment: datetime) -> None:
    """Raise the deal's ``last_activity_at`` to ``moment`` unless it is later already.

    Given a Deal, its in-memory time is kept in step; since the time only rises, an
    in-memory time at or after ``moment`` means the row needs no write at all.
    """
    if isinstance(deal, Deal):
        if deal.last_activity_at is not None and deal.last_activity_at >= moment:
            return
        deal.last_activity_at = moment
    Deal.objects.filter(
        Q(last_activity_at__isnull=True) | Q(last_activity_at__lt=moment),
        pk=getattr(deal, "pk", deal),
    ).update(last_activity_at=moment)
