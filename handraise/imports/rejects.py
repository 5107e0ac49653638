"""An erased person's rows taken out of the import rejects kept for download.

A web import keeps the rows it could not import (``ImportJob.rejects_path``, under
the data dir) so the owner can fix and import them again. A rejected row holds
what the file held: a person's name, email and phone. When that person is erased
(``privacy.services.erase_person``), every rejects file is rewritten without the
rows that name one of their email addresses (any cell, any case) or phone numbers
(the national number's digits inside a cell's digits, however it was written).

What it does not do: touch the CSV files a command-line import read or wrote
beside them (those are the owner's own files, outside Handraise), or find a
person by name alone (two people share names; an email or a phone is theirs).
Each file is read as a stream and replaced whole (a temporary file, then a
rename), so an interrupted erasure leaves the old file or the new one, never half.
"""

import csv
import os
import re
from collections.abc import Collection, Iterable

import defusedcsv.csv as safe_csv
import phonenumbers

from handraise.imports import jobs
from handraise.imports.models import ImportJob

MIN_PHONE_DIGITS = 6  # shorter than any national number: matching it would take strangers
_NOT_DIGITS = re.compile(r"\D+")


def erase_from_rejects(*, emails: Collection[str], phones: Collection[str]) -> dict[str, int]:
    """Remove the rows naming these emails or E.164 phones; {"import_rejects": rows removed}."""
    addresses = [email.strip().lower() for email in emails if email.strip()]
    numbers = _national_numbers(phones)
    if not addresses and not numbers:
        return {"import_rejects": 0}
    removed = 0
    paths = ImportJob.objects.exclude(rejects_path="").values_list("rejects_path", flat=True)
    for stored in paths:
        path = jobs.absolute(stored)
        if path.is_file():
            removed += _rewrite_without(path, addresses, numbers)
    return {"import_rejects": removed}


def _national_numbers(phones: Iterable[str]) -> list[str]:
    numbers = []
    for phone in phones:
        try:
            national = str(phonenumbers.parse(phone, None).national_number)
        except phonenumbers.NumberParseException:
            national = _NOT_DIGITS.sub("", phone)
        if len(national) >= MIN_PHONE_DIGITS:
            numbers.append(national)
    return numbers


def _names_them(row: list[str], addresses: list[str], numbers: list[str]) -> bool:
    for cell in row:
        lowered = cell.lower()
        if any(address in lowered for address in addresses):
            return True
        digits = _NOT_DIGITS.sub("", cell)
        if len(digits) >= MIN_PHONE_DIGITS and any(number in digits for number in numbers):
            return True
    return False


def _rewrite_without(path, addresses: list[str], numbers: list[str]) -> int:
    removed = 0
    replacement = path.with_name(path.name + ".erasing")
    with (
        path.open(encoding="utf-8", newline="") as source,
        replacement.open("w", encoding="utf-8", newline="") as target,
    ):
        reader = csv.reader(source)
        writer = safe_csv.writer(target)
        for number, row in enumerate(reader):
            # Row 0 is the header (line, reason, the file's own columns): always kept.
            if number and _names_them(row, addresses, numbers):
                removed += 1
                continue
            writer.writerow(row)
        target.flush()
        os.fsync(target.fileno())
    if removed:
        os.replace(replacement, path)
    else:
        replacement.unlink()
    return removed
