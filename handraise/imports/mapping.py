"""Which column of someone's file holds which of our fields.

Headers are compared by their letters and digits only, case-folded ("E-mail",
"email" and "EMAIL" are one), against aliases taken from the exports small
businesses actually have: HubSpot, Pipedrive (with or without its "Person - "
prefix), Google Contacts, a Mailchimp audience and a plain spreadsheet. A field
such as ``email`` may come from several columns (Google's "E-mail 1 - Value",
"E-mail 2 - Value"); all of them are kept. ``--map "Their column=our field"``
names what the aliases miss, and wins over them.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

_NOT_ALNUM = re.compile(r"[\W_]+")


def header_key(header: str) -> str:
    """'E-mail 1 - Value' -> 'email1value'."""
    return _NOT_ALNUM.sub("", header.casefold())


def _keys(*headers: str) -> tuple[str, ...]:
    return tuple(header_key(header) for header in headers)


# field -> the headers it is known by; fields in MULTI take every matching column.
CONTACT_ALIASES = {
    # The file's own id for the person, so a deals or activities file can name them by it.
    "external_id": _keys("Record ID", "Contact ID", "Person - ID", "ID"),
    "name": _keys("Name", "Full name", "Contact name", "Person - Name", "Display name", "Contact"),
    "first_name": _keys("First name", "Given name", "Person - First name", "FNAME"),
    "middle_name": _keys("Middle name", "Additional name"),
    "last_name": _keys("Last name", "Family name", "Surname", "Person - Last name", "LNAME"),
    "email": _keys(
        "Email",
        "E-mail",
        "Email address",
        "Work email",
        "Home email",
        "Person - Email",
        "Person - Email - Work",
        "Person - Email - Home",
        "Person - Email - Other",
        "Email - Work",
        "Email - Home",
        "Email - Other",
        *(f"E-mail {n} - Value" for n in range(1, 6)),
    ),
    "phone": _keys(
        "Phone",
        "Phone number",
        "Telephone",
        "Tel",
        "Mobile",
        "Mobile phone",
        "Mobile phone number",
        "Cell",
        "Work phone",
        "Person - Phone",
        "Person - Phone - Work",
        "Person - Phone - Mobile",
        "Person - Phone - Home",
        "Person - Phone - Other",
        "Phone - Work",
        "Phone - Mobile",
        *(f"Phone {n} - Value" for n in range(1, 6)),
    ),
    "organisation": _keys(
        "Company",
        "Company name",
        "Organisation",
        "Organization",
        "Organisation name",
        "Organization name",
        "Organization 1 - Name",
        "Person - Organization",
        "Associated company",
    ),
    "job_title": _keys(
        "Job title", "Title", "Position", "Organization title", "Organization 1 - Title"
    ),
    "notes": _keys("Notes", "Note", "Description"),
    "created_at": _keys(
        "Create date",
        "Created",
        "Created at",
        "Date added",
        "Person created",
        "Person - Person created",
        "Add time",
        "Person - Add time",
        "OPTIN_TIME",
    ),
}
MULTI = {"email", "phone"}


class MappingError(ValueError):
    """A --map that names a column or field that does not exist."""


@dataclass(frozen=True)
class Mapping:
    columns: dict[str, list[int]]  # our field -> the column indexes it is read from
    ignored: list[str]  # headers that feed no field

    def read(self, values: list[str]) -> dict[str, list[str]]:
        """Our fields from one row: each with its non-blank values, in column order."""
        fields = {}
        for name, indexes in self.columns.items():
            found = [values[i].strip() for i in indexes if i < len(values) and values[i].strip()]
            if found:
                fields[name] = found
        return fields

    def describe(self, header: list[str]) -> list[tuple[str, str]]:
        """(their column, our field) for each mapped column, in the file's order."""
        field_of = {i: name for name, indexes in self.columns.items() for i in indexes}
        return [(header[i], field_of[i]) for i in sorted(field_of)]


def parse_overrides(pairs: Iterable[str]) -> dict[str, str]:
    """["Their column=our field", ...] -> {header key: field}."""
    overrides = {}
    for pair in pairs:
        column, sep, field = pair.partition("=")
        if not sep or not column.strip() or not field.strip():
            raise MappingError(f'--map {pair!r} should look like --map "Their column=email".')
        overrides[header_key(column)] = field.strip()
    return overrides


def map_columns(
    header: list[str], aliases: dict[str, tuple[str, ...]], overrides: dict[str, str]
) -> Mapping:
    unknown = sorted({field for field in overrides.values() if field not in aliases})
    if unknown:
        raise MappingError(
            f"--map names {', '.join(unknown)}, which is not a field here; "
            f"the fields are {', '.join(aliases)}."
        )
    keys = [header_key(name) for name in header]
    missing = sorted(set(overrides) - set(keys))
    if missing:
        raise MappingError(f"--map names a column the file does not have: {', '.join(missing)}.")
    field_of_key = {key: field for field, known in aliases.items() for key in known}
    columns: dict[str, list[int]] = {}
    ignored = []
    for index, key in enumerate(keys):
        field = overrides.get(key) or field_of_key.get(key)
        if field is None:
            if header[index]:
                ignored.append(header[index])
            continue
        if field in columns and field not in MULTI:
            ignored.append(header[index])  # the first column named for it is the one read
            continue
        columns.setdefault(field, []).append(index)
    return Mapping(columns, ignored)


DEAL_ALIASES = {
    "external_id": _keys("Record ID", "Deal ID", "Deal - ID", "ID"),
    "title": _keys("Deal name", "Deal - Title", "Title", "Deal", "Name", "Deal title"),
    "stage": _keys("Deal stage", "Deal - Stage", "Stage", "Pipeline stage"),
    "status": _keys("Deal - Status", "Status"),
    "value": _keys("Amount", "Deal - Value", "Value", "Deal value", "Amount in company currency"),
    "currency": _keys("Deal - Currency", "Currency", "Deal currency code", "Currency code"),
    "contact_name": _keys(
        "Contact",
        "Contact name",
        "Deal - Contact person",
        "Contact person",
        "Person",
        "Associated contact",
        "Person - Name",
    ),
    "contact_email": _keys(
        "Contact email",
        "Email",
        "E-mail",
        "Person - Email",
        "Person - Email - Work",
        "Associated contact email",
    ),
    "contact_phone": _keys("Contact phone", "Phone", "Person - Phone", "Person - Phone - Work"),
    "organisation": _keys(
        "Company",
        "Company name",
        "Organisation",
        "Organization",
        "Deal - Organization",
        "Associated company",
    ),
    "owner": _keys("Deal owner", "Deal - Owner", "Owner", "Deal - Owner name"),
    "created_at": _keys(
        "Create date",
        "Created",
        "Created at",
        "Deal - Deal created",
        "Deal created",
        "Deal - Add time",
        "Add time",
    ),
    "closed_at": _keys("Closed at", "Closed", "Deal - Close time", "Close time"),
    "won_at": _keys("Deal - Won time", "Won time", "Won date"),
    "lost_at": _keys("Deal - Lost time", "Lost time", "Lost date"),
    "close_date": _keys("Close date", "Expected close date", "Deal - Expected close date"),
    "lost_reason": _keys(
        "Deal - Lost reason", "Lost reason", "Closed lost reason", "Reason", "Outcome reason"
    ),
    "origin": _keys("Origin", "Source", "Deal source", "Original source", "Lead source"),
}


ACTIVITY_ALIASES = {
    "external_id": _keys("Activity ID", "Activity - ID", "Engagement ID", "Record ID", "ID"),
    "kind": _keys("Activity type", "Activity - Type", "Type", "Engagement type", "Kind"),
    "subject": _keys(
        "Subject", "Activity - Subject", "Title", "Call title", "Email subject", "Meeting name"
    ),
    "body": _keys(
        "Body",
        "Notes",
        "Note",
        "Activity - Note",
        "Description",
        "Call notes",
        "Email body",
        "Meeting description",
    ),
    "occurred_at": _keys(
        "Activity date",
        "Date",
        "Timestamp",
        "Occurred at",
        "Created",
        "Create date",
        "Activity - Due date",
        "Activity - Add time",
        "Activity - Marked as done time",
    ),
    "direction": _keys("Direction", "Call direction", "Email direction"),
    "user": _keys(
        "Activity assigned to",
        "Activity - Assigned to user",
        "Owner",
        "User",
        "Created by",
        "Activity owner",
    ),
    "contact_name": _keys(
        "Contact",
        "Contact name",
        "Associated contact",
        "Activity - Contact person",
        "Person",
    ),
    "contact_email": _keys("Contact email", "Email", "Person - Email", "Associated contact email"),
    "contact_phone": _keys("Contact phone", "Phone", "Person - Phone"),
    "organisation": _keys("Company", "Associated company", "Activity - Organization"),
    "deal_id": _keys("Associated deal ID", "Deal ID", "Activity - Deal ID", "Deal - ID"),
    "deal_title": _keys("Associated deal", "Deal", "Deal name", "Deal - Title", "Activity - Deal"),
}
