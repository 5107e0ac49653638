"""``handraise import KIND FILE.csv`` and ``handraise import DIR``: history in from files.

``DIR`` is what ``handraise export DIR`` wrote: every file in it is imported in
dependency order (``runner.import_directory``), one summary line each.
"""

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from handraise.imports.batches import Outcome
from handraise.imports.dates import ORDERS
from handraise.imports.runner import (
    ALL_KINDS,
    ImportProblem,
    Options,
    Plan,
    import_directory,
    plan_import,
    rejects_beside,
    run_import,
    summary,
    write_rejects,
)
from handraise.sales.models import Deal

PLAIN_PROGRESS_EVERY = 10_000


class Command(BaseCommand):
    help = (
        "Import contacts, deals, activities, enquiries, assets, touchpoints, signals or the "
        "business's setup from a CSV file (HubSpot, Pipedrive, Google Contacts, Mailchimp or "
        "your own spreadsheet), or a whole folder that `handraise export DIR` wrote "
        "(`handraise import DIR`). People are matched to who is here by email, then phone, "
        "then name, and everything else is remembered, so importing again adds nothing. "
        "Rejected rows go to FILE.rejects.csv with line and reason."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "kind",
            metavar="KIND|DIR",
            help=f"what the file holds ({', '.join(ALL_KINDS)}), "
            "or a folder `handraise export` wrote",
        )
        parser.add_argument(
            "file", metavar="FILE.csv", nargs="?", help="the CSV file to read (settings: .json)"
        )
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

    def handle(self, *args, kind: str, file: str | None, **options) -> None:
        if file is None:
            self._import_directory(Path(kind), options)
            return
        if kind not in ALL_KINDS:
            raise CommandError(
                f"{kind!r} is not a kind of file; choose from {', '.join(ALL_KINDS)}."
            )
        path = Path(file)
        try:
            plan = plan_import(kind, path, options["map"])
        except ImportProblem as problem:
            raise CommandError(str(problem)) from None
        self._say_mapping(plan)
        dry_run = options["dry_run"]
        run = Options(date_order=options["date_order"], dry_run=dry_run, origin=options["origin"])
        with self._progress(plan.table.lines if plan.table else 1) as tick:
            outcome = run_import(plan, run, on_row=tick)
        rejects = Path(options["rejects"] or rejects_beside(path))
        if outcome.rejected and not dry_run:
            _save_rejects(rejects, plan, outcome)
        self.stdout.write(summary(plan, outcome, dry_run=dry_run))
        if outcome.rejected:
            self.stdout.write(_rejects_line(outcome, rejects, dry_run=dry_run))
            sys.exit(1)

    def _import_directory(self, directory: Path, options: dict) -> None:
        """Every file of an export, in order; exit 1 if any row of any file was rejected."""
        if not directory.is_dir():
            raise CommandError(
                f"{directory} is not a folder: give a folder `handraise export` wrote, "
                "or a kind and a file (`handraise import contacts FILE.csv`)."
            )
        if options["dry_run"] or options["rejects"] or options["map"]:
            raise CommandError("--dry-run, --rejects and --map are for one file, not a folder.")
        run = Options(date_order=options["date_order"], origin=options["origin"])
        rejected = 0
        files = import_directory(directory, run, on_row=self._tick)
        try:
            for done in files:
                if done.outcome.rejected:
                    rejected += len(done.outcome.rejected)
                    target = rejects_beside(done.plan.path)
                    _save_rejects(target, done.plan, done.outcome)
                self.stdout.write(summary(done.plan, done.outcome, dry_run=False))
        except ImportProblem as problem:
            raise CommandError(str(problem)) from None
        if rejected:
            self.stdout.write(
                f"{rejected:,} rows were rejected; each file's are beside it as NAME.rejects.csv."
            )
            sys.exit(1)

    def _tick(self) -> None:
        self._rows = getattr(self, "_rows", 0) + 1
        if self._rows % PLAIN_PROGRESS_EVERY == 0:
            self.stderr.write(f"{self._rows:,} rows")

    def _say_mapping(self, plan: Plan) -> None:
        if plan.table is None:
            self.stdout.write(f"Reading {plan.path} (the business's settings)")
            return
        table, mapping = plan.table, plan.mapping
        pairs = ", ".join(f"{theirs} → {ours}" for theirs, ours in mapping.describe(table.header))
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


def _save_rejects(target: Path, plan: Plan, outcome: Outcome) -> None:
    try:
        with target.open("w", encoding="utf-8", newline="") as out:
            write_rejects(out, plan.table.header if plan.table else [], outcome)
    except OSError as error:
        raise CommandError(f"Cannot write the rejects to {target}: {error.strerror}.") from None


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
