"""Many rows in and out at once: ``core.bulk.insert_rows`` and the ``__any_of`` lookup,
on whichever database the suite runs on (each has its own statements)."""

from datetime import UTC, datetime

import pytest
from django.db import connection

from handraise.contacts.models import Contact, ContactEmail
from handraise.core.bulk import GrowingTables, db_value, insert_rows
from handraise.imports.models import ImportedRecord

pytestmark = [pytest.mark.unit, pytest.mark.django_db]

MOMENT = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


def records(*pairs) -> list[tuple]:
    return [
        ("contacts", key, object_id, "people.csv", db_value(MOMENT)) for key, object_id in pairs
    ]


def test_rows_already_there_are_skipped_and_keep_what_they_first_pointed_at():
    columns = ["kind", "key", "object_id", "file_name", "imported_at"]
    insert_rows(ImportedRecord, columns, records(("a", 1), ("b", 2)), ignore_conflicts=True)

    # More than one statement's worth, so the chunking is exercised too.
    later = records(("a", 10), *((f"k{n}", n) for n in range(2500)), ("b", 20))
    insert_rows(ImportedRecord, columns, later, ignore_conflicts=True)

    stored = dict(ImportedRecord.objects.values_list("key", "object_id"))
    assert (stored["a"], stored["b"]) == (1, 2)
    assert len(stored) == 2502 and stored["k2499"] == 2499
    assert ImportedRecord.objects.get(key="k7").imported_at == MOMENT


def test_new_ids_come_back_in_the_order_of_the_rows():
    ids = insert_rows(
        Contact,
        ["name", "match_key", "job_title", "notes", "created_at", "updated_at"],
        [
            (f"Person {n}", f"person {n}", "", "", db_value(MOMENT), db_value(MOMENT))
            for n in range(3)
        ],
        return_ids=True,
    )

    assert [Contact.objects.get(pk=pk).name for pk in ids] == ["Person 0", "Person 1", "Person 2"]


def test_skipped_rows_and_new_ids_cannot_be_asked_for_together():
    with pytest.raises(ValueError, match="one or the other"):
        insert_rows(ImportedRecord, ["kind"], [("x",)], ignore_conflicts=True, return_ids=True)


def test_any_of_finds_what_in_finds():
    ann = Contact.objects.create(name="Ann", match_key="ann")
    bea = Contact.objects.create(name="Bea", match_key="bea")
    ContactEmail.objects.create(contact=ann, email="ann@example.com")
    ContactEmail.objects.create(contact=bea, email="bea@example.com")
    wanted = {"ann@example.com", "nobody@example.com", None}

    def found(**lookup):
        return sorted(ContactEmail.objects.filter(**lookup).values_list("email", flat=True))

    assert found(email__any_of=wanted) == found(email__in=wanted) == ["ann@example.com"]
    assert found(contact_id__any_of=[ann.pk, bea.pk]) == ["ann@example.com", "bea@example.com"]
    assert found(email__any_of=[]) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statistics")
def test_statistics_follow_a_table_as_an_import_fills_it():
    def estimated_rows() -> float:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE relname = %s", [Contact._meta.db_table]
            )
            return cursor.fetchone()[0]

    tables = GrowingTables(Contact)
    columns = ["name", "match_key", "job_title", "notes", "created_at", "updated_at"]
    for size in (400, 400, 700):  # 800 written: not yet; 1,500: past the first thousand
        rows = [("P", "p", "", "", db_value(MOMENT), db_value(MOMENT))] * size
        insert_rows(Contact, columns, rows)
        tables.grew(size)
        if size == 400:
            assert estimated_rows() < 800

    # The planner now knows the table holds 1,500 rows, not the few it held before.
    assert estimated_rows() == 1500
