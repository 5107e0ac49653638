"""Demo data: a year in the life of a small consultancy, so Handraise has something to show.

``build_demo`` fills an empty database with the twelve months before ``now`` of
Northbank Process Consulting, a UK operations consultancy: organisations and contacts,
marketing assets and the touchpoints visitors left on them, enquiries with their
response clock, deals in every stage with their activities, signals grouped into
themes, an ideal client profile and a proposal follow-up cadence. ``scale`` multiplies
the volumes (scale 1 is about 10,000 touchpoints, scale 100 about a million).

The same seed, scale and ``now`` give the same rows: every random choice comes from a
``random.Random`` seeded per table, never from the global generator, database ids or
the order of a set. Rows are planned in Python and written with ``bulk_create`` in one
transaction (touchpoints in chunks), so a failed run leaves nothing behind.

It deliberately does not go through the services: nothing is acknowledged, notified,
queued or sent, no users are created (deals have no owner), and it never deletes
anything; it refuses a database that already holds contacts or enquiries.

The modules follow a build: ``run`` plans every table, then writes them in order;
``build`` is what every table's generator shares (seed, window, calendar); ``marketing``,
``people``, ``enquiries``, ``deals``, ``activities`` and ``touchpoints`` each plan one
part of the history; ``words`` holds the word lists and fixed data they draw on. Other
code imports only the names below.
"""

from handraise.demo.run import DemoDatabaseNotEmpty, DemoSummary, build_demo
from handraise.demo.words import BUSINESS_NAME

__all__ = ["BUSINESS_NAME", "DemoDatabaseNotEmpty", "DemoSummary", "build_demo"]
