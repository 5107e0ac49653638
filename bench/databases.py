"""Scratch databases for one benchmark each: made fresh, always removed afterwards.

SQLite is a new data dir (Handraise's embedded default: one WAL file in it);
PostgreSQL is a new database on the local server, dropped afterwards even when
the benchmark failed or was interrupted. Each comes with the ``HANDRAISE_*``
variables that point Handraise at it, and each has its own data dir, because
Handraise keeps its secret key, cache and spool there whatever the database.
This module does not migrate: ``handraise serve`` and the identity benchmark do.
"""

import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
LABELS = {SQLITE: "SQLite", POSTGRESQL: "PostgreSQL"}
SCRATCH_NAME = "bench_handraise"  # every benchmark's, unless it asks for its own


class DatabaseUnavailable(Exception):
    """The database cannot be used for this run (e.g. PostgreSQL is not running)."""


@dataclass(frozen=True)
class ScratchDatabase:
    kind: str
    data_dir: Path
    url: str  # "" for SQLite: Handraise's default file in the data dir

    @property
    def label(self) -> str:
        return LABELS[self.kind]

    @property
    def env(self) -> dict[str, str]:
        variables = {"HANDRAISE_DATA_DIR": str(self.data_dir)}
        if self.url:
            variables["HANDRAISE_DATABASE_URL"] = self.url
        return variables

    def count_rows(self, table: str) -> int:
        """Rows in one of Handraise's tables."""
        if not table.replace("_", "").isalnum():
            raise ValueError(f"not a table name: {table!r}")
        return self.fetch(f"SELECT count(*) FROM {table}")[0][0]  # noqa: S608 - checked above

    def fetch(self, query: str) -> list[tuple]:
        """Run one read-only query with the driver (not through Django) and return its rows."""
        if self.kind == SQLITE:
            with sqlite3.connect(self.data_dir / "handraise.sqlite3", timeout=30) as connection:
                return connection.execute(query).fetchall()
        import psycopg

        with psycopg.connect(self.url) as connection:
            return connection.execute(query).fetchall()


def postgres_version(admin_url: str) -> str:
    import psycopg

    try:
        with psycopg.connect(admin_url, connect_timeout=3) as connection:
            return connection.execute("SHOW server_version").fetchone()[0]
    except psycopg.Error as error:
        raise DatabaseUnavailable(f"PostgreSQL is not reachable at {admin_url}: {error}") from None


@contextmanager
def scratch_database(
    kind: str, *, work_dir: Path, admin_url: str, name: str = SCRATCH_NAME
) -> Iterator[ScratchDatabase]:
    """A fresh, empty database of ``kind``, removed when the block ends however it ends.

    ``name`` is the PostgreSQL database's (and the data dir's) name: a benchmark that
    keeps its database for long gives its own, so no other benchmark drops it.
    """
    data_dir = work_dir / f"data-{name}-{kind}"
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    url = ""
    try:
        if kind == POSTGRESQL:
            url = _create_postgres_database(admin_url, name)
        yield ScratchDatabase(kind=kind, data_dir=data_dir, url=url)
    finally:
        if url:
            _drop_postgres_database(admin_url, name)
        shutil.rmtree(data_dir, ignore_errors=True)


def _create_postgres_database(admin_url: str, name: str) -> str:
    import psycopg

    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as connection:
            # A run killed with SIGKILL could not drop its database; start clean.
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as error:
        raise DatabaseUnavailable(f"cannot create a scratch PostgreSQL database: {error}") from None
    parts = urlsplit(admin_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _drop_postgres_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as connection:
        # FORCE ends the sessions a stopped server may still hold open.
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
