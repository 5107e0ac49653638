"""Running an import's rows: checked one by one, written in batches, bad rows set aside.

Every kind of import reads rows the same way: a row that fails its checks is
rejected with its line number and reason, and the rows after it go on. Rows
are written in batches of ``BATCH``, one transaction each, so web-form
submissions arriving meanwhile wait for one batch at most (and spool if the
wait is longer). If the database refuses a row, only that batch is replayed one
row at a time, and only the row it refuses is rejected. A dry run does all of
this inside one transaction and rolls it back, so it counts exactly what would
happen and writes nothing.
"""

from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, transaction

from handraise.imports.reading import BadRow, Row

BATCH = 500


class RowProblem(ValueError):
    """Why a row cannot be imported, in words for the rejects file."""


@dataclass(frozen=True)
class Rejected:
    line: int
    reason: str
    values: list[str]


@dataclass
class Outcome:
    counts: Counter = field(default_factory=Counter)
    rejected: list[Rejected] = field(default_factory=list)


@dataclass(frozen=True)
class Checked:
    """A row that passed its checks, with what its writer needs."""

    line: int
    values: list[str]
    item: Any


def run_rows(
    rows: Iterable[Row | BadRow],
    *,
    check: Callable[[Row], Any],
    write: Callable[[Any], Iterable[str]] | None = None,
    write_many: Callable[[list[Any]], Iterable[Iterable[str]]] | None = None,
    dry_run: bool = False,
    on_row: Callable[[], None] = lambda: None,
) -> Outcome:
    """``check`` turns a row into an item or raises ``RowProblem``; ``write`` records an
    item and names what happened ("new", "matched", ...), counted in the outcome.
    ``write_many`` does the same for a batch of items at once (one list of names per
    item), for kinds that can resolve a batch in a few queries instead of a row at a time."""
    if write_many is None:
        write_many = lambda items: [write(item) for item in items]  # noqa: E731
    outcome = Outcome()
    with transaction.atomic() if dry_run else nullcontext():
        batch: list[Checked] = []
        for row in rows:
            on_row()
            if isinstance(row, BadRow):
                outcome.rejected.append(Rejected(row.line, row.reason, []))
                continue
            try:
                batch.append(Checked(row.line, row.values, check(row)))
            except RowProblem as problem:
                outcome.rejected.append(Rejected(row.line, str(problem), row.values))
            if len(batch) >= BATCH:
                _write(batch, write_many, outcome)
                batch = []
        _write(batch, write_many, outcome)
        if dry_run:
            transaction.set_rollback(True)
    outcome.rejected.sort(key=lambda rejected: rejected.line)
    return outcome


def _write(batch: list[Checked], write_many, outcome: Outcome) -> None:
    if not batch:
        return
    counts = Counter()
    try:
        with transaction.atomic():
            for names in write_many([checked.item for checked in batch]):
                counts.update(names)
    except (DatabaseError, RowProblem):
        # Rare (the checks catch what we know of): replay the batch to find the row.
        counts = Counter()
        for checked in batch:
            try:
                with transaction.atomic():
                    for names in write_many([checked.item]):
                        counts.update(names)
            except (DatabaseError, RowProblem) as problem:
                outcome.rejected.append(Rejected(checked.line, _reason(problem), checked.values))
    outcome.counts.update(counts)


def _reason(problem: Exception) -> str:
    if isinstance(problem, RowProblem):
        return str(problem)
    first_line = str(problem).strip().splitlines()[0] if str(problem).strip() else "no detail"
    return f"The database refused this row ({first_line})."
