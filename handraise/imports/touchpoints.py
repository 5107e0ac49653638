"""Importing touchpoints: visits, a million rows at demo scale 100, in constant memory.

Rows stream from the file and are checked one by one like every import's, and
``batches.run_rows`` hands them over a batch at a time: one query says which of
the batch were imported before, one bulk INSERT
(``marketing.services.record_imported_touchpoints``) writes the rest and one
remembers them, in the batch's transaction (a batch the database refuses is
replayed row by row, as for every kind).

A touchpoint's contact is the one imported for its "contact id", else the contact
with its email (a visit never makes a contact); its asset is the one imported for
its "asset id", else the first asset of its title. Nothing is claimed or
attributed: history keeps the contact it had.
"""

from collections.abc import Callable, Iterable

from handraise.imports.batches import Outcome, RowProblem, run_rows
from handraise.imports.exported import ASSETS, TOUCHPOINTS, Context, exported, exported_contact
from handraise.imports.fields import Fields, one_of, over_limit
from handraise.imports.mapping import Mapping
from handraise.imports.reading import BadRow, Row
from handraise.imports.records import Remembered, record_key, remember_many
from handraise.imports.selectors import already_among, asset_titled, contact_with_email
from handraise.marketing.models import Channel, Touchpoint
from handraise.marketing.services import record_imported_touchpoints

KIND = TOUCHPOINTS
TEXT_FIELDS = ("visitor_id", "url", "referrer", "utm_source", "utm_medium", "utm_campaign")
TEXT_FIELDS += ("utm_content", "utm_term")
LIMITS = {name: Touchpoint._meta.get_field(name).max_length for name in TEXT_FIELDS}


def import_touchpoints(
    rows: Iterable[Row | BadRow],
    *,
    header: list[str],
    mapping: Mapping,
    context: Context,
    dry_run: bool = False,
    on_row: Callable[[], None] = lambda: None,
) -> Outcome:
    assets: dict[str, int | None] = {}  # title -> asset, read once per title
    return run_rows(
        rows,
        check=lambda row: check_row(row, header, mapping, context, assets),
        write_many=lambda items: _write(items, context),
        dry_run=dry_run,
        on_row=on_row,
    )


def check_row(
    row: Row, header: list[str], mapping: Mapping, context: Context, assets: dict
) -> dict:
    read = Fields(row, header, mapping)
    occurred = read.moment("occurred_at", label="When", order=None, zone=context.zone)
    if occurred is None:
        raise RowProblem("This touchpoint has no time.")
    fields = {name: read.first(name) for name in TEXT_FIELDS}
    over_limit(fields, LIMITS)
    given = read.first("channel")
    try:
        channel = one_of(given, Channel, "channel") if given else Channel.DIRECT
    except RowProblem:
        channel = Channel.OTHER  # analytics tools have more channel groups than we do
    contact_id = exported_contact(context, read.first("contact_id"))
    if contact_id is None and read.first("contact_email"):
        emails = read.emails("contact_email")
        contact_id = contact_with_email(emails[0]) if emails else None
    asset_id = exported(context, ASSETS, read.first("asset_id"), "asset")
    title = read.first("asset")
    if asset_id is None and title:
        if title not in assets:
            assets[title] = asset_titled(title)
        asset_id = assets[title]
    identity = read.first("external_id")
    return {
        "key": record_key(
            *(
                ("id", identity)
                if identity
                else ("row", fields["visitor_id"], occurred.isoformat(), fields["url"])
            )
        ),
        "fields": {
            **fields,
            "channel": channel,
            "contact_id": contact_id,
            "asset_id": asset_id,
            "occurred_at": occurred,
        },
    }


def _write(items: list[dict], context: Context) -> list[list[str]]:
    """One batch: what each item came to ("new", "already here")."""
    seen = already_among(kind=KIND, keys=[item["key"] for item in items])
    outcomes, fresh = [], []
    for item in items:
        if item["key"] in seen:
            outcomes.append(["already here"])
        else:
            seen.add(item["key"])  # the same row twice in one file is one touchpoint
            fresh.append(item)
            outcomes.append(["new"])
    made = record_imported_touchpoints(touchpoints=[item["fields"] for item in fresh])
    remember_many(
        (
            Remembered(KIND, item["key"], touchpoint_id)
            for item, touchpoint_id in zip(fresh, made, strict=True)
        ),
        file_name=context.file_name,
    )
    return outcomes
