"""``handraise import contacts FILE.csv``: bring a business's people in from a file."""

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import defusedcsv.csv as safe_csv
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from handraise.accounts.models import BusinessSettings
from handraise.imports import activities, deals
from handraise.imports.batches import Outcome, run_rows
from handraise.imports.contacts import import_contacts
from handraise.imports.dates import ORDERS
from handraise.imports.deals import Pipeline
from handraise.imports.mapping import (
    ACTIVITY_ALIASES,
    CONTACT_ALIASES,
    DEAL_ALIASES,
    MappingError,
    map_columns,
    parse_overrides,
)
from handraise.imports.reading import UnreadableFile, open_table
from handraise.sales.models import Deal

KINDS = ("contacts", "assets", "touchpoints", "enquiries", "deals", "activities", "signals")
# kind -> its column aliases, the fields of which a file needs one, and those in words
BUILT = {
    "contacts": (
        CONTACT_ALIASES,
        {"name", "first_name", "last_name", "email", "phone"},
        "a name, email or phone",
    ),
    "deals": (DEAL_ALIASES, {"title"}, "a deal's title"),
    "activities": (ACTIVITY_ALIASES, {"occurred_at"}, "an activity's date"),
}
PLAIN_PROGRESS_EVERY = 10_000


class Command(BaseCommand):
    help = (
        "Import contacts, deals or activities from a CSV file (HubSpot, Pipedrive, Google "
        "Contacts, Mailchimp or your own spreadsheet). People are matched to who is here by "
        "email, then phone, then name, and deals and activities are remembered, so importing "
        "again adds nothing. Rejected rows go to FILE.rejects.csv with line and reason."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("kind", choices=KINDS, help="what the file holds")
        parser.add_argument("file", metavar="FILE.csv", help="the CSV file to read")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar='"THEIR COLUMN=FIELD"',
            help="read a column the aliases do not know as one of our fields (repeatable)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="say what would happen; write nothing"
        )
        parser.add_argument(
            "--rejects", metavar="FILE", help="where rejected rows go (FILE.rejects.csv)"
        )
        parser.add_argument(
            "--date-order", choices=ORDERS, help="how to read dates such as 03/04/2024"
        )
        parser.add_argument(
            "--origin",
            choices=Deal.Origin.values,
            default=Deal.Origin.OUTBOUND,
            help="where deals came from when the file has no source column (outbound)",
        )

    def handle(self, *args, kind: str, file: str, **options) -> None:
        if kind not in BUILT:
            raise CommandError(
                f"Importing {kind} is not built yet; contacts, deals and activities are "
                "(`handraise import contacts FILE.csv`)."
            )
        path = Path(file)
        aliases, needed, needed_words = BUILT[kind]
        try:
            table = open_table(path)
            mapping = map_columns(table.header, aliases, parse_overrides(options["map"]))
        except (UnreadableFile, MappingError) as error:
            raise CommandError(str(error)) from None
        if not needed & set(mapping.columns):
            raise CommandError(
                f"{path}: no column holds {needed_words} (the columns are "
                f'{", ".join(table.header)}); name one with --map "Their column=field".'
            )
        self._say_mapping(table.header, mapping, table)
        business = BusinessSettings.load()
        with self._progress(table.lines) as tick:
            if kind == "contacts":
                outcome = import_contacts(
                    table.rows(),
                    region=business.default_phone_region,
                    zone=business.zone,
                    file_name=path.name,
                    header=table.header,
                    mapping=mapping,
                    date_order=options["date_order"],
                    dry_run=options["dry_run"],
                    on_row=tick,
                )
            else:
                pipeline = Pipeline.load(
                    currency=business.currency,
                    region=business.default_phone_region,
                    zone=business.zone,
                    origin=options["origin"],
                    file_name=path.name,
                )
                rows = deals if kind == "deals" else activities
                outcome = run_rows(
                    table.rows(),
                    check=lambda row: rows.check_row(
                        row, table.header, mapping, pipeline, options["date_order"]
                    ),
                    write=lambda item: rows.record(item, pipeline),
                    dry_run=options["dry_run"],
                    on_row=tick,
                )
        rejects = Path(options["rejects"] or path.with_suffix(".rejects.csv"))
        if outcome.rejected and not options["dry_run"]:
            _write_rejects(rejects, table.header, outcome)
        summary = {
            "contacts": _contacts_summary,
            "deals": _deals_summary,
            "activities": _activities_summary,
        }[kind]
        self.stdout.write(summary(path, outcome, dry_run=options["dry_run"]))
        if outcome.rejected:
            self.stdout.write(_rejects_line(outcome, rejects, dry_run=options["dry_run"]))
            sys.exit(1)

    def _say_mapping(self, header, mapping, table) -> None:
        pairs = ", ".join(f"{theirs} → {ours}" for theirs, ours in mapping.describe(header))
        self.stdout.write(f"Reading {table.path} ({table.encoding}, {_delimiter_name(table)})")
        self.stdout.write(f"Columns: {pairs}")
        if mapping.ignored:
            self.stdout.write(f"Not imported: {', '.join(mapping.ignored)}")

    @contextmanager
    def _progress(self, lines: int) -> Iterator[Callable[[], None]]:
        """One tick per row: a bar with rows/s and time left on a terminal, else a line."""
        total = max(lines - 1, 0)  # the header is a line too
        if sys.stderr.isatty():
            with tqdm(total=total, unit=" rows", file=sys.stderr, smoothing=0.1) as bar:
                yield lambda: bar.update(1)
            return
        count = 0

        def tick() -> None:
            nonlocal count
            count += 1
            if count % PLAIN_PROGRESS_EVERY == 0:
                self.stderr.write(f"{count:,} of about {total:,} rows")

        yield tick


def _delimiter_name(table) -> str:
    return {",": "commas", ";": "semicolons", "\t": "tabs"}[table.delimiter]


def _write_rejects(target: Path, header: list[str], outcome: Outcome) -> None:
    try:
        with target.open("w", encoding="utf-8", newline="") as out:
            writer = safe_csv.writer(out)
            writer.writerow(["line", "reason", *header])
            for rejected in outcome.rejected:
                writer.writerow([rejected.line, rejected.reason, *rejected.values])
    except OSError as error:
        raise CommandError(f"Cannot write the rejects to {target}: {error.strerror}.") from None


def _many(count: int, one: str, many: str | None = None) -> str:
    """'1 contact', '2,000 contacts'."""
    return f"{count:,} {one if count == 1 else many or one + 's'}"


def _contacts_summary(path: Path, outcome: Outcome, *, dry_run: bool) -> str:
    counts = outcome.counts
    new, matched = counts["new"], counts["email"] + counts["phone"] + counts["name"]
    verb = "would import" if dry_run else "imported"
    return (
        f"{path}: {verb} {_many(new + matched, 'contact')} ({new:,} new, "
        f"{matched:,} already here, "
        f"{_many(counts['suggested'], 'possible duplicate')} to review, "
        f"{len(outcome.rejected):,} rejected)."
    )


def _deals_summary(path: Path, outcome: Outcome, *, dry_run: bool) -> str:
    counts = outcome.counts
    verb = "would import" if dry_run else "imported"
    return (
        f"{path}: {verb} {_many(counts['deal new'], 'deal')} "
        f"({counts['deal already here']:,} already here, "
        f"{_many(counts['contact new'], 'new contact')}, "
        f"{_many(counts['contact suggested'], 'possible duplicate contact')} to review, "
        f"{len(outcome.rejected):,} rejected)."
    )


def _activities_summary(path: Path, outcome: Outcome, *, dry_run: bool) -> str:
    counts = outcome.counts
    verb = "would import" if dry_run else "imported"
    return (
        f"{path}: {verb} {_many(counts['activity new'], 'activity', 'activities')} "
        f"({counts['activity already here']:,} already here, "
        f"{_many(counts['contact new'], 'new contact')}, {len(outcome.rejected):,} rejected)."
    )


def _rejects_line(outcome: Outcome, rejects: Path, *, dry_run: bool) -> str:
    if not dry_run:
        return f"Rejected rows, with their line and reason: {rejects}"
    shown = "".join(f"\n  line {r.line}: {r.reason}" for r in outcome.rejected[:10])
    more = len(outcome.rejected) - 10
    return (
        "Rejected rows (dry run, nothing written):"
        + shown
        + (f"\n  ... and {more:,} more" if more > 0 else "")
    )
