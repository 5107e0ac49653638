"""The business's data as CSV files a spreadsheet opens: `handraise export DIR` and downloads.

Each table is a list of columns (a heading and the lookup that fills it), read
with ``values_list`` in chunks, so a million touchpoints stream in constant
memory; a column of several values (a contact's emails) is read for a chunk of
rows at a time. Cells go through defusedcsv, which prefixes text a spreadsheet
would run as a formula (``=``, ``+``, ``-``, ``@`` ...) with an apostrophe: an
enquirer's "name" must never become a command on the owner's machine (the import
takes the apostrophe off again). Times are in the business's time zone, with
their offset.

``export_all`` writes everything ``handraise import DIR`` needs to rebuild the
business in an empty install: the pipeline's stages, themes, quick tags, cadences,
forms and saved replies as CSV files, and the business's settings as one JSON file
(see ``settings_document``). Columns are only ever added at the end of a table:
other tools read these files by their headings.
"""

import json
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

from handraise.accounts.models import BusinessHours, BusinessSettings
from handraise.accounts.services import SETTINGS_FIELDS
from handraise.contacts.models import Contact, ContactEmail, ContactPhone, Organisation
from handraise.enquiries.models import Enquiry, Form, ReplyTemplate
from handraise.insights.models import IdealClientProfile, QuickTag, Signal, Theme
from handraise.marketing.models import Asset, Touchpoint
from handraise.sales.models import Activity, Cadence, Deal, OutcomeReason, Stage

CHUNK = 2000
SETTINGS_FILE = "settings.json"


@dataclass(frozen=True)
class Many:
    """A column of several values per row: ``model``'s ``value`` for each row's ``link``.

    Read for a chunk of rows in one query, joined into one cell by ``joiner``.
    """

    model: type[models.Model]
    link: str  # the field of ``model`` that points at the table's row
    value: str
    order: tuple[str, ...]
    joiner: str


@dataclass(frozen=True)
class Table:
    name: str
    model: type[models.Model]
    columns: list[tuple[str, "str | Many"]]  # (heading, lookup)
    annotations: dict = field(default_factory=dict)
    order: tuple[str, ...] = ("pk",)

    def rows(self) -> QuerySet:
        return self.model.objects.annotate(**self.annotations).order_by(*self.order)

    def headings(self) -> list[str]:
        return [heading for heading, _ in self.columns]


def _primary(model, column: str, contact: str = "pk") -> Subquery:
    rows = model.objects.filter(contact_id=OuterRef(contact)).order_by("-is_primary", "pk")
    return Subquery(rows.values(column)[:1])


# Primary first, as the contact page shows them. Normalised emails hold no comma or
# space and E.164 numbers no semicolon, so the cell splits back apart on import.
ALL_EMAILS = Many(ContactEmail, "contact", "email", ("-is_primary", "pk"), ", ")
ALL_PHONES = Many(ContactPhone, "contact", "number", ("-is_primary", "pk"), "; ")
# A theme's name may hold a comma; it holds no line break.
THEMES_ANSWERED = Many(Theme.answered_by.through, "asset", "theme__name", ("pk",), "\n")


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
        # So a deals file stands alone: the person is found again by their address.
        ("contact email", "contact_email"),
    ],
    annotations={"contact_email": _primary(ContactEmail, "email", "contact_id")},
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
            ("emails", ALL_EMAILS),
            ("phones", ALL_PHONES),
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
            ("form", "form__slug"),
            ("visitor id", "visitor_id"),
            ("fit score", "fit_score"),
            ("first response by", "first_response_by__username"),
            ("reminded", "reminded_at"),
            ("escalated", "escalated_at"),
            ("created", "created_at"),
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
            ("activity id", "activity_id"),
            ("captured by", "captured_by__username"),
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
            ("asset id", "asset_id"),
            ("utm content", "utm_content"),
            ("utm term", "utm_term"),
        ],
    ),
    # What the business is set up with; `handraise import DIR` reads these first.
    Table(
        "stages",
        Stage,
        [
            ("name", "name"),
            ("position", "position"),
            ("probability", "probability"),
            ("won", "is_won"),
            ("lost", "is_lost"),
            ("stale after days", "stale_after_days"),
        ],
    ),
    Table(
        "themes",
        Theme,
        [
            ("name", "name"),
            ("description", "description"),
            ("content idea", "content_idea"),
            ("created", "created_at"),
        ],
    ),
    Table(
        "quick-tags",
        QuickTag,
        [
            ("kind", "kind"),
            ("label", "label"),
            ("theme", "theme__name"),
            ("position", "position"),
            ("active", "is_active"),
        ],
    ),
    # One row per step; a cadence without steps has one row with the step columns blank.
    Table(
        "cadences",
        Cadence,
        [
            ("cadence", "name"),
            ("description", "description"),
            ("enrol on stage", "enrol_on_stage__name"),
            ("send without approval", "send_without_approval"),
            ("active", "is_active"),
            ("step", "steps__position"),
            ("business days after", "steps__business_days_after"),
            ("step kind", "steps__kind"),
            ("subject", "steps__subject"),
            ("body", "steps__body"),
        ],
        order=("pk", "steps__position"),
    ),
    Table(
        "forms",
        Form,
        [
            ("slug", "slug"),
            ("name", "name"),
            ("fields", "fields"),
            ("thank you message", "thank_you_message"),
            ("thank you url", "thank_you_url"),
            ("allowed origins", "allowed_origins"),
            ("active", "is_active"),
            ("notify", Many(Form.notify.through, "form", "user__username", ("pk",), ", ")),
            ("created", "created_at"),
        ],
    ),
    Table(
        "organisations",
        Organisation,
        [
            ("name", "name"),
            ("domain", "domain"),
            ("website", "website"),
            ("industry", "industry"),
            ("employees", "employees"),
            ("created", "created_at"),
        ],
    ),
    Table(
        "reply-templates",
        ReplyTemplate,
        [("name", "name"), ("subject", "subject"), ("body", "body")],
    ),
    Table(
        "assets",
        Asset,
        [
            ("id", "pk"),
            ("kind", "kind"),
            ("title", "title"),
            ("url", "url"),
            ("summary", "summary"),
            ("published", "published_at"),
            ("created", "created_at"),
            # A theme's name may hold a comma; it holds no line break.
            (
                "answers themes",
                Many(Theme.answered_by.through, "asset", "theme__name", ("pk",), "\n"),
            ),
            ("topics", "topics"),  # a JSON list of strings
            ("archived", "archived_at"),
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
    """Every table into ``directory`` as <name>.csv, and the settings as settings.json;
    (file name, rows) for each."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for table in TABLES:
        path = directory / f"{table.name}.csv"
        # utf-8-sig: the byte-order mark is how Excel knows the file is UTF-8.
        with path.open("w", encoding="utf-8-sig", newline="") as stream:
            written.append((path.name, write_table(table, stream)))
    path = directory / SETTINGS_FILE
    path.write_text(json.dumps(settings_document(), indent=2, ensure_ascii=False) + "\n", "utf-8")
    written.append((path.name, 1))
    return written


def settings_document() -> dict:
    """The business's settings, opening hours, outcome reasons and ideal client profiles.

    One JSON file rather than CSV: each is a handful of rows of differing shapes
    (a singleton, weekly windows, lists of industries and regions) that nobody
    edits in a spreadsheet, and JSON keeps their lists and numbers as they are.
    """
    business = BusinessSettings.load()
    return {
        "business": {name: getattr(business, name) for name in SETTINGS_FIELDS},
        "business_hours": [
            {"weekday": w.weekday, "opens": w.opens.isoformat(), "closes": w.closes.isoformat()}
            for w in BusinessHours.objects.order_by("weekday", "opens")
        ],
        "outcome_reasons": list(
            OutcomeReason.objects.order_by("outcome", "position", "pk").values(
                "outcome", "label", "position"
            )
        ),
        "ideal_client_profiles": [
            {
                "name": profile.name,
                "description": profile.description,
                "industries": profile.industries,
                "min_employees": profile.min_employees,
                "max_employees": profile.max_employees,
                "min_deal_value": (
                    None if profile.min_deal_value is None else format(profile.min_deal_value, "f")
                ),
                "regions": profile.regions,
                "keywords": profile.keywords,
                "is_active": profile.is_active,
            }
            for profile in IdealClientProfile.objects.order_by("pk")
        ],
    }


def _cells(table: Table, rows: QuerySet | None) -> Iterable[list]:
    zone = BusinessSettings.load().zone
    queryset = (
        table.rows() if rows is None else rows.annotate(**table.annotations).order_by(*table.order)
    )
    plain = [lookup for _, lookup in table.columns if isinstance(lookup, str)]
    many = [lookup for _, lookup in table.columns if isinstance(lookup, Many)]
    chunk: list[tuple] = []
    for values in queryset.values_list("pk", *plain).iterator(chunk_size=CHUNK):
        chunk.append(values)
        if len(chunk) >= CHUNK:
            yield from _chunk_cells(table, chunk, many, zone)
            chunk = []
    yield from _chunk_cells(table, chunk, many, zone)


def _chunk_cells(table: Table, chunk: list[tuple], many: list[Many], zone: ZoneInfo):
    if not chunk:
        return
    joined = [_joined(column, [values[0] for values in chunk]) for column in many]
    for values in chunk:
        plain, row = iter(values[1:]), []
        for _, lookup in table.columns:
            if isinstance(lookup, Many):
                row.append(joined[many.index(lookup)].get(values[0], ""))
            else:
                row.append(_cell(next(plain), zone))
        yield row


def _joined(column: Many, pks: list[int]) -> dict[int, str]:
    """Each row's values of a ``Many`` column, joined into one cell."""
    found: dict[int, list[str]] = {}
    rows = column.model.objects.filter(**{f"{column.link}_id__in": set(pks)})
    for pk, value in rows.order_by(*column.order).values_list(f"{column.link}_id", column.value):
        found.setdefault(pk, []).append(value)
    return {pk: column.joiner.join(values) for pk, values in found.items()}


def _cell(value, zone: ZoneInfo):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        # Whole seconds unless the time has a fraction: an import must get back the very moment.
        return value.astimezone(zone).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
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
