"""One row's values as our fields: cleaned, and checked the way every kind needs.

Shared by every kind of import: the row's width against the header, the
apostrophe our export (defusedcsv) puts before text a spreadsheet would run as a
formula taken off again, text cleaned like any untrusted input (``core.text``),
emails and phones normalised as intake does, several in one cell split apart,
dates, numbers and yes/no read.
"""

import re
from collections.abc import Callable
from functools import cache
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import Choices

from handraise.contacts.normalisation import normalise_email, normalise_phone
from handraise.core.text import clean_text
from handraise.imports.batches import RowProblem
from handraise.imports.dates import BadDate, parse_moment
from handraise.imports.mapping import Mapping, header_key
from handraise.imports.reading import Row

MULTILINE = {"notes", "outcome_note", "body", "message", "text", "summary", "description"}
MULTILINE |= {"content_idea", "thank_you_message", "allowed_origins", "themes"}
# defusedcsv writes "=1+1" as "'=1+1" (and "|" as "\\|" in it) so a spreadsheet shows text.
_DEFUSED = re.compile(r"'[=+\-@|%]")
YES = {"yes", "y", "true", "1", "on"}
NO = {"no", "n", "false", "0", "off"}
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
            name: [
                clean_text(_undefused(value), multiline=name in MULTILINE).strip()
                for value in found
            ]
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

    def flag(self, name: str, *, default: bool) -> bool:
        text = self.first(name).casefold()
        if not text:
            return default
        if text in YES or text in NO:
            return text in YES
        raise RowProblem(f"{name.replace('_', ' ').capitalize()}: say yes or no, not {text!r}.")

    def whole(self, name: str) -> int | None:
        """The named whole number (0 or more), None when blank."""
        text = self.first(name).replace(",", "")
        if not text:
            return None
        if not text.isdigit() or len(text) > 9:
            raise RowProblem(f"{name.replace('_', ' ').capitalize()}: {text!r} is not a number.")
        return int(text)


def _undefused(value: str) -> str:
    """Text as it was before a defused CSV writer protected it."""
    if value[:1] == "'" and _DEFUSED.match(value):  # a million cells: skip the regex
        return value[1:].replace("\\|", "|")
    return value


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


def one_of(given: str, choices: type[Choices], what: str, aliases: dict | None = None) -> str:
    """``given`` as one of ``choices`` (a model's TextChoices), by value or label in any
    case or spacing, or by one of ``aliases`` (header_key -> value); ``RowProblem``
    naming the values otherwise."""
    key = header_key(given)
    found = _choice_keys(choices).get(key) or (aliases or {}).get(key)
    if found is None:
        known = ", ".join(value for value in choices.values if value)
        raise RowProblem(f"{given!r} is not a {what} we know ({known}).")
    return found


@cache
def _choice_keys(choices: type[Choices]) -> dict[str, str]:
    # Read per row of a million-row file: built once per kind of choice.
    keys = {header_key(label): value for value, label in choices.choices}
    return keys | {header_key(value): value for value in choices.values}
