"""Dates and times as spreadsheets write them, read into aware moments.

ISO 8601 first (what HubSpot, Pipedrive and our own export write); then the
day-first and month-first forms people type (25/12/2024, 12/25/2024 3:30 PM),
read by python-dateutil. "03/04/2024" could be either: without ``--date-order``
such a value is refused with a message that says how to settle it, rather than
guessed. A value without a time zone is in the business's.
"""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from dateutil import parser as dateutil_parser

ORDERS = ("dmy", "mdy")
_LEADING_NUMBERS = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-]\d{2,4}\b")


class BadDate(ValueError):
    pass


def parse_moment(value: str, *, order: str | None, zone: ZoneInfo) -> datetime:
    """``value`` as an aware datetime; ``BadDate`` with a readable reason if it is not one."""
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = _typed(text, order)
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _typed(text: str, order: str | None) -> datetime:
    numbers = _LEADING_NUMBERS.match(text)
    if numbers and order is None:
        first, second = int(numbers[1]), int(numbers[2])
        if first <= 12 and second <= 12 and first != second:
            raise BadDate(
                f"{text!r} could be day-first or month-first: "
                "run again with --date-order dmy or --date-order mdy."
            )
        order = "dmy" if first > 12 else "mdy"
    try:
        return dateutil_parser.parse(text, dayfirst=order == "dmy")
    except (ValueError, OverflowError):
        raise BadDate(f"{text!r} is not a date.") from None
