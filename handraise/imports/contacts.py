"""Importing contacts: each row checked, then recorded by the contacts service.

A row is read into our fields (``mapping``), cleaned like any untrusted text,
and its emails, phones and date checked (``batches`` runs the rows). Resolution
is the contacts service's (email, then phone, then exact name), so a file
imported twice, or an import killed half-way and run again, creates no one twice.
"""

from collections.abc import Callable, Iterable
from zoneinfo import ZoneInfo

from handraise.contacts.models import Contact, Organisation
from handraise.contacts.services import Resolution, record_imported_contact
from handraise.imports.batches import Outcome, RowProblem, run_rows
from handraise.imports.fields import Fields, over_limit
from handraise.imports.mapping import Mapping
from handraise.imports.reading import BadRow, Row
from handraise.imports.records import record_key, remember

NAME_LENGTH = Contact._meta.get_field("name").max_length
LIMITS = {
    "name": NAME_LENGTH,
    "organisation": Organisation._meta.get_field("name").max_length,
    "job_title": Contact._meta.get_field("job_title").max_length,
}


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
    on_row: Callable[[], None] = lambda: None,
) -> Outcome:
    def write(fields: dict) -> list[str]:
        resolution = record_imported_contact(**fields)
        remember_new_contact(resolution, file_name=file_name)
        return resolution_counts(resolution)

    return run_rows(
        rows,
        check=lambda row: _person(row, header, mapping, region, zone, date_order),
        write=write,
        dry_run=dry_run,
        on_row=on_row,
    )


def remember_new_contact(resolution: Resolution, *, file_name: str) -> None:
    """A person this import added says so on their timeline (one it matched does not)."""
    if resolution.matched_on == "new":
        contact_id = resolution.contact.pk
        remember(
            kind="contacts",
            key=record_key("contact", str(contact_id)),
            object_id=contact_id,
            file_name=file_name,
        )


def resolution_counts(resolution: Resolution) -> list[str]:
    """What happened to a person: new or matched (on what), and any merge suggestion."""
    return [resolution.matched_on] + (["suggested"] if resolution.suggestion else [])


def _person(
    row: Row,
    header: list[str],
    mapping: Mapping,
    region: str,
    zone: ZoneInfo,
    date_order: str | None,
) -> dict:
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
    created = read.moment("created_at", label="Created date", order=date_order, zone=zone)
    if created:
        fields["created_at"] = created
    return fields
