"""Identity resolution: the same person is recognised, a look-alike is only suggested."""

import threading

import pytest
from django.db import connection

from handraise.contacts.models import Contact, ContactEmail, MergeSuggestion, Organisation
from handraise.contacts.services import resolve_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def ann():
    return resolve_contact(
        name="Ann Lee", email="ann@lee.example", phone="+442079460123", organisation="Lee & Co"
    ).contact


@pytest.mark.unit
def test_known_email_links_to_the_existing_contact(ann):
    again = resolve_contact(name="A. Lee", email="ann@lee.example")
    assert again.contact == ann and again.matched_on == "email"
    assert Contact.objects.count() == 1


@pytest.mark.unit
def test_known_email_adds_a_new_phone_to_the_contact(ann):
    resolve_contact(name="Ann Lee", email="ann@lee.example", phone="+447700900123")
    assert set(ann.phones.values_list("number", flat=True)) == {"+442079460123", "+447700900123"}


@pytest.mark.unit
def test_known_phone_without_email_links_to_the_existing_contact(ann):
    again = resolve_contact(name="Ann", phone="+442079460123")
    assert again.contact == ann and again.matched_on == "phone"


@pytest.mark.unit
def test_shared_office_phone_with_a_different_person_makes_a_new_contact(ann):
    other = resolve_contact(name="Bob Smith", email="bob@lee.example", phone="+442079460123")
    assert other.contact != ann and other.matched_on == "new"


@pytest.mark.unit
def test_similar_name_and_organisation_becomes_a_suggestion_not_a_merge(ann):
    lookalike = resolve_contact(
        name="Anne Lee", email="anne.lee@gmail.example", organisation="Lee and Co"
    )
    assert lookalike.contact != ann
    assert lookalike.suggestion is not None
    assert lookalike.suggestion.candidate == ann
    assert lookalike.suggestion.status == MergeSuggestion.Status.OPEN
    assert Contact.objects.count() == 2


@pytest.mark.unit
def test_the_same_organisation_tips_a_close_name_into_a_suggestion(ann):
    # "Annie Lee" is close to "Ann Lee" but not enough on her name alone. Each
    # Annie is removed again, so the next is compared with Ann only.
    def annie(**given):
        resolution = resolve_contact(name="Annie Lee", email="annie@lee.example", **given)
        resolution.contact.delete()
        return resolution.suggestion

    assert annie() is None
    assert annie(organisation="Acme") is None
    same_firm = annie(organisation="Lee & Co")
    assert same_firm and same_firm.candidate == ann
    assert "organisation (100)" in same_firm.reason


@pytest.mark.unit
def test_different_person_with_the_same_surname_is_not_suggested(ann):
    other = resolve_contact(name="Zhang Lee", email="zhang@other.example", organisation="Acme")
    assert other.suggestion is None


@pytest.mark.unit
def test_accents_and_case_do_not_hide_a_lookalike():
    zoe = resolve_contact(
        name="Zoë O'Brien", email="zoe@a.example", organisation="Brightside"
    ).contact
    other = resolve_contact(name="zoe obrien", email="zoe@b.example", organisation="Brightside Ltd")
    assert other.suggestion and other.suggestion.candidate == zoe


@pytest.mark.unit
def test_a_name_alone_still_finds_a_lookalike_whatever_its_punctuation(ann):
    # No organisation given: only names are compared, punctuation and spacing aside.
    other = resolve_contact(name="  Ann  Lee - ", email="ann.lee@elsewhere.example")
    assert other.suggestion and other.suggestion.candidate == ann
    assert other.contact.match_key == ann.match_key == "lee"


@pytest.mark.unit
def test_organisation_is_reused_whatever_its_case(ann):
    resolve_contact(name="Bob Smith", email="bob@lee.example", organisation="LEE & CO")
    assert Organisation.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_submissions_from_the_same_new_person_make_one_contact():
    errors = []
    start = threading.Barrier(6)

    def submit():
        try:
            start.wait()
            resolve_contact(name="Cara Diaz", email="cara@diaz.example")
        except Exception as error:  # surfaced below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert ContactEmail.objects.filter(email="cara@diaz.example").count() == 1
    assert Contact.objects.filter(name="Cara Diaz").count() == 1
