"""Reads for imports: what an earlier import already brought in."""

from handraise.imports.models import ImportedRecord


def already_imported(*, kind: str, key: str) -> int | None:
    """The id of what this key imported before, if anything."""
    return (
        ImportedRecord.objects.filter(kind=kind, key=key)
        .values_list("object_id", flat=True)
        .first()
    )
