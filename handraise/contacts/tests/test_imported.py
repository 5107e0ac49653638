"""People from imported files, resolved a batch at a time, as a row at a time would.

The batch decides in memory what the database would have answered row by row;
the test that matters most here imports the same people both ways and expects
the very same contacts, emails, phones, organisations and merge suggestions.
"""

import dataclasses
import random
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from handraise.contacts.imported import ImportedPerson, Lookalikes, record_imported_contacts
from handraise.contacts.models import (
    Contact,
    ContactEmail,
    ContactPhone,
    MergeSuggestion,
    Organisation,
)
from handraise.contacts.services import resolve_contact

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

SURNAMES = ["Smith", "Smyth", "Jones", "Lee", "Okafor", "Nguyen", "Brown"]
FIRST = ["Ann", "Anne", "Bob", "Robert", "Cara", "Dev", "Eve", "Zoë"]
GIVEN_BEFORE = datetime(2025, 1, 1, tzinfo=UTC)  # the dates mixed_people gives
ORGS = ["Acme", "acme", "Beta Ltd", "", "", "Gamma & Co"]


def seed_stored() -> None:
    """What was here before the import: some people the file will meet again."""
    resolve_contact(name="Ann Smith", email="ann@smith.example", organisation="Acme")
    resolve_contact(name="Bob Jones", phone="+447700900001")
    resolve_contact(name="Office Lee", phone="+442079460000", organisation="Beta Ltd")
    resolve_contact(name="Cara Okafor", email="cara@okafor.example")
    Contact.objects.filter(name="Cara Okafor").update(job_title="Director")


def mixed_people(count: int, seed: int) -> list[ImportedPerson]:
    """People who overlap each other and those stored, every way resolution can meet."""
    rng = random.Random(seed)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    people = []
    for n in range(count):
        name = f"{rng.choice(FIRST)} {rng.choice(SURNAMES)}"
        shape = rng.random()
        emails, phones = [], []
        if shape < 0.5:
            emails = [f"p{rng.randrange(count // 2)}@example.com"]
            if rng.random() < 0.2:
                emails.append(rng.choice(["ann@smith.example", f"second{n}@example.com"]))
        if shape > 0.3 and rng.random() < 0.6:
            phones = [rng.choice(["+447700900001", "+442079460000", f"+4477009{n:05d}"])]
        people.append(
            ImportedPerson(
                name=name,
                emails=emails,
                phones=phones,
                organisation=rng.choice(ORGS),
                job_title=rng.choice(["", "", "Owner"]),
                notes=rng.choice(["", "Met at the fair"]),
                created_at=start + timedelta(days=rng.randrange(1500))
                if rng.random() < 0.7
                else None,
            )
        )
    return people


def snapshot() -> dict:
    """Everything resolution wrote, with ids replaced by their order of creation."""
    order = {
        pk: i for i, pk in enumerate(Contact.objects.order_by("pk").values_list("pk", flat=True))
    }
    contacts = [
        (
            c.name,
            c.organisation.name if c.organisation else None,
            c.job_title,
            c.notes,
            c.created_at if c.created_at < GIVEN_BEFORE else "import time",
            [(e.email, e.is_primary) for e in c.emails.order_by("pk")],
            [(p.number, p.is_primary) for p in c.phones.order_by("pk")],
        )
        for c in Contact.objects.order_by("pk").select_related("organisation")
    ]
    suggestions = sorted(
        (order[s.contact_id], order[s.candidate_id], s.score, s.reason)
        for s in MergeSuggestion.objects.all()
    )
    return {
        "contacts": contacts,
        "suggestions": suggestions,
        "organisations": sorted(Organisation.objects.values_list("name", flat=True)),
    }


def imported_in(people: list[ImportedPerson], size: int) -> tuple[list, dict]:
    """Import ``people`` in batches of ``size`` into what ``seed_stored`` leaves, as an
    import does (one Lookalikes across the batches); how each was met, and the result."""
    for model in (MergeSuggestion, ContactEmail, ContactPhone, Contact, Organisation):
        model.objects.all().delete()
    seed_stored()
    lookalikes = Lookalikes()
    met = [
        resolution.matched_on
        for start in range(0, len(people), size)
        for resolution in record_imported_contacts(people[start : start + size], lookalikes)
    ]
    return met, snapshot()


def test_a_batch_resolves_people_exactly_as_one_at_a_time_would():
    people = mixed_people(300, seed=7)
    one_by_one = imported_in(people, 1)
    assert imported_in(people, 300) == one_by_one
    assert imported_in(people, 37) == one_by_one
    # Every way of meeting someone happened, so the comparison covered them all.
    met, result = one_by_one
    assert set(met) == {"email", "phone", "name", "new"}
    assert result["suggestions"]


def test_the_same_person_twice_in_one_batch_is_one_contact_with_both_numbers():
    first, second = record_imported_contacts(
        [
            ImportedPerson(name="Dev Patel", emails=["dev@example.com"], phones=["+447700900111"]),
            ImportedPerson(
                name="Dev Patel",
                emails=["dev@example.com", "dev@home.example"],
                phones=["+447700900222"],
                job_title="Founder",
                created_at=datetime(2019, 5, 1, tzinfo=UTC),
            ),
        ]
    )
    assert (first.matched_on, second.matched_on) == ("new", "email")
    dev = Contact.objects.get()
    assert first.contact == second.contact == dev
    assert dev.job_title == "Founder" and dev.created_at == datetime(2019, 5, 1, tzinfo=UTC)
    assert [(e.email, e.is_primary) for e in dev.emails.order_by("pk")] == [
        ("dev@example.com", True),
        ("dev@home.example", False),
    ]
    assert [(p.number, p.is_primary) for p in dev.phones.order_by("pk")] == [
        ("+447700900111", True),
        ("+447700900222", False),
    ]


def test_a_stored_persons_details_are_filled_in_never_overwritten():
    seed_stored()
    cara = Contact.objects.get(name="Cara Okafor")
    (resolution,) = record_imported_contacts(
        [
            ImportedPerson(
                name="Cara O.",
                emails=["cara@okafor.example"],
                job_title="Intern",
                notes="Prefers calls",
                created_at=datetime(2015, 1, 1, tzinfo=UTC),
            )
        ]
    )
    cara.refresh_from_db()
    assert resolution.contact == cara and resolution.matched_on == "email"
    assert (cara.name, cara.job_title, cara.notes) == ("Cara Okafor", "Director", "Prefers calls")
    assert cara.created_at == datetime(2015, 1, 1, tzinfo=UTC)


def test_a_lookalike_merged_away_between_batches_is_not_suggested():
    lookalikes = Lookalikes()
    (first,) = record_imported_contacts(
        [ImportedPerson(name="Zoë Nguyen", emails=["zoe@one.example"])], lookalikes
    )
    first.contact.delete()  # merged or erased by someone while the import runs
    (second,) = record_imported_contacts(
        [ImportedPerson(name="Zoe Nguyen", emails=["zoe@two.example"])], lookalikes
    )
    assert second.matched_on == "new" and second.suggestion is None
    assert not MergeSuggestion.objects.exists()


def test_a_batch_costs_a_few_queries_not_a_few_per_person():
    seed_stored()

    def queries_for(count: int, seed: int) -> int:
        people = [
            ImportedPerson(
                name=f"{FIRST[n % len(FIRST)]} Smith",
                emails=[f"batch{seed}-{n}@example.com"],
                phones=[f"+4477009{seed}{n:04d}"],
                organisation=f"Org {n % 7}",
                job_title="Owner",
            )
            for n in range(count)
        ] + [ImportedPerson(name="Ann Smith", emails=["ann@smith.example"], notes="again")]
        with CaptureQueriesContext(connection) as queries:
            record_imported_contacts(people)
        return len(queries)

    few, many = queries_for(10, 1), queries_for(300, 2)
    # Row by row this was seven or more a person. What grows is only the INSERTs,
    # which Django splits to stay within SQLite's 999 parameters a statement.
    assert few < 20 and many < 30, (few, many)


def test_a_row_whose_id_was_imported_before_is_that_contact_whatever_else_it_says():
    (first,) = record_imported_contacts(
        [ImportedPerson(name="Ann Smith", phones=["+447700900555"])]
    )
    (again,) = record_imported_contacts(
        [ImportedPerson(name="Ann Smyth", emails=["new@smith.example"], known=first.contact.pk)]
    )
    assert again.matched_on == "id" and again.contact == first.contact
    assert Contact.objects.count() == 1
    assert set(first.contact.emails.values_list("email", flat=True)) == {"new@smith.example"}


def test_distinct_rows_sharing_a_phone_and_name_stay_two_people():
    # Handraise's own export: two contacts with one name and one office number are two.
    people = [
        ImportedPerson(
            name="Sophie Nowak", emails=[f"sophie@{n}.example"], phones=["+442079460999"]
        )
        for n in ("one", "two")
    ]
    assert [r.matched_on for r in record_imported_contacts(people)] == ["new", "phone"]
    for model in (MergeSuggestion, ContactEmail, ContactPhone, Contact):
        model.objects.all().delete()
    distinct = [dataclasses.replace(person, distinct=True) for person in people]
    assert [r.matched_on for r in record_imported_contacts(distinct)] == ["new", "new"]
    assert Contact.objects.filter(name="Sophie Nowak").count() == 2


def test_a_phone_added_to_a_stored_person_finds_them_again_later_in_the_batch():
    resolve_contact(name="Jane Smith", email="jane@x.example")
    first, second = record_imported_contacts(
        [
            ImportedPerson(name="Jane Smith", emails=["jane@x.example"], phones=["+447700900777"]),
            ImportedPerson(
                name="Jane Smith", emails=["jane@work.example"], phones=["+447700900777"]
            ),
        ]
    )
    assert (first.matched_on, second.matched_on) == ("email", "phone")
    assert Contact.objects.count() == 1 and not MergeSuggestion.objects.exists()


def test_an_erased_persons_placeholder_is_not_found_again_by_their_old_id():
    (ann,) = record_imported_contacts([ImportedPerson(name="Ann Lee", emails=["ann@lee.example"])])
    Contact.objects.filter(pk=ann.contact.pk).update(
        name="Erased person", match_key="", erased_at=datetime(2026, 1, 1, tzinfo=UTC)
    )
    ContactEmail.objects.filter(contact=ann.contact).delete()
    (again,) = record_imported_contacts(
        [ImportedPerson(name="Ann Lee", emails=["ann@lee.example"], known=ann.contact.pk)]
    )
    assert again.matched_on == "new" and again.contact != ann.contact
    placeholder = Contact.objects.get(pk=ann.contact.pk)
    assert placeholder.name == "Erased person" and not placeholder.emails.exists()
