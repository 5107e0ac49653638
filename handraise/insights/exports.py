"""The business's data as CSV files a spreadsheet opens: `handraise export DIR` and downloads.

Each table is a list of columns (a heading and the lookup that fills it), read
with ``values_list`` in chunks, so a million touchpoints stream in constant
memory. Cells go through defusedcsv, which prefixes text a spreadsheet would run
as a formula (``=``, ``+``, ``-``, ``@`` ...) with an apostrophe: an enquirer's
"name" must never become a command on the owner's machine. Times are in the
business's time zone, with their offset.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from defusedcsv import csv
from django.db import models
from django.db.models import OuterRef, QuerySet, Subquery

from handraise.accounts.models import BusinessSettings
from handraise.contacts.models import Contact, ContactEmail, ContactPhone
from handraise.enquiries.models import Enquiry
from handraise.insights.models import Signal
from handraise.marketing.models import Touchpoint
from handraise.sales.models import Activity, Deal

CHUNK = 2000


@dataclass(frozen=True)
class Table:
    name: str
    model: type[models.Model]
    columns: list[tuple[str, str]]  # (heading, lookup)
    annotations: dict = field(default_factory=dict)

    def rows(self) -> QuerySet:
        return self.model.objects.annotate(**self.annotations).order_by("pk")

    def headings(self) -> list[str]:
        return [heading for heading, _ in self.columns]


def _primary(model, column: str) -> Subquery:
    rows = model.objects.filter(contact_id=OuterRef("pk")).order_by("-is_primary", "pk")
    return Subquery(rows.values(column)[:1])


DEALS = Table(
    "deals",
    Deal,
    [
        ("id", "pk"),
        ("title", "title"),
        ("contact id", "contact_id"),
        ("contact", "contact__name"),
        ("organisation", "contact__organisation__name"),
        ("stage", "stage__name"),
        ("origin", "origin"),
        ("owner", "owner__username"),
        ("value", "value"),
        ("currency", "currency"),
        ("next step", "next_step"),
        ("next step due", "next_step_due"),
        ("created", "created_at"),
        ("in stage since", "stage_entered_at"),
        ("last activity", "last_activity_at"),
        ("closed", "closed_at"),
        ("outcome reason", "outcome_reason__label"),
        ("outcome note", "outcome_note"),
        ("enquiry id", "enquiry_id"),
    ],
)

TABLES = [
    Table(
        "contacts",
        Contact,
        [
            ("id", "pk"),
            ("name", "name"),
            ("organisation", "organisation__name"),
            ("job title", "job_title"),
            ("email", "primary_email"),
            ("phone", "primary_phone"),
            ("notes", "notes"),
            ("created", "created_at"),
        ],
        annotations={
            "primary_email": _primary(ContactEmail, "email"),
            "primary_phone": _primary(ContactPhone, "number"),
        },
    ),
    Table(
        "enquiries",
        Enquiry,
        [
            ("id", "pk"),
            ("received", "received_at"),
            ("channel", "channel"),
            ("status", "status"),
            ("contact id", "contact_id"),
            ("name given", "from_name"),
            ("email given", "from_email"),
            ("phone given", "from_phone"),
            ("company given", "from_company"),
            ("message", "message"),
            ("response due", "response_due_at"),
            ("first response", "first_response_at"),
            ("acknowledged", "acknowledged_at"),
            ("utm source", "utm_source"),
            ("utm medium", "utm_medium"),
            ("utm campaign", "utm_campaign"),
            ("utm content", "utm_content"),
            ("utm term", "utm_term"),
            ("referrer", "referrer"),
            ("landing page", "landing_page"),
        ],
    ),
    DEALS,
    Table(
        "activities",
        Activity,
        [
            ("id", "pk"),
            ("when", "occurred_at"),
            ("kind", "kind"),
            ("direction", "direction"),
            ("contact id", "contact_id"),
            ("deal id", "deal_id"),
            ("enquiry id", "enquiry_id"),
            ("user", "user__username"),
            ("subject", "subject"),
            ("body", "body"),
            ("due", "due_at"),
            ("completed", "completed_at"),
        ],
    ),
    Table(
        "signals",
        Signal,
        [
            ("id", "pk"),
            ("captured", "captured_at"),
            ("kind", "kind"),
            ("text", "text"),
            ("contact id", "contact_id"),
            ("deal id", "deal_id"),
            ("theme", "theme__name"),
        ],
    ),
    Table(
        "touchpoints",
        Touchpoint,
        [
            ("id", "pk"),
            ("when", "occurred_at"),
            ("visitor id", "visitor_id"),
            ("contact id", "contact_id"),
            ("asset", "asset__title"),
            ("channel", "channel"),
            ("url", "url"),
            ("referrer", "referrer"),
            ("utm source", "utm_source"),
            ("utm medium", "utm_medium"),
            ("utm campaign", "utm_campaign"),
        ],
    ),
]


def write_table(table: Table, stream: TextIO, rows: QuerySet | None = None) -> int:
    """Write the table (or these of its rows) as CSV; how many rows were written."""
    writer = csv.writer(stream)
    writer.writerow(table.headings())
    count = 0
    for row in _cells(table, rows):
        writer.writerow(row)
        count += 1
    return count


def csv_lines(table: Table, rows: QuerySet | None = None) -> Iterator[str]:
    """The table as CSV text, a line at a time, for a streaming download."""
    line = _Line()
    writer = csv.writer(line)
    writer.writerow(table.headings())
    yield line.take()
    for row in _cells(table, rows):
        writer.writerow(row)
        yield line.take()


def export_all(directory: Path) -> list[tuple[str, int]]:
    """Every table into ``directory`` as <name>.csv; (file name, rows) for each."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for table in TABLES:
        path = directory / f"{table.name}.csv"
        # utf-8-sig: the byte-order mark is how Excel knows the file is UTF-8.
        with path.open("w", encoding="utf-8-sig", newline="") as stream:
            written.append((path.name, write_table(table, stream)))
    return written


def _cells(table: Table, rows: QuerySet | None) -> Iterable[list]:
    zone = BusinessSettings.load().zone
    queryset = table.rows() if rows is None else rows.order_by("pk")
    lookups = [lookup for _, lookup in table.columns]
    for values in queryset.values_list(*lookups).iterator(chunk_size=CHUNK):
        yield [_cell(value, zone) for value in values]


def _cell(value, zone: ZoneInfo):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(zone).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


class _Line:
    """A file-like the csv writer writes one row into, emptied by ``take``."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return len(text)

    def take(self) -> str:
        text, self.parts = "".join(self.parts), []
        return text
