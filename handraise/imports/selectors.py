"""Reads for imports: what an earlier import already brought in."""

from handraise.contacts.models import ContactEmail
from handraise.imports.models import ImportedRecord
from handraise.marketing.models import Asset


def already_imported(*, kind: str, key: str) -> int | None:
    """The id of what this key imported before, if anything."""
    return (
        ImportedRecord.objects.filter(kind=kind, key=key)
        .values_list("object_id", flat=True)
        .first()
    )


def imported_ids(kind: str) -> dict[str, int]:
    """Every key of this kind an import remembered, with what it imported (key -> id).

    Read once per file, so a million touchpoints find their contact and asset in
    memory; the kinds read this way (contacts, assets, deals ...) are the small ones.
    """
    return dict(ImportedRecord.objects.filter(kind=kind).values_list("key", "object_id"))


def contact_with_email(email: str) -> int | None:
    return ContactEmail.objects.filter(email=email).values_list("contact_id", flat=True).first()


def already_among(*, kind: str, keys: list[str]) -> set[str]:
    """Which of these keys an earlier import remembered (one query for a batch)."""
    rows = ImportedRecord.objects.filter(kind=kind, key__in=keys)
    return set(rows.values_list("key", flat=True))


def asset_titled(title: str) -> int | None:
    return Asset.objects.filter(title=title).order_by("pk").values_list("pk", flat=True).first()


def imported_among(*, kind: str, keys: list[str]) -> dict[str, int]:
    """Which of these keys an earlier import remembered, with what it imported."""
    rows = ImportedRecord.objects.filter(kind=kind, key__in=keys)
    return dict(rows.values_list("key", "object_id"))
