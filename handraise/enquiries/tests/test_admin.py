"""Enquiries in the admin: a page of them costs a fixed number of queries."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from handraise.contacts.models import Contact
from handraise.enquiries.models import Enquiry, Form

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

# A fixed budget with room for shared plumbing; a query per row (30 rows) blows it.
CHANGELIST_QUERY_BUDGET = 15


def test_enquiry_changelist_makes_a_fixed_number_of_queries(
    owner_client, django_assert_max_num_queries
):
    form = Form.objects.get(slug="contact")
    now = timezone.now()
    for n in range(30):
        Enquiry.objects.create(
            channel=Enquiry.Channel.FORM,
            form=form,
            contact=Contact.objects.create(name=f"Person {n}"),
            received_at=now - timedelta(hours=n),
            response_due_at=now + timedelta(hours=1),
        )

    with django_assert_max_num_queries(CHANGELIST_QUERY_BUDGET):
        response = owner_client.get(reverse("admin:enquiries_enquiry_changelist"))

    assert response.status_code == 200
    assert b"Person 29" in response.content


def test_form_changelist_counts_enquiries_per_form(owner_client):
    form = Form.objects.get(slug="contact")
    contact = Contact.objects.create(name="Ada")
    for _ in range(3):
        Enquiry.objects.create(
            channel=Enquiry.Channel.FORM, form=form, contact=contact, received_at=timezone.now()
        )

    response = owner_client.get(reverse("admin:enquiries_form_changelist"))

    assert [row.enquiry_count for row in response.context["cl"].result_list] == [3]
