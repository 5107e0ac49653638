"""Contacts in the admin: a page of them costs a fixed number of queries; search finds emails."""

import pytest
from django.urls import reverse

from handraise.contacts.models import Contact, ContactEmail, ContactPhone, Organisation

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

# A fixed budget with room for shared plumbing; a query per row (30 rows) blows it.
CHANGELIST_QUERY_BUDGET = 15


def make_contacts(count: int) -> None:
    for n in range(count):
        organisation = Organisation.objects.create(name=f"Org {n}")
        contact = Contact.objects.create(name=f"Person {n}", organisation=organisation)
        ContactEmail.objects.create(contact=contact, email=f"person{n}@example.com")
        ContactPhone.objects.create(contact=contact, number=f"+4420794600{n:02d}")


def test_contact_changelist_makes_a_fixed_number_of_queries(
    owner_client, django_assert_max_num_queries
):
    make_contacts(30)

    with django_assert_max_num_queries(CHANGELIST_QUERY_BUDGET):
        response = owner_client.get(reverse("admin:contacts_contact_changelist"))

    assert response.status_code == 200
    assert b"person29@example.com" in response.content
    assert b"Org 29" in response.content


def test_contact_search_finds_a_contact_by_email(owner_client):
    make_contacts(3)

    response = owner_client.get(
        reverse("admin:contacts_contact_changelist"), {"q": "person2@example.com"}
    )

    assert list(response.context["cl"].result_list) == [Contact.objects.get(name="Person 2")]


def test_contact_change_page_shows_emails_and_phones_inline(owner_client):
    make_contacts(1)
    contact = Contact.objects.get()

    response = owner_client.get(reverse("admin:contacts_contact_change", args=[contact.pk]))

    assert b'value="person0@example.com"' in response.content
    assert b'value="+442079460000"' in response.content
