"""Importing signals: the questions, objections, praise and competitor mentions heard.

Each signal keeps when it was captured and joins the theme of its name (made if
new) through ``insights.services.record_imported_signal``. Its person, deal and
activity are those imported for the row's ids (``import DIR`` reads them first);
without a contact id the person is found by name or email as a contact import
would. Remembered under the file's id (or its kind, person, time and words), so
importing again adds nothing.
"""

from django.core.exceptions import ValidationError

from handraise.accounts.services import historical_user
from handraise.contacts.imported import record_imported_contact
from handraise.imports.batches import RowProblem
from handraise.imports.contacts import remember_new_contact
from handraise.imports.exported import (
    ACTIVITIES,
    DEALS,
    SIGNALS,
    Context,
    exported,
    exported_contact,
)
from handraise.imports.fields import Fields, one_of, over_limit
from handraise.imports.mapping import Mapping
from handraise.imports.reading import Row
from handraise.imports.records import record_key, remember
from handraise.imports.selectors import already_imported
from handraise.insights.models import Signal, Theme
from handraise.insights.services import SIGNAL_TEXT_MAX, record_imported_signal

KIND = SIGNALS
LIMITS = {"text": SIGNAL_TEXT_MAX, "theme": Theme._meta.get_field("name").max_length}


def check_row(row: Row, header: list[str], mapping: Mapping, context: Context) -> dict:
    read = Fields(row, header, mapping)
    captured = read.moment("captured_at", label="Captured", order=None, zone=context.zone)
    if captured is None:
        raise RowProblem("This signal has no date it was captured.")
    text = read.first("text")
    if not text:
        raise RowProblem("This signal has no text.")
    over_limit({"text": text, "theme": read.first("theme")}, LIMITS)
    kind = one_of(read.first("kind"), Signal.Kind, "kind of signal")
    contact_id = read.first("contact_id")
    person = None
    if not contact_id:
        emails = read.emails("contact_email")
        name = read.first("contact_name") or (emails[0] if emails else "")
        if not name:
            raise RowProblem("This signal names no contact (an id, a name or an email).")
        person = {"name": name[:200], "emails": emails}
    identity = read.first("external_id")
    who = contact_id or (person["emails"] or [person["name"]])[0]
    return {
        "key": record_key(
            *(("id", identity) if identity else ("row", kind, who, captured.isoformat(), text))
        ),
        "contact_id": contact_id,
        "person": person,
        "deal_id": read.first("deal_id"),
        "activity_id": read.first("activity_id"),
        "captured_by": read.first("captured_by"),
        "kind": kind,
        "text": text,
        "theme_name": read.first("theme"),
        "captured_at": captured,
    }


def record(item: dict, context: Context) -> list[str]:
    fields = dict(item)  # a batch may be replayed row by row: leave the item whole
    key = fields.pop("key")
    if already_imported(kind=KIND, key=key) is not None:
        return ["already here"]
    contact_pk, person = exported_contact(context, fields.pop("contact_id")), fields.pop("person")
    counts = []
    if person is not None:
        resolution = record_imported_contact(**person)
        remember_new_contact(resolution, file_name=context.file_name)
        contact_pk = resolution.contact.pk
        counts = ["contact new"] if resolution.matched_on == "new" else []
    try:
        signal = record_imported_signal(
            contact_id=contact_pk,
            deal_id=exported(context, DEALS, fields.pop("deal_id"), "deal"),
            activity_id=exported(context, ACTIVITIES, fields.pop("activity_id"), "activity"),
            captured_by=historical_user(fields.pop("captured_by")),
            **fields,
        )
    except ValidationError as error:
        raise RowProblem(" ".join(error.messages)) from None
    remember(kind=KIND, key=key, object_id=signal.pk, file_name=context.file_name)
    return ["new", *counts]
