"""The contact list (search, pages, empty states) and a contact's page, through HTTP."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils.html import escape

from handraise.contacts.models import Contact, ContactEmail, ContactPhone, Organisation
from handraise.contacts.views import PAGE_SIZE
from handraise.core.clock import now
from handraise.insights.models import Signal
from handraise.marketing.models import Touchpoint
from handraise.sales.tests.reading import text
from handraise.testing.factories import log, make_contact, make_deal, make_enquiry

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

BLNS = Path(__file__).resolve().parents[3] / "tests" / "data" / "blns.json"
# A page of contacts costs a fixed number of queries: session, user, count, rows, emails.
CONTACT_LIST_QUERY_BUDGET = 6
CONTACT_PAGE_QUERY_BUDGET = 18  # the timeline's six and the sources' four among them


def make_person(name="Ann Lee", *, email="ann@acme.example", organisation="Acme Ltd"):
    contact = make_contact(name, organisation=organisation)
    ContactEmail.objects.create(contact=contact, email=email, is_primary=True)
    return contact


# --- the list ---------------------------------------------------------------------------


def test_the_list_shows_each_contact_with_organisation_and_email(teammate_client):
    contact = make_person()
    response = teammate_client.get("/contacts/")
    page = text(response)
    assert "1 contact." in page and "Ann Lee Acme Ltd ann@acme.example" in page
    assert f'href="/contacts/{contact.pk}/"' in response.content.decode()


@pytest.mark.parametrize("search", ["ann", "ACME", "acme.example", "  Lee  "])
def test_search_finds_a_contact_by_name_email_or_organisation(teammate_client, search):
    make_person()
    make_person("Bob Stone", email="bob@other.example", organisation="Other plc")
    page = text(teammate_client.get("/contacts/", {"q": search}))
    assert "Ann Lee" in page and "Bob Stone" not in page


def test_a_contact_with_two_matching_emails_is_listed_once(teammate_client):
    contact = make_person()
    ContactEmail.objects.create(contact=contact, email="ann.lee@acme.example")
    assert "1 contact matching “acme”." in text(teammate_client.get("/contacts/", {"q": "acme"}))


def test_the_search_box_answers_htmx_with_the_list_alone(teammate_client):
    make_person()
    response = teammate_client.get("/contacts/", {"q": "ann"}, headers={"HX-Request": "true"})
    assert "<html" not in response.content.decode() and "Ann Lee" in text(response)


def test_the_list_is_paged_and_each_page_costs_the_same(
    teammate_client, django_assert_max_num_queries
):
    org = Organisation.objects.create(name="Big Co")
    people = Contact.objects.bulk_create(
        Contact(name=f"Person {n:03}", organisation=org) for n in range(PAGE_SIZE + 5)
    )
    ContactEmail.objects.bulk_create(
        ContactEmail(contact=person, email=f"p{n}@big.example") for n, person in enumerate(people)
    )
    with django_assert_max_num_queries(CONTACT_LIST_QUERY_BUDGET):
        first = text(teammate_client.get("/contacts/"))
    assert "Person 000" in first and f"Person {PAGE_SIZE:03}" not in first
    assert f"{PAGE_SIZE + 5} contacts." in first and "Page 1 of 2" in first
    with django_assert_max_num_queries(CONTACT_LIST_QUERY_BUDGET):
        second = text(teammate_client.get("/contacts/", {"page": 2}))
    assert f"Person {PAGE_SIZE + 4:03}" in second and "Person 000" not in second


def test_paging_through_a_search_keeps_the_search(teammate_client):
    Contact.objects.bulk_create(Contact(name=f"Person {n:03}") for n in range(PAGE_SIZE + 5))
    first = teammate_client.get("/contacts/", {"q": "Person"}).content.decode()
    assert 'href="?q=Person&amp;page=2">Next</a>' in first
    second = teammate_client.get("/contacts/", {"q": "Person", "page": 2}).content.decode()
    assert 'href="?q=Person&amp;page=1">Previous</a>' in second and "Next</a>" not in second


@pytest.mark.parametrize("page", ["0", "-3", "abc", "9" * 40])
def test_a_page_number_that_makes_no_sense_shows_a_page(teammate_client, page):
    make_person()
    response = teammate_client.get("/contacts/", {"page": page})
    assert response.status_code == 200 and "Ann Lee" in text(response)


def test_an_empty_list_says_where_contacts_come_from(teammate_client):
    page = text(teammate_client.get("/contacts/"))
    assert "No contacts yet. Everyone who raises their hand becomes a contact" in page


def test_a_search_without_matches_says_so(teammate_client):
    make_person()
    page = text(teammate_client.get("/contacts/", {"q": "zebra"}))
    assert "Nobody matches “zebra”. Show everyone" in page


def test_contacts_are_in_the_navigation(teammate_client):
    body = teammate_client.get("/contacts/").content.decode()
    assert '<a href="/contacts/" aria-current="page">Contacts</a>' in body


# --- one contact ------------------------------------------------------------------------


def test_the_contact_page_shows_details_enquiries_deals_and_timeline(teammate_client):
    contact = make_person()
    ContactPhone.objects.create(contact=contact, number="+442079460123", label="office")
    enquiry = make_enquiry("Ann Lee", contact=contact, visitor_id="v-1", message="Month end?")
    Touchpoint.objects.create(
        visitor_id="v-1", url="/pricing/", occurred_at=enquiry.received_at - timedelta(days=1)
    )
    deal = make_deal("Month-end review", contact=contact)
    log(deal, "Scoping call")
    Signal.objects.create(
        kind=Signal.Kind.QUESTION,
        text="Do you work with Xero?",
        contact=contact,
        deal=deal,
        captured_at=now(),
    )
    response = teammate_client.get(f"/contacts/{contact.pk}/")
    body, page = response.content.decode(), text(response)
    assert "ann@acme.example" in page and "+442079460123 (office)" in page and "Acme Ltd" in page
    assert f'href="/inbox/{enquiry.pk}/"' in body and f'href="/deals/{deal.pk}/"' in body
    assert "Month-end review · Conversation · £4,500" in page
    order = ["Visited /pricing/", "Month end?", "Scoping call", "Question: Do you work with Xero?"]
    positions = [page.index(words) for words in order]
    assert positions == sorted(positions)
    # Several deals meet on a person's page: each entry names its deal.
    assert "Scoping call · Month-end review" in page


def test_the_contact_page_costs_the_same_however_long_the_story(
    teammate_client, django_assert_max_num_queries
):
    contact = make_person()
    for n in range(3):
        make_enquiry("Ann Lee", contact=contact)
        deal = make_deal(f"Deal {n}", contact=contact)
        for m in range(20):
            log(deal, f"Call {n}.{m}", days_ago=m)
    with django_assert_max_num_queries(CONTACT_PAGE_QUERY_BUDGET):
        response = teammate_client.get(f"/contacts/{contact.pk}/")
    page = text(response)
    assert page.count("Raised their hand") == 3 and page.count("Call (from us)") == 47
    assert "Earlier entries" in page


def test_the_deal_and_enquiry_pages_link_to_the_contact(teammate_client):
    contact = make_person()
    enquiry = make_enquiry("Ann Lee", contact=contact)
    deal = make_deal(contact=contact)
    link = f'href="/contacts/{contact.pk}/"'
    assert link in teammate_client.get(f"/deals/{deal.pk}/").content.decode()
    assert link in teammate_client.get(f"/inbox/{enquiry.pk}/").content.decode()


def test_an_unknown_contact_is_not_found(teammate_client):
    assert teammate_client.get("/contacts/999999/").status_code == 404
    assert teammate_client.get(f"/contacts/{'9' * 30}/").status_code == 404


@pytest.mark.parametrize("url", ["/contacts/", "/contacts/1/"])
def test_an_outsider_is_sent_to_sign_in(outsider_client, url):
    make_person()
    response = outsider_client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


# --- hostile strings --------------------------------------------------------------------


def test_naughty_strings_on_the_contact_pages_are_shown_escaped(teammate_client):
    strings = [s for s in json.loads(BLNS.read_text()) if s.strip()]
    contacts = Contact.objects.bulk_create(
        Contact(name=s[:200], job_title=s[:200]) for s in strings
    )
    for person in contacts[::25]:
        response = teammate_client.get(f"/contacts/{person.pk}/")
        assert response.status_code == 200
        assert f"<h1>{escape(person.name)}</h1>" in response.content.decode()
    pages = -(-len(contacts) // PAGE_SIZE)
    for number in range(1, pages + 1):
        assert teammate_client.get("/contacts/", {"page": number}).status_code == 200
    for naughty in strings:
        response = teammate_client.get("/contacts/", {"q": naughty})
        assert response.status_code == 200, naughty
        if naughty.strip() and len(naughty.strip()) <= 200:
            assert escape(naughty.strip()) in response.content.decode()


def test_naughty_strings_in_the_timeline_are_shown_escaped(teammate_client):
    strings = [s for s in json.loads(BLNS.read_text()) if s.strip()]
    contact = make_person()
    deal = make_deal(contact=contact)
    moment = now()
    for n, naughty in enumerate(strings[:40]):
        at = moment - timedelta(minutes=n)
        log(deal, naughty[:300], days_ago=n / 1440)
        Signal.objects.create(
            kind=Signal.Kind.OBJECTION, text=naughty, contact=contact, deal=deal, captured_at=at
        )
        Touchpoint.objects.create(contact=contact, utm_campaign=naughty[:200], occurred_at=at)
    for url in (f"/contacts/{contact.pk}/", f"/deals/{deal.pk}/"):
        body = teammate_client.get(url).content.decode()
        for naughty in strings[:16]:  # the newest, on the first page
            assert escape(naughty[:300]) in body
        assert "<script>alert(" not in body
