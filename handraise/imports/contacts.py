"""Importing contacts: each row checked, then a batch at a time recorded by the contacts service.

A row is read into our fields (``mapping``), cleaned like any untrusted text,
and its emails, phones and date checked (``batches`` runs the rows). Resolution
is the contacts service's (email, then phone, then exact name), so a file
imported twice, or an import killed half-way and run again, creates no one twice.
A row that carries the file's own id for the person ("Record ID", "Person - ID")
is remembered under it, so a deals or activities file can name the person by it,
and a second import of the file finds them by it first.
"""

import dataclasses
import functools
from collections.abc import Callable, Iterable
from zoneinfo import ZoneInfo

from handraise.contacts.imported import ImportedPerson, Lookalikes, record_imported_contacts
from handraise.contacts.models import (
    Contact,
    ContactEmail,
    ContactPhone,
    MergeSuggestion,
    Organisation,
)
from handraise.contacts.services import Resolution
from handraise.core.bulk import GrowingTables
from handraise.imports.batches import Outcome, RowProblem, run_rows
from handraise.imports.fields import Fields, over_limit
from handraise.imports.mapping import Mapping
from handraise.imports.models import ImportedRecord
from handraise.imports.reading import BadRow, Row
from handraise.imports.records import Remembered, record_key, remember_many
from handraise.imports.selectors import imported_among

NAME_LENGTH = Contact._meta.get_field("name").max_length
LIMITS = {
    "name": NAME_LENGTH,
    "organisation": Organisation._meta.get_field("name").max_length,
    "job_title": Contact._meta.get_field("job_title").max_length,
}
# Where a contact's own id in someone's file is remembered: see ``contact_id_key``.
CONTACT_IDS = "contact ids"


def contact_id_key(their_id: str) -> str:
    return record_key("id", their_id)


def import_contacts(
    rows: Iterable[Row | BadRow],
    *,
    header: list[str],
    mapping: Mapping,
    region: str,
    zone: ZoneInfo,
    file_name: str,
    date_order: str | None = None,
    dry_run: bool = False,
    distinct: bool = False,
    on_row: Callable[[], None] = lambda: None,
    check_elsewhere: bool = False,
) -> Outcome:
    """``distinct``: every row is a different person (our own export; see ImportedPerson).
    ``check_elsewhere``: rows are checked in a second process (see ``batches``)."""
    lookalikes = Lookalikes()  # kept across the batches: see its docstring
    tables = GrowingTables(
        Contact, ContactEmail, ContactPhone, Organisation, MergeSuggestion, ImportedRecord
    )

    def write_many(items: list[tuple[str, ImportedPerson]]) -> list[list[str]]:
        known = imported_among(
            kind=CONTACT_IDS, keys=[contact_id_key(their_id) for their_id, _ in items if their_id]
        )
        people = [
            dataclasses.replace(
                person,
                known=known.get(contact_id_key(their_id)) if their_id else None,
                distinct=distinct,
            )
            for their_id, person in items
        ]
        resolutions = record_imported_contacts(people, lookalikes)
        remembered = [
            Remembered(CONTACT_IDS, contact_id_key(their_id), resolution.contact.pk)
            for (their_id, _), resolution in zip(items, resolutions, strict=True)
            if their_id
        ]
        remember_many(remembered + new_contacts(resolutions), file_name=file_name)
        tables.grew(len(items))
        return [resolution_counts(resolution) for resolution in resolutions]

    return run_rows(
        rows,
        check=functools.partial(
            _person, header=header, mapping=mapping, region=region, zone=zone, date_order=date_order
        ),
        write_many=write_many,
        dry_run=dry_run,
        on_row=on_row,
        check_elsewhere=check_elsewhere,
    )


def new_contacts(resolutions: Iterable[Resolution]) -> list[Remembered]:
    """A person an import added says so on their timeline (one it matched does not)."""
    return [
        Remembered("contacts", record_key("contact", str(r.contact.pk)), r.contact.pk)
        for r in resolutions
        if r.matched_on == "new"
    ]


def remember_new_contact(resolution: Resolution, *, file_name: str) -> None:
    remember_many(new_contacts([resolution]), file_name=file_name)


def resolution_counts(resolution: Resolution) -> list[str]:
    """What happened to a person: new or matched (on what), and any merge suggestion."""
    return [resolution.matched_on] + (["suggested"] if resolution.suggestion else [])


def _person(
    row: Row,
    *,
    header: list[str],
    mapping: Mapping,
    region: str,
    zone: ZoneInfo,
    date_order: str | None,
) -> tuple[str, ImportedPerson]:
    read = Fields(row, header, mapping)
    name = read.first("name") or " ".join(
        filter(None, (read.first("first_name"), read.first("middle_name"), read.first("last_name")))
    )
    emails, phones = read.emails(), read.phones(region)
    if not (name or emails or phones):
        raise RowProblem("This row has no name, email address or phone number.")
    fields = {
        "name": name or (emails[0] if emails else phones[0]),
        "emails": emails,
        "phones": phones,
        "organisation": read.first("organisation"),
        "job_title": read.first("job_title"),
        "notes": "\n\n".join(read.all("notes")),
    }
    over_limit(fields, LIMITS)
    fields["created_at"] = read.moment(
        "created_at", label="Created date", order=date_order, zone=zone
    )
    return read.first("external_id"), ImportedPerson(**fields)
