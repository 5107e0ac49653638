"""Benchmark 4, identity resolution: finding who a hand-raise is from among a million contacts.

``resolve_contact`` is timed for four kinds of enquirer against 1,000,000
contacts with realistic names, on SQLite and PostgreSQL; the reference is the
database's own indexed lookup of one email. The target from the issue: p99
under 10 ms for every kind.

The work happens in a child process (``identity_lookups.py``), because a
process's Django settings point at one database. Deliberately not measured:
the rest of processing a submission (benchmark 3 covers the whole path), and
concurrent resolutions (each lookup runs alone).
"""

import json
import statistics
from pathlib import Path

from bench.databases import ScratchDatabase
from bench.options import Run
from bench.report import Row, Section, Table, milliseconds
from bench.servers import run_child
from bench.stats import Spread, ratio

TARGET_P99 = 0.010
KINDS = ["known email", "known phone", "new person, common surname", "new person, rare surname"]

METHOD = """\
**What it measures.** The time `handraise.contacts.services.resolve_contact`
takes to decide who an enquirer is, in a database of {contacts:,} contacts, for
four kinds of enquirer: a **known email**; a **known phone** (a phone enquiry, no
email); a **new person with a common surname** (Smith, Jones, ... weighted by
how common they are), whose fuzzy matching compares up to
`matching.MAX_CANDIDATES` contacts of a large blocking bucket; and a **new
person with a rare surname** (a bucket of five or fewer). New people give a new
email and, half of the time, a company (known or new); their resolution creates
the contact, its email and organisation, and may suggest a merge. The issue's
target is a p99 under {target} for every kind.

**Reference.** The database's own indexed lookup of one known email,
`ContactEmail.objects.filter(email=...).first()`, timed the same way. The ratio
is each kind's p99 over the reference's p99: what identity resolution adds to the
one query it cannot avoid.

**How.** A scratch database is migrated and filled with the contacts (names
from `bench/people.py`: the sixty most common surnames of England and Wales at
their real shares, then a long tail, so Smith's bucket holds about 1% of all
contacts and most surnames only a few; one email each and a second for one in
ten, a mobile for three in ten, an organisation for six in ten, `match_key` set
with `matching.match_key`). Then {lookups:,} lookups of each kind and as many
reference lookups run in a shuffled order, one at a time, each in a transaction
that is rolled back, so the database does not grow; 100 warm-up lookups come
first. PostgreSQL is `VACUUM ANALYZE`d after the load (as autovacuum would have
done); SQLite is not `ANALYZE`d, because Handraise never does that.

**Not measured.** The rest of processing a submission (benchmark 3 has the whole
path) and resolutions competing with each other.
"""


def run(run: Run) -> Section:
    sizes = run.sizes
    section = Section(
        key="identity",
        title=f"4. Identity resolution among {sizes.contacts:,} contacts",
        method=METHOD.format(
            contacts=sizes.contacts, target=milliseconds(TARGET_P99), lookups=sizes.lookups
        ),
    )
    run.on_each_database(section, lambda database: _measure(run, section, database))
    return section


def _measure(run: Run, section: Section, database: ScratchDatabase) -> None:
    label = database.label
    output = run.work_dir / f"identity-{database.kind}.json"
    run.progress(f"identity on {label}: populating {run.sizes.contacts:,} contacts")
    _run_child(run, database, output)
    measured = json.loads(output.read_text())
    timings = measured["timings"]
    reference = Spread.of(timings["reference"])

    rows = []
    for kind in KINDS:
        spread = Spread.of(timings[kind])
        figure = ratio(spread.p99, reference.p99)
        section.rows.append(
            Row(
                benchmark=f"Identity, {kind}",
                database=label,
                figure=f"p99 {milliseconds(spread.p99)}",
                reference=f"p99 {milliseconds(reference.p99)} (indexed email lookup)",
                ratio=figure,
                target=f"p99 < {milliseconds(TARGET_P99)}",
                passed=spread.p99 < TARGET_P99,
            )
        )
        bucket = measured["buckets"].get(kind)
        rows.append(
            [
                kind,
                f"{spread.count:,}",
                milliseconds(spread.p50),
                milliseconds(spread.p99),
                milliseconds(spread.worst),
                f"{statistics.median(bucket):,.0f}" if bucket else "—",
                str(measured["queries"].get(kind, "?")),
                str(measured["surprises"].get(kind, 0)),
            ]
        )
    rows.append(
        [
            "reference: indexed email lookup",
            f"{reference.count:,}",
            milliseconds(reference.p50),
            milliseconds(reference.p99),
            milliseconds(reference.worst),
            "—",
            str(measured["queries"].get("reference", "?")),
            "—",
        ]
    )
    section.tables.append(
        Table(
            caption=f"{label}: {measured['contacts']:,} contacts",
            headers=[
                "Lookup",
                "Count",
                "p50",
                "p99",
                "Worst",
                "Median bucket",
                "Queries",
                "Unexpected",
            ],
            rows=rows,
        )
    )
    largest = ", ".join(f"{key} {size:,}" for key, size in measured["largest_buckets"])
    section.notes.append(
        f"{label}: {measured['contacts']:,} contacts with {measured['emails']:,} emails, "
        f"{measured['phones']:,} phones and {measured['organisations']:,} organisations, "
        f"written in {measured['load_seconds']:.0f} s; {measured['distinct_match_keys']:,} "
        f'distinct blocking keys, the largest {largest}. "Queries" counts the statements '
        "one lookup of the kind sent, savepoints included (a company adds one or two); "
        '"Unexpected" counts lookups that did not resolve the way their kind should '
        "(email, phone, new)."
    )


def _run_child(run: Run, database: ScratchDatabase, output: Path) -> None:
    run_child(
        "bench.identity_lookups",
        [
            f"--contacts={run.sizes.contacts}",
            f"--lookups={run.sizes.lookups}",
            f"--seed={run.seed}",
            f"--output={output}",
        ],
        env={**database.env, "DJANGO_SETTINGS_MODULE": "handraise.settings"},
        log=run.log_path(f"identity-{database.kind}"),
        progress=lambda line: run.progress(f"identity on {database.label}: {line}"),
        failure=f"the identity benchmark failed on {database.label}",
    )
