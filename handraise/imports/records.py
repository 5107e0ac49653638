"""Writes for the imports app's own table: remembering what each import added."""

import hashlib
from collections.abc import Iterable
from typing import NamedTuple

from handraise.core.bulk import db_value, insert_rows
from handraise.core.clock import now
from handraise.imports.models import ImportedRecord


class Remembered(NamedTuple):
    kind: str
    key: str
    object_id: int


def record_key(*parts: str) -> str:
    """A fixed-length key for any identity, compared whole."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def remember(*, kind: str, key: str, object_id: int, file_name: str) -> None:
    ImportedRecord.objects.create(
        kind=kind, key=key, object_id=object_id, file_name=file_name[:255], imported_at=now()
    )


def remember_many(records: Iterable[Remembered], *, file_name: str) -> None:
    """Many at once; a key remembered before keeps what it first pointed at."""
    moment, file_name = db_value(now()), file_name[:255]
    # A row for each contact of a 100,000-row file: see core.bulk for why not bulk_create.
    insert_rows(
        ImportedRecord,
        ["kind", "key", "object_id", "file_name", "imported_at"],
        [(kind, key, object_id, file_name, moment) for kind, key, object_id in records],
        ignore_conflicts=True,
    )
