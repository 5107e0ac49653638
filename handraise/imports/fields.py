"""One row's values as our fields: cleaned, and checked the way every kind needs.

Shared by the contact and deal imports: the row's width against the header,
text cleaned like any untrusted input (``core.text``), emails and phones
normalised as intake does, several in one cell split apart, dates read.
"""

import re
from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError

from handraise.contacts.normalisation import normalise_email, normalise_phone
from handraise.core.text import clean_text
from handraise.imports.batches import RowProblem
from handraise.imports.dates import BadDate, parse_moment
from handraise.imports.mapping import Mapping
from handraise.imports.reading import Row

MULTILINE = {"notes", "outcome_note", "body"}
# Several values in one cell: "a@x.com, b@x.com", or Google Contacts' " ::: ".
_EMAILS_IN_A_CELL = re.compile(r":::|[,;\s]+")
_PHONES_IN_A_CELL = re.compile(r":::|;")


class Fields:
    def __init__(self, row: Row, header: list[str], mapping: Mapping) -> None:
        width = len(header)
        if len(row.values) > width and any(v.strip() for v in row.values[width:]):
            raise RowProblem(
                f"This row has {len(row.values)} values but the header names {width} "
                "columns (a stray delimiter or quote?)."
            )
        self.values = {
            name: [clean_text(value, multiline=name in MULTILINE).strip() for value in found]
            for name, found in mapping.read(row.values).items()
        }

    def first(self, name: str) -> str:
        return self.values.get(name, [""])[0]

    def all(self, name: str) -> list[str]:
        return self.values.get(name, [])

    def emails(self, name: str = "email") -> list[str]:
        return _checked(self.all(name), _EMAILS_IN_A_CELL, normalise_email, "email address")

    def phones(self, region: str, name: str = "phone") -> list[str]:
        return _checked(
            self.all(name),
            _PHONES_IN_A_CELL,
            lambda raw: normalise_phone(raw, region=region),
            "phone number",
        )

    def moment(self, name: str, *, label: str, order: str | None, zone: ZoneInfo):
        """The named date as an aware datetime, None when blank."""
        text = self.first(name)
        if not text:
            return None
        try:
            return parse_moment(text, order=order, zone=zone)
        except BadDate as error:
            raise RowProblem(f"{label}: {error}") from None


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


def over_limit(fields: dict, limits: dict[str, int]) -> None:
    for key, limit in limits.items():
        if len(fields.get(key) or "") > limit:
            raise RowProblem(f"The {key.replace('_', ' ')} is longer than {limit} characters.")
