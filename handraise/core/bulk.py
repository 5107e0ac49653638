"""Inserting many narrow rows fast, for the few paths that write tens of thousands at once.

Django's ``bulk_create`` compiles every value of every row into its SQL (on
SQLite in statements of at most 999 parameters). For 20,000 of the import's
records it took 40-45 µs a row on SQLite and 40-60 on PostgreSQL, against 3-6
µs for plain multi-row INSERTs on SQLite and 10-14 for COPY on PostgreSQL (where
multi-row INSERTs took 80 µs, psycopg splitting out their placeholders on the
client; where rows may already be there, an INSERT from one array a column does
without them). These are those statements, built from the model's own table
and column names, for plain rows: no model instances, no signals, no defaults
filled in (every column without a database default is given). Only an app's
own modules may use them on the app's tables, as with any write: the layer test
cannot see a write made this way, so review has to. Values go in as the
database takes them: ``db_value`` converts a datetime.
"""

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from django.db import connection, models
from django.db.models.constants import OnConflict

ROWS_PER_STATEMENT = 1000
FEW_ROWS = 16
SQLITE_SYNCHRONOUS = "FULL"  # what settings.py's init_command gives every connection


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence],
    *,
    ignore_conflicts: bool = False,
    return_ids: bool = False,
) -> list[int]:
    """INSERT each row (values in the order of ``columns``, field names) into ``model``;
    with ``return_ids``, the new rows' ids in the order of ``rows``."""
    if ignore_conflicts and return_ids:
        raise ValueError("the rows skipped have no new id: ask for one or the other")
    rows = list(rows)
    if not rows:
        return []
    fields = [model._meta.get_field(name) for name in columns]
    # A handful of rows (a batch of site visits) costs less as plain VALUES than as
    # COPY or arrays, whose set-up outweighs their speed until there are dozens.
    if connection.vendor == "postgresql" and len(rows) > FEW_ROWS:
        if ignore_conflicts:
            return _unnest(model, fields, rows, return_ids=return_ids)
        return _copy(model, fields, rows, return_ids=return_ids)
    quote = connection.ops.quote_name
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    one_row = f"({', '.join(['%s'] * len(fields))})"
    # Many rows a statement: one round trip each (psycopg's executemany made one a row),
    # within SQLite's limit on parameters.
    per_statement = (
        connection.features.max_query_params or ROWS_PER_STATEMENT * len(fields)
    ) // len(fields)
    per_statement = min(per_statement, ROWS_PER_STATEMENT)
    head = (
        f"{connection.ops.insert_statement(on_conflict=on_conflict)} "
        f"{quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES "
    )
    tail = connection.ops.on_conflict_suffix_sql(fields, on_conflict, None, None)
    if return_ids:
        # As bulk_create does on both databases: RETURNING gives the ids in row order.
        tail += f" RETURNING {quote(model._meta.pk.column)}"
    ids = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            cursor.execute(
                head + ", ".join([one_row] * len(chunk)) + " " + tail,
                [value for row in chunk for value in row],
            )
            if return_ids:
                ids += [row[0] for row in cursor.fetchall()]
    return ids


def _copy(model, fields, rows: list, *, return_ids: bool) -> list[int]:
    """PostgreSQL's COPY: a sixth of the time of the same rows as INSERTs (whose
    placeholders psycopg splits out on the client). Ids, when wanted, are drawn
    from the table's own sequence first, so the rows go in with them."""
    quote = connection.ops.quote_name
    table = model._meta.db_table
    columns = [field.column for field in fields]
    ids = []
    with connection.cursor() as cursor:
        if return_ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, model._meta.pk.column, len(rows)],
            )
            ids = [row[0] for row in cursor.fetchall()]
            columns = [model._meta.pk.column, *columns]
            rows = [(pk, *row) for pk, row in zip(ids, rows, strict=True)]
        statement = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
        with cursor.cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    return ids


def _unnest(model, fields, rows: list, *, return_ids: bool) -> list[int]:
    """PostgreSQL, where a row may already be there (COPY cannot skip it): one INSERT
    from ``unnest`` of an array a column, so psycopg has a parameter a column to send
    rather than one a value to split out (50 ms a statement of 1,000 records)."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    arrays = ", ".join(f"%s::{field.cast_db_type(connection)}[]" for field in fields)
    tail = f" RETURNING {quote(model._meta.pk.column)}" if return_ids else ""
    # Only the model's own table and column names go into the text; values are parameters.
    statement = (
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "  # noqa: S608
        f"SELECT * FROM unnest({arrays}) ON CONFLICT DO NOTHING{tail}"
    )
    ids = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), ROWS_PER_STATEMENT):
            chunk = rows[start : start + ROWS_PER_STATEMENT]
            cursor.execute(statement, [list(column) for column in zip(*chunk, strict=True)])
            if return_ids:
                ids += [row[0] for row in cursor.fetchall()]
    return ids


class GrowingTables:
    """Fresh statistics for tables a long import fills, on PostgreSQL.

    PostgreSQL plans every lookup, and the foreign-key check of every row inserted,
    from each table's last statistics. Taken while a table was nearly empty (after a
    VACUUM, or by autovacuum at its first few dozen rows), they make a scan of the
    whole table look cheapest, and the checks of a 100,000-row import then scan it
    once a row: 160 s instead of 50 measured. So, as PostgreSQL's own advice on
    populating a database says, ANALYZE: here each time the rows written double,
    a dozen times for a million rows, tens of milliseconds each. Elsewhere, nothing.
    """

    FIRST = 1000

    def __init__(self, *models: type[models.Model]) -> None:
        self.tables = [model._meta.db_table for model in models]
        self.written = 0
        self.next_at = self.FIRST

    def grew(self, rows: int) -> None:
        self.written += rows
        if self.written < self.next_at or connection.vendor != "postgresql":
            return
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE " + ", ".join(quote(table) for table in self.tables))
        self.next_at = self.written * 2


@contextmanager
def commits_that_outlive_the_process() -> Iterator[None]:
    """Commits inside that survive the process being killed, not the machine losing
    power: on SQLite they return without waiting for the disk (``synchronous=NORMAL``
    in WAL mode), so a batch of site visits costs no fsync.

    For rows whose promise is exactly that (a site visit answered 204 is not lost
    when the server is killed); an enquiry keeps waiting for the disk. Inside an
    open transaction nothing changes (SQLite cannot, and the caller's commit decides).
    PostgreSQL is left as it is: its own group commit already shares one flush
    among the backends committing together.
    """
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous=NORMAL")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}")


def db_value(moment: datetime):
    """A datetime as this database stores it (SQLite keeps text in UTC)."""
    return connection.ops.adapt_datetimefield_value(moment)
