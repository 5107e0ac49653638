"""Running one import of one file: what the command line and the web page both call.

``plan_import`` opens the file and maps its columns (or says in one sentence
why it cannot); ``run_import`` sends its rows through the kind's checks and
writers; ``summary`` says what happened in one line; ``write_rejects`` sets the
rejected rows aside with their line and reason. Each kind of file is one entry
in ``KINDS``: its column aliases, the fields of which a file needs at least one,
and the function that runs its rows.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import defusedcsv.csv as safe_csv

from handraise.accounts.models import BusinessSettings
from handraise.imports import activities, deals
from handraise.imports.batches import Outcome, run_rows
from handraise.imports.contacts import import_contacts
from handraise.imports.mapping import (
    ACTIVITY_ALIASES,
    CONTACT_ALIASES,
    DEAL_ALIASES,
    Mapping,
    MappingError,
    map_columns,
    parse_overrides,
)
from handraise.imports.reading import Table, UnreadableFile, open_table
from handraise.sales.models import Deal

# Every kind DESIGN.md names, built or not, so the command's choices stay stable.
ALL_KINDS = ("contacts", "assets", "touchpoints", "enquiries", "deals", "activities", "signals")


class ImportProblem(Exception):
    """The file as a whole cannot be imported; the message says why in one sentence."""


@dataclass(frozen=True)
class Options:
    date_order: str | None = None
    dry_run: bool = False
    origin: str = Deal.Origin.OUTBOUND  # where deals came from when the file does not say


@dataclass(frozen=True)
class Plan:
    """A file opened and its columns mapped: ready to run."""

    kind: str
    table: Table
    mapping: Mapping

    @property
    def file_name(self) -> str:
        return self.table.path.name


@dataclass(frozen=True)
class Kind:
    aliases: dict[str, str]
    needed: frozenset[str]  # a file needs a column for at least one of these
    needed_words: str
    run: Callable[[Plan, Options, Callable[[], None]], Outcome]
    summary: Callable[[Outcome], str]  # "3 contacts (1 new, ...)"


def plan_import(kind: str, path: Path, overrides: list[str] = ()) -> Plan:
    if kind not in KINDS:
        built = ", ".join(KINDS)
        raise ImportProblem(
            f"Importing {kind} is not built yet; {built} are "
            "(`handraise import contacts FILE.csv`)."
        )
    spec = KINDS[kind]
    try:
        table = open_table(path)
        mapping = map_columns(table.header, spec.aliases, parse_overrides(list(overrides)))
    except (UnreadableFile, MappingError) as error:
        raise ImportProblem(str(error)) from None
    if not spec.needed & set(mapping.columns):
        raise ImportProblem(
            f"{path}: no column holds {spec.needed_words} (the columns are "
            f'{", ".join(table.header)}); name one with --map "Their column=field".'
        )
    return Plan(kind=kind, table=table, mapping=mapping)


def run_import(
    plan: Plan, options: Options = Options(), on_row: Callable[[], None] = lambda: None
) -> Outcome:
    return KINDS[plan.kind].run(plan, options, on_row)


def summary(plan: Plan, outcome: Outcome, *, dry_run: bool) -> str:
    verb = "would import" if dry_run else "imported"
    return f"{plan.table.path}: {verb} {KINDS[plan.kind].summary(outcome)}."


def rejects_beside(path: Path) -> Path:
    return path.with_suffix(".rejects.csv")


def write_rejects(out: TextIO, header: list[str], outcome: Outcome) -> None:
    """The rejected rows as CSV: line, reason, then the row as it was given."""
    writer = safe_csv.writer(out)
    writer.writerow(["line", "reason", *header])
    for rejected in outcome.rejected:
        writer.writerow([rejected.line, rejected.reason, *rejected.values])


def _run_contacts(plan: Plan, options: Options, on_row: Callable[[], None]) -> Outcome:
    business = BusinessSettings.load()
    return import_contacts(
        plan.table.rows(),
        region=business.default_phone_region,
        zone=business.zone,
        file_name=plan.file_name,
        header=plan.table.header,
        mapping=plan.mapping,
        date_order=options.date_order,
        dry_run=options.dry_run,
        on_row=on_row,
    )


def _run_pipeline_rows(rows) -> Callable[[Plan, Options, Callable[[], None]], Outcome]:
    """Deals and activities: each row checked against the pipeline, then recorded."""

    def run(plan: Plan, options: Options, on_row: Callable[[], None]) -> Outcome:
        business = BusinessSettings.load()
        pipeline = deals.Pipeline.load(
            currency=business.currency,
            region=business.default_phone_region,
            zone=business.zone,
            origin=options.origin,
            file_name=plan.file_name,
        )
        return run_rows(
            plan.table.rows(),
            check=lambda row: rows.check_row(
                row, plan.table.header, plan.mapping, pipeline, options.date_order
            ),
            write=lambda item: rows.record(item, pipeline),
            dry_run=options.dry_run,
            on_row=on_row,
        )

    return run


def _many(count: int, one: str, many: str | None = None) -> str:
    """'1 contact', '2,000 contacts'."""
    return f"{count:,} {one if count == 1 else many or one + 's'}"


def _contacts_summary(outcome: Outcome) -> str:
    counts = outcome.counts
    new, matched = counts["new"], counts["email"] + counts["phone"] + counts["name"]
    return (
        f"{_many(new + matched, 'contact')} ({new:,} new, "
        f"{matched:,} already here, "
        f"{_many(counts['suggested'], 'possible duplicate')} to review, "
        f"{len(outcome.rejected):,} rejected)"
    )


def _deals_summary(outcome: Outcome) -> str:
    counts = outcome.counts
    return (
        f"{_many(counts['deal new'], 'deal')} "
        f"({counts['deal already here']:,} already here, "
        f"{_many(counts['contact new'], 'new contact')}, "
        f"{_many(counts['contact suggested'], 'possible duplicate contact')} to review, "
        f"{len(outcome.rejected):,} rejected)"
    )


def _activities_summary(outcome: Outcome) -> str:
    counts = outcome.counts
    return (
        f"{_many(counts['activity new'], 'activity', 'activities')} "
        f"({counts['activity already here']:,} already here, "
        f"{_many(counts['contact new'], 'new contact')}, {len(outcome.rejected):,} rejected)"
    )


KINDS: dict[str, Kind] = {
    "contacts": Kind(
        CONTACT_ALIASES,
        frozenset({"name", "first_name", "last_name", "email", "phone"}),
        "a name, email or phone",
        _run_contacts,
        _contacts_summary,
    ),
    "deals": Kind(
        DEAL_ALIASES,
        frozenset({"title"}),
        "a deal's title",
        _run_pipeline_rows(deals),
        _deals_summary,
    ),
    "activities": Kind(
        ACTIVITY_ALIASES,
        frozenset({"occurred_at"}),
        "an activity's date",
        _run_pipeline_rows(activities),
        _activities_summary,
    ),
}
