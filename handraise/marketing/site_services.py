"""Writes for the site script: one page visit as a touchpoint.

The event has already been read (``site_events``) and let in by the view (its site
is registered, its client is no robot and under its rate). Here it becomes one
touchpoint row, written with the rows of the events other threads of this process
are answering at the same moment (``core.group_commit``): one INSERT and one
commit for all of them, and each request returns only once its row is committed.
The page's asset comes from the memo in ``site_selectors``; a replayed event (an
id already stored) is dropped by the database's unique index, not by a read first.

What it keeps: the page without its query string, the visit's UTM tags, and the
referrer unless it is one of the business's own pages (a visitor moving from one
page to the next is not a referral). What it never keeps: the client's address.
A browser that asks not to be tracked (Global Privacy Control, Do Not Track) is
counted with no visitor id and with its referrer cut to the referring site, so
the visit cannot be joined to anyone, then or later.
"""

from django.db import DatabaseError, connection

from handraise.core.bulk import commits_that_outlive_the_process, db_value, insert_rows
from handraise.core.clock import now
from handraise.core.group_commit import GroupCommit
from handraise.core.origins import origin_of
from handraise.marketing.channels import channel_for, referrer_host_of
from handraise.marketing.models import Touchpoint
from handraise.marketing.site_events import UTM_KEYS, SiteEvent
from handraise.marketing.site_selectors import Site

COLUMNS = (
    "event_id",
    "visitor_id",
    "asset",
    "channel",
    "url",
    "referrer",
    *UTM_KEYS,
    "occurred_at",
)


def record_site_visit(*, event: SiteEvent, site: Site, private: bool) -> None:
    """Store the visit (once, however often the event is sent)."""
    referrer = event.referrer
    if origin_of(referrer) in site.origins:
        referrer = ""
    visitor = event.visitor_id
    if private:
        visitor = ""
        referrer = origin_of(referrer)
    channel = channel_for(
        utm_medium=event.utm["utm_medium"],
        utm_source=event.utm["utm_source"],
        referrer_host=referrer_host_of(referrer),
    )
    row = (
        event.event_id,
        visitor,
        site.assets.get(event.page),
        channel,
        event.page,
        referrer,
        *(event.utm[key] for key in UTM_KEYS),
        db_value(now()),
    )
    _visits.submit(row)


def _write_visits(rows: list) -> None:
    # One statement for the batch (a batch is at most one row a server thread). The
    # promise for a visit is that a killed server keeps it, not a power cut.
    if connection.in_atomic_block:  # a caller's transaction (a test): it decides
        _insert_visits(rows)
        return
    # Django's health check would ask PostgreSQL "SELECT 1" before the first query of
    # every request: a round trip per event, a fifth of the endpoint's rate. Instead
    # the INSERT is the check: if the kept connection turns out broken (the database
    # restarted), it is closed and the batch sent once more on a new one. Sending it
    # twice is harmless: a row already stored keeps its event id and is skipped.
    connection.health_check_done = True
    try:
        _insert_visits(rows)
    except DatabaseError:
        connection.close()
        _insert_visits(rows)


def _insert_visits(rows: list) -> None:
    with commits_that_outlive_the_process():
        insert_rows(Touchpoint, COLUMNS, rows, ignore_conflicts=True)


_visits = GroupCommit(write=_write_visits)
