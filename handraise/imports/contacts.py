"""Importing contacts: each row checked, then recorded by the contacts service.

A row is read into our fields (``mapping``), cleaned like any untrusted text,
and its emails, phones and date checked; a row that fails any check is
rejected with its line number and reason, and the rows after it go on. Rows
are written in batches of ``BATCH``, one transaction each, so web-form
submissions arriving meanwhile wait for one batch at most (and spool if the
wait is longer). If the database refuses a row, only that batch is replayed one
row at a time, and only the row it refuses is rejected.

Resolution is the contacts service's (email, then phone, then exact name), so a
file imported twice, or an import killed half-way and run again, creates no one
twice. A dry run does all of this inside one transaction and rolls it back.
"""

import re
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from handraise.contacts.models import Contact, Organisation
from handraise.contacts.normalisation import normalise_email, normalise_phone
from handraise.contacts.services import record_imported_contact
from handraise.core.text import clean_text
from handraise.imports.dates import BadDate, parse_moment
from handraise.imports.mapping import Mapping
from handraise.imports.reading import BadRow, Row

BATCH = 500
NAME_LENGTH = Contact._meta.get_field("name").max_length
LIMITS = {
    "name": NAME_LENGTH,
    "organisation": Organisation._meta.get_field("name").max_length,
    "job_title": Contact._meta.get_field("job_title").max_length,
}


@dataclass(frozen=True)
class Rejected:
    line: int
    reason: str
    values: list[str]


@dataclass
class Outcome:
    counts: Counter = field(default_factory=Counter)  # new, email, phone, name, suggested
    rejected: list[Rejected] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return sum(self.counts[kind] for kind in ("new", "email", "phone", "name"))


@dataclass(frozen=True)
class Person:
    """One row, checked and ready for ``record_imported_contact``."""

    line: int
    values: list[str]
    fields: dict


class RowProblem(ValueError):
    pass


def import_contacts(
    rows: Iterable[Row | BadRow],
    *,
    header: list[str],
    mapping: Mapping,
    region: str,
    zone: ZoneInfo,
    date_order: str | None = None,
    dry_run: bool = False,
    on_row: Callable[[], None] = lambda: None,
) -> Outcome:
    outcome = Outcome()
    # A real import commits batch by batch; a dry run holds them all in one
    # transaction that is rolled back, so it counts exactly what would happen.
    with transaction.atomic() if dry_run else nullcontext():
        batch: list[Person] = []
        for row in rows:
            on_row()
            if isinstance(row, BadRow):
                outcome.rejected.append(Rejected(row.line, row.reason, []))
                continue
            try:
                batch.append(_person(row, header, mapping, region, zone, date_order))
            except RowProblem as problem:
                outcome.rejected.append(Rejected(row.line, str(problem), row.values))
            if len(batch) >= BATCH:
                _write(batch, outcome)
                batch = []
        _write(batch, outcome)
        if dry_run:
            transaction.set_rollback(True)
    outcome.rejected.sort(key=lambda rejected: rejected.line)
    return outcome


def _write(batch: list[Person], outcome: Outcome) -> None:
    """Record a batch in one transaction (a savepoint inside a dry run's)."""
    if not batch:
        return
    counts = Counter()
    try:
        with transaction.atomic():
            for person in batch:
                _count(counts, record_imported_contact(**person.fields))
    except DatabaseError:
        # Rare (the checks above catch what we know of): find the row it was.
        counts = Counter()
        for person in batch:
            try:
                with transaction.atomic():
                    _count(counts, record_imported_contact(**person.fields))
            except DatabaseError as error:
                reason = f"The database refused this row ({str(error).splitlines()[0]})."
                outcome.rejected.append(Rejected(person.line, reason, person.values))
    outcome.counts.update(counts)


def _count(counts: Counter, resolution) -> None:
    counts[resolution.matched_on] += 1
    if resolution.suggestion is not None:
        counts["suggested"] += 1


def _person(
    row: Row,
    header: list[str],
    mapping: Mapping,
    region: str,
    zone: ZoneInfo,
    date_order: str | None,
) -> Person:
    if len(row.values) > len(header) and any(v.strip() for v in row.values[len(header) :]):
        raise RowProblem(
            f"This row has {len(row.values)} values but the header names {len(header)} "
            "columns (a stray delimiter or quote?)."
        )
    read = {
        name: [clean_text(value, multiline=name == "notes") for value in values]
        for name, values in mapping.read(row.values).items()
    }
    first = lambda name: read.get(name, [""])[0].strip()  # noqa: E731
    name = first("name") or " ".join(
        part for part in (first("first_name"), first("middle_name"), first("last_name")) if part
    )
    emails = _checked(read.get("email", []), _EMAILS_IN_A_CELL, normalise_email, "email address")
    phones = _checked(
        read.get("phone", []),
        _PHONES_IN_A_CELL,
        lambda raw: normalise_phone(raw, region=region),
        "phone number",
    )
    if not (name or emails or phones):
        raise RowProblem("This row has no name, email address or phone number.")
    fields = {
        "name": name or (emails[0] if emails else phones[0]),
        "emails": emails,
        "phones": phones,
        "organisation": first("organisation"),
        "job_title": first("job_title"),
        "notes": "\n\n".join(read.get("notes", [])),
    }
    for key, limit in LIMITS.items():
        if len(fields[key]) > limit:
            raise RowProblem(f"The {key.replace('_', ' ')} is longer than {limit} characters.")
    if created := first("created_at"):
        try:
            fields["created_at"] = parse_moment(created, order=date_order, zone=zone)
        except BadDate as error:
            raise RowProblem(f"Created date: {error}") from None
    return Person(row.line, row.values, fields)


# Several values in one cell: "a@x.com, b@x.com", or Google Contacts' " ::: ".
_EMAILS_IN_A_CELL = re.compile(r":::|[,;\s]+")
_PHONES_IN_A_CELL = re.compile(r":::|;")


def _checked(
    values: list[str], separators: re.Pattern, normalise: Callable[[str], str], what: str
) -> list[str]:
    """Every value normalised, repeats dropped; ``RowProblem`` for the first bad one."""
    checked = {}
    for raw in values:
        for part in filter(None, (piece.strip() for piece in separators.split(raw))):
            try:
                checked[normalise(part)] = None
            except ValidationError as error:
                reason = " ".join(error.messages)
                raise RowProblem(f"{part!r} is not a valid {what}: {reason}") from None
    return list(checked)
