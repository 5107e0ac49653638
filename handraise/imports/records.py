"""Writes for the imports app's own table: remembering what each import added."""

import hashlib

from handraise.core.clock import now
from handraise.imports.models import ImportedRecord


def record_key(*parts: str) -> str:
    """A fixed-length key for any identity, compared whole."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def remember(*, kind: str, key: str, object_id: int, file_name: str) -> None:
    ImportedRecord.objects.create(
        kind=kind, key=key, object_id=object_id, file_name=file_name[:255], imported_at=now()
    )
