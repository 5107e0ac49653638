"""The run: refuse a database that is not empty, plan in Python, then write table by
table in dependency order inside one transaction.

``build_demo`` is the one entry point (the ``demo`` command and ``serve --demo`` call
it); it returns the counts it wrote. See the package docstring for what it leaves out.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection, transaction
from django.db.models import F

from handraise.contacts.models import Contact
from handraise.core import clock
from handraise.demo.activities import backdate_themes, create_cadence, create_themes, tell_deals
from handraise.demo.build import BATCH, Build
from handraise.demo.deals import plan_deals
from handraise.demo.enquiries import (
    create_ideal_client_profile,
    first_responses_without_deal,
    plan_enquiries,
)
from handraise.demo.marketing import Journeys, create_assets
from handraise.demo.people import plan_people, write_people
from handraise.demo.touchpoints import plan_contact_visits, write_short_links, write_touchpoints
from handraise.enquiries.models import Enquiry
from handraise.insights.models import Signal
from handraise.sales.models import Activity, Deal


class DemoDatabaseNotEmpty(Exception):
    """Demo data would mix with real data: the database already holds contacts or enquiries."""


@dataclass(frozen=True)
class DemoSummary:
    organisations: int
    contacts: int
    contact_emails: int
    contact_phones: int
    assets: int
    touchpoints: int
    enquiries: int
    deals: int
    activities: int
    signals: int
    themes: int
    cadences: int
    cadence_enrolments: int


def build_demo(
    *,
    scale: int = 1,
    seed: int = 1,
    now: datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> DemoSummary:
    """Fill an empty database with a year of demo history; see the package docstring."""
    if scale < 1:
        raise ValueError("The demo scale is a whole number of at least 1.")
    now = now or clock.now()
    if now.tzinfo is None:
        raise ValueError("build_demo needs a timezone-aware now.")
    report = progress or (lambda message: None)
    with _roomy_sqlite_cache(), transaction.atomic():
        if Contact.objects.exists() or Enquiry.objects.exists():
            raise DemoDatabaseNotEmpty(
                "demo data goes into an empty database; this one already holds contacts "
                "or enquiries (use a fresh HANDRAISE_DATA_DIR or database)"
            )
        build = Build.open(seed=seed, scale=scale, now=now.astimezone(UTC), progress=report)
        return _write_everything(build)


@contextmanager
def _roomy_sqlite_cache(kib: int = 200_000) -> Iterator[None]:
    """Give SQLite a large page cache for the build, then restore it. With the default
    2 MB, a million touchpoints and their four indexes spill pages to the WAL over and
    over inside the one transaction; PostgreSQL manages its own buffers."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {previous}")


def _write_everything(b: Build) -> DemoSummary:
    assets = create_assets(b)
    b.progress(f"Assets: {len(assets)}")
    themes = create_themes(b, assets)
    journeys = Journeys(b, assets)

    people = plan_people(b)
    enquiries = plan_enquiries(b, people, journeys)
    deals = plan_deals(b, people, enquiries)
    stories = tell_deals(b, deals, themes)
    first_responses = first_responses_without_deal(b, enquiries)
    plan_contact_visits(b, people, journeys)

    write_people(b, people)
    b.progress(f"Contacts: {len(people.persons)} in {len(people.orgs)} organisations")
    Enquiry.objects.bulk_create([plan.enquiry for plan in enquiries], batch_size=BATCH)
    # The intake writes an enquiry the moment it arrives.
    Enquiry.objects.update(created_at=F("received_at"))
    b.progress(f"Enquiries: {len(enquiries)}")

    Deal.objects.bulk_create([plan.deal for plan in deals], batch_size=BATCH)
    activities = first_responses + [a for story in stories for a in story.activities]
    Activity.objects.bulk_create(activities, batch_size=BATCH)
    signals = [s for story in stories for s in story.signals]
    Signal.objects.bulk_create(signals, batch_size=BATCH)
    backdate_themes(themes, signals, b.now)
    b.progress(f"Deals: {len(deals)}, activities: {len(activities)}, signals: {len(signals)}")

    cadences, enrolments = create_cadence(b, stories)
    create_ideal_client_profile()

    touchpoints = write_touchpoints(b, people, journeys)
    write_short_links(b)
    return DemoSummary(
        organisations=len(people.orgs),
        contacts=len(people.persons),
        contact_emails=sum(len(p.emails) for p in people.persons),
        contact_phones=sum(len(p.phones) for p in people.persons),
        assets=len(assets),
        touchpoints=touchpoints,
        enquiries=len(enquiries),
        deals=len(deals),
        activities=len(activities),
        signals=len(signals),
        themes=len(themes),
        cadences=cadences,
        cadence_enrolments=enrolments,
    )
