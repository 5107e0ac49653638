"""Writes for the site script: one page visit as a touchpoint.

The event has already been read (``site_events``) and let in by the view (its site
is registered, its client is no robot and under its rate). Here it becomes one
touchpoint, in one INSERT that nothing else waits for: the page's asset comes
from the memo in ``site_selectors``, and a replayed event (an id already stored)
is dropped by the database's unique index, not by a read first.

What it keeps: the page without its query string, the visit's UTM tags, and the
referrer unless it is one of the business's own pages (a visitor moving from one
page to the next is not a referral). What it never keeps: the client's address.
A browser that asks not to be tracked (Global Privacy Control, Do Not Track) is
counted with no visitor id and with its referrer cut to the referring site, so
the visit cannot be joined to anyone, then or later.
"""

from handraise.core.clock import now
from handraise.core.origins import origin_of
from handraise.marketing.channels import channel_for, referrer_host_of
from handraise.marketing.models import Touchpoint
from handraise.marketing.site_events import SiteEvent
from handraise.marketing.site_selectors import Site


def record_site_visit(*, event: SiteEvent, site: Site, private: bool) -> None:
    """Store the visit (once, however often the event is sent)."""
    referrer = event.referrer
    if origin_of(referrer) in site.origins:
        referrer = ""
    visitor = event.visitor_id
    if private:
        visitor = ""
        referrer = origin_of(referrer)
    touchpoint = Touchpoint(
        event_id=event.event_id,
        visitor_id=visitor,
        asset_id=site.assets.get(event.page),
        channel=channel_for(
            utm_medium=event.utm["utm_medium"],
            utm_source=event.utm["utm_source"],
            referrer_host=referrer_host_of(referrer),
        ),
        url=event.page,
        referrer=referrer,
        occurred_at=now(),
        **event.utm,
    )
    Touchpoint.objects.bulk_create([touchpoint], ignore_conflicts=True)
