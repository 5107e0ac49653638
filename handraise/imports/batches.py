"""Running an import's rows: checked one by one, written in batches, bad rows set aside.

Every kind of import reads rows the same way: a row that fails its checks is
rejected with its line number and reason, and the rows after it go on. Rows
are written in batches of ``BATCH``, one transaction each, so web-form
submissions arriving meanwhile wait for one batch at most (and spool if the
wait is longer). If the database refuses a row, only that batch is replayed one
row at a time, and only the row it refuses is rejected. A dry run does all of
this inside one transaction and rolls it back, so it counts exactly what would
happen and writes nothing.

A long file can have its rows checked in a second process (``check_elsewhere``)
while this one writes the batches before them: checking (phone numbers, emails,
dates, text cleaning) is a third of a 100,000-row contacts import, and on two
cores it then costs next to nothing. The child only checks; every write stays
here, in the same order, so the outcome is the same either way.
"""

import os
import pickle
import signal
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import Any

import django
from django.db import DatabaseError, transaction

from handraise.imports.reading import BadRow, Row

BATCH = 500
# Chunks handed to the checking process before the first comes back: enough that it
# never waits for this one, few enough that memory stays flat however long the file.
AHEAD = 3


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
    check_elsewhere: bool = False,
) -> Outcome:
    """``check`` turns a row into an item or raises ``RowProblem``; ``write`` records an
    item and names what happened ("new", "matched", ...), counted in the outcome.
    ``write_many`` does the same for a batch of items at once (one list of names per
    item), for kinds that can resolve a batch in a few queries instead of a row at a time.

    ``check_elsewhere``: ``check`` runs in a second process, so it must pickle (a
    module-level function, or a ``functools.partial`` of one, with plain arguments),
    and so must the items it returns."""
    if write_many is None:
        write_many = lambda items: [write(item) for item in items]  # noqa: E731
    outcome = Outcome()
    checking = _checked_elsewhere if check_elsewhere else _checked_here
    with transaction.atomic() if dry_run else nullcontext():
        batch: list[Checked] = []
        for checked in checking(rows, check, on_row, outcome):
            batch.append(checked)
            if len(batch) >= BATCH:
                _write(batch, write_many, outcome)
                batch = []
        _write(batch, write_many, outcome)
        if dry_run:
            transaction.set_rollback(True)
    outcome.rejected.sort(key=lambda rejected: rejected.line)
    return outcome


def _checked_here(rows, check, on_row, outcome: Outcome) -> Iterator[Checked]:
    for row in rows:
        on_row()
        if isinstance(row, BadRow):
            outcome.rejected.append(Rejected(row.line, row.reason, []))
            continue
        try:
            item = check(row)
        except RowProblem as problem:
            outcome.rejected.append(Rejected(row.line, str(problem), row.values))
            continue
        yield Checked(row.line, row.values, item)


def _checked_elsewhere(rows, check, on_row, outcome: Outcome) -> Iterator[Checked]:
    """As ``_checked_here``, the checks run by a second process a chunk at a time.

    A fresh interpreter ("spawn"), not a fork: the worker that runs imports has
    other threads, and a fork copies whatever locks they hold. If the child dies,
    the import fails (``BrokenProcessPool``) rather than waiting for it forever.
    """
    pool = ProcessPoolExecutor(
        max_workers=1,
        mp_context=get_context("spawn"),
        initializer=_start_checking,
        initargs=(pickle.dumps(check),),
    )
    pending: deque[tuple[list[Row], Future]] = deque()
    try:
        for chunk in _chunks(rows, on_row, outcome):
            pending.append((chunk, pool.submit(_check_chunk, chunk)))
            if len(pending) >= AHEAD:
                yield from _collect(*pending.popleft(), outcome)
        while pending:
            yield from _collect(*pending.popleft(), outcome)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _chunks(rows, on_row, outcome: Outcome) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        on_row()
        if isinstance(row, BadRow):
            outcome.rejected.append(Rejected(row.line, row.reason, []))
        else:
            chunk.append(row)
        if len(chunk) >= BATCH:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _collect(chunk: list[Row], future: Future, outcome: Outcome) -> Iterator[Checked]:
    for row, (item, problem) in zip(chunk, future.result(), strict=True):
        if problem is None:
            yield Checked(row.line, row.values, item)
        else:
            outcome.rejected.append(Rejected(row.line, problem, row.values))


_check: Callable[[Row], Any] | None = None  # the checking process's ``check``


def _start_checking(pickled_check: bytes) -> None:
    """In the checking process: Django first (checks read models' field lengths), then
    the check itself, whose unpickling imports them. Ctrl-C is the importer's to act on."""
    global _check
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "handraise.settings")
    django.setup()
    _check = pickle.loads(pickled_check)  # noqa: S301  our own, from the parent


def _check_chunk(chunk: list[Row]) -> list[tuple[Any, str | None]]:
    results = []
    for row in chunk:
        try:
            results.append((_check(row), None))
        except RowProblem as problem:
            results.append((None, str(problem)))
    return results


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
