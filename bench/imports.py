"""Benchmark 6, import: ``handraise import contacts`` of 100,000 people beside a bare insert.

The file and its people are ``import_file.py``'s; the work happens in a child
process (``import_run.py``), because a process's Django settings point at one
database. The target from the import issue: 100,000 contacts, with identity
resolution on, in under 60 seconds on each database.
"""

import json

from bench.databases import ScratchDatabase
from bench.import_file import REPEAT_SHARE
from bench.options import Run
from bench.report import Row, Section, Table
from bench.servers import run_child
from bench.stats import ratio

TARGET_SECONDS = 60.0
TARGET_DIRECTORY_SECONDS = 120.0

METHOD = """\
**What it measures.** `handraise import contacts FILE.csv`, run as a user runs it
(progress lines, the rejects check, the summary), into an empty database: a
HubSpot-style export of {rows:,} made-up people (names from `bench/people.py`,
a unique email each, a UK mobile for seven in ten, a company for six in ten, a job
title for half, a created date over five years), {repeat:.0%} of whose rows repeat an
earlier person's email in other capitals, sometimes with a phone the first row lacked.
Every row goes through the whole path: encoding and delimiter sniffed, headers
mapped, emails and phones normalised, identity resolution (email, then phone, then
name, with fuzzy merge suggestions among contacts of the same surname), the
contact's created date kept, and each new contact remembered for its timeline.
The issue's target is under {target:.0f} s on each database.

**Reference.** The same rows read with the csv module and written with Django's
`bulk_create` into the same four tables (organisations, contacts, emails, phones),
500 at a time, with no checks, normalisation or matching, in a transaction that is
rolled back. The ratio says what everything the import does costs over the
inserts it cannot avoid.

**A whole business.** Then `handraise demo --scale {scale}` is written (the
reference: the demo writes its business with bare bulk inserts), exported with
`handraise export DIR`, the database emptied back to what a fresh install holds,
and `handraise import DIR` of that folder timed: every file of the export, contacts,
deals, activities, enquiries, signals and the touchpoints among them, through the
same checks and services. The issue's target is under {directory_target:.0f} s.

**Not measured.** Deals and activities files (their rows resolve their contact the
same way, a row at a time), and imports competing with web-form submissions (the
fault tests check none is lost).
"""


def run(run: Run) -> Section:
    rows = run.sizes.import_rows
    section = Section(
        key="import",
        title=f"6. Importing {rows:,} contacts",
        method=METHOD.format(
            rows=rows,
            repeat=REPEAT_SHARE,
            target=TARGET_SECONDS,
            scale=run.sizes.import_scale,
            directory_target=TARGET_DIRECTORY_SECONDS,
        ),
    )
    run.on_each_database(section, lambda database: _measure(run, section, database))
    return section


def _measure(run: Run, section: Section, database: ScratchDatabase) -> None:
    label = database.label
    measured = _child(
        run,
        database,
        "import",
        [
            f"--rows={run.sizes.import_rows}",
            f"--seed={run.seed}",
            f"--file={run.work_dir / 'import-contacts.csv'}",
        ],
    )
    seconds, reference = measured["import_seconds"], measured["reference_seconds"]
    rate = measured["rows"] / seconds
    section.rows.append(
        Row(
            benchmark=f"Import {measured['rows']:,} contacts",
            database=label,
            figure=f"{seconds:.1f} s ({rate:,.0f} rows/s)",
            reference=f"{reference:.1f} s (bare bulk insert)",
            ratio=ratio(seconds, reference),
            target=f"< {TARGET_SECONDS:.0f} s",
            passed=seconds < TARGET_SECONDS and measured["exit_code"] == 0,
        )
    )
    section.tables.append(
        Table(
            caption=f"{label}: what the import did",
            headers=["Rows", "Repeats", "File", "Contacts", "Emails", "Suggestions", "Peak RSS"],
            rows=[
                [
                    f"{measured['rows']:,}",
                    f"{measured['repeats']:,}",
                    f"{measured['file_megabytes']:.1f} MB",
                    f"{measured['contacts']:,}",
                    f"{measured['emails']:,}",
                    f"{measured['suggestions']:,}",
                    f"{measured['peak_rss_after_mb']:.0f} MB "
                    f"(was {measured['peak_rss_before_mb']:.0f} MB)",
                ]
            ],
        )
    )
    section.notes.append(f"{label}: the command said: {measured['summary']}")
    _measure_directory(run, section, database)


def _measure_directory(run: Run, section: Section, database: ScratchDatabase) -> None:
    label = database.label
    measured = _child(
        run,
        database,
        "import DIR",
        [
            f"--scale={run.sizes.import_scale}",
            f"--directory={run.work_dir / f'export-{database.kind}'}",
        ],
    )
    seconds, reference = measured["import_seconds"], measured["reference_seconds"]
    section.rows.append(
        Row(
            benchmark=f"Import DIR of the demo at scale {measured['scale']}",
            database=label,
            figure=f"{seconds:.1f} s ({measured['rows']:,} rows)",
            reference=f"{reference:.1f} s (the demo's bulk write)",
            ratio=ratio(seconds, reference),
            target=f"< {TARGET_DIRECTORY_SECONDS:.0f} s",
            passed=seconds < TARGET_DIRECTORY_SECONDS and measured["exit_code"] == 0,
        )
    )
    before, after = measured["before"], measured["after"]
    section.notes.append(
        f"{label}: import DIR rebuilt {after['contacts']:,} of {before['contacts']:,} contacts "
        f"and {after['touchpoints']:,} of {before['touchpoints']:,} touchpoints; peak RSS "
        f"{measured['peak_rss_after_mb']:.0f} MB (was {measured['peak_rss_before_mb']:.0f} MB)."
    )


def _child(run: Run, database: ScratchDatabase, name: str, arguments: list[str]) -> dict:
    """Run ``bench.import_run`` ("import") or ``bench.import_dir_run`` ("import DIR") on
    the scratch database; what it measured."""
    slug = name.lower().replace(" ", "-")
    output = run.work_dir / f"{slug}-{database.kind}.json"
    run_child(
        "bench.import_run" if name == "import" else "bench.import_dir_run",
        [*arguments, f"--output={output}"],
        env={**database.env, "DJANGO_SETTINGS_MODULE": "handraise.settings"},
        log=run.log_path(f"{slug}-{database.kind}"),
        progress=lambda line: run.progress(f"{name} on {database.label}: {line}"),
        failure=f"the {name} benchmark failed on {database.label}",
    )
    return json.loads(output.read_text())
