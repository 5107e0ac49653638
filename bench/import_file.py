"""The file benchmark 6 imports: a HubSpot-style contacts export of made-up people.

Every row has a name (``people.py``: real surname shares, a long tail), a unique
email, and seven in ten a UK mobile, six in ten a company of unequal size, a job
title for half, and a created date over the last five years. One row in twenty
(``REPEAT_SHARE``) repeats an earlier person, as exports do when someone signed
up twice: the same email in other capitals, sometimes with a phone the first row
lacked. Seeded, so the same seed writes the same file. Nothing here needs Django.
"""

import csv
import datetime
from pathlib import Path

from bench.people import People

REPEAT_SHARE = 0.05
HEADER = [
    "Record ID",
    "First Name",
    "Last Name",
    "Email",
    "Phone Number",
    "Company Name",
    "Job Title",
    "Create Date",
]
JOB_TITLES = ["Director", "Owner", "Office manager", "Practice manager", "Founder", "Partner"]


def write_contacts_file(path: Path, rows: int, seed: int) -> int:
    """Write ``rows`` data rows to ``path``; return how many repeat an earlier person."""
    people = People(seed)
    rng = people.random
    companies = [people.company() for _ in range(max(1, rows // 8))]
    start = datetime.datetime(2021, 12, 1, tzinfo=datetime.UTC)
    written: list[list[str]] = []
    repeats = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for number in range(1, rows + 1):
            if written and rng.random() < REPEAT_SHARE:
                row = list(rng.choice(written))
                row[0] = str(number)
                row[3] = row[3].upper() if rng.random() < 0.5 else row[3].title()
                if not row[4]:
                    row[4] = _mobile(number)
                repeats += 1
            else:
                name = people.name()
                first, _, last = name.rpartition(" ")
                created = start + datetime.timedelta(minutes=rng.randrange(5 * 365 * 24 * 60))
                row = [
                    str(number),
                    first,
                    last,
                    people.unique_email(name, "import"),
                    _mobile(number) if rng.random() < 0.7 else "",
                    rng.choice(companies[: rng.randint(1, len(companies))])
                    if rng.random() < 0.6
                    else "",
                    rng.choice(JOB_TITLES) if rng.random() < 0.5 else "",
                    created.strftime("%Y-%m-%d %H:%M"),
                ]
                if len(written) < 50_000:  # repeats come from a bounded window: flat memory
                    written.append(row)
            writer.writerow(row)
    return repeats


def _mobile(number: int) -> str:
    """A UK mobile number, distinct per row ('07400 000123')."""
    digits = f"{number:06d}"[-6:]
    return f"07{400 + number // 1_000_000 % 500:03d} {digits}"
