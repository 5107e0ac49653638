"""Deals and cadences in the admin."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from handraise.contacts.models import Contact
from handraise.sales.models import Cadence, CadenceStep, Deal, Stage

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

# A fixed budget with room for shared plumbing; a query per row (30 rows) blows it.
CHANGELIST_QUERY_BUDGET = 16


def test_deal_changelist_makes_a_fixed_number_of_queries(
    owner_client, owner, django_assert_max_num_queries
):
    stage = Stage.objects.get(name="Proposal")
    now = timezone.now()
    for n in range(30):
        Deal.objects.create(
            title=f"Deal {n}",
            contact=Contact.objects.create(name=f"Person {n}"),
            stage=stage,
            origin=Deal.Origin.MARKETING,
            owner=owner,
            value=1000,
            created_at=now - timedelta(days=n),
            stage_entered_at=now,
        )

    with django_assert_max_num_queries(CHANGELIST_QUERY_BUDGET):
        response = owner_client.get(reverse("admin:sales_deal_changelist"))

    assert response.status_code == 200
    assert b"Person 29" in response.content


def test_cadence_change_page_shows_its_steps_inline(owner_client):
    cadence = Cadence.objects.create(name="After proposal")
    CadenceStep.objects.create(
        cadence=cadence, position=1, business_days_after=2, kind="email", subject="Any questions?"
    )

    response = owner_client.get(reverse("admin:sales_cadence_change", args=[cadence.pk]))

    assert b'value="Any questions?"' in response.content


def test_the_deal_change_page_cannot_move_close_or_revalue_a_deal(owner_client, owner):
    proposal = Stage.objects.get(name="Proposal")
    won = Stage.objects.get(is_won=True)
    entered = timezone.now() - timedelta(days=3)
    deal = Deal.objects.create(
        title="Website rebuild",
        contact=Contact.objects.create(name="Ada Lovelace"),
        stage=proposal,
        origin=Deal.Origin.MARKETING,
        owner=owner,
        value=1000,
        created_at=entered,
        stage_entered_at=entered,
    )

    response = owner_client.post(
        reverse("admin:sales_deal_change", args=[deal.pk]),
        {
            "title": "Website rebuild, renamed",
            "contact": deal.contact_id,
            "origin": Deal.Origin.MARKETING,
            "owner": owner.pk,
            "stage": won.pk,
            "value": "99999",
            "currency": "EUR",
            "closed_at_0": "2026-01-01",
            "closed_at_1": "12:00:00",
            "stage_entered_at_0": "2026-01-01",
            "stage_entered_at_1": "12:00:00",
            "next_step": "",
            "next_step_due": "",
            "outcome_note": "forged",
        },
    )

    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.title == "Website rebuild, renamed"
    assert deal.stage == proposal
    assert deal.value == 1000
    assert deal.currency == "GBP"
    assert deal.closed_at is None
    assert deal.stage_entered_at == entered
    assert deal.outcome_note == ""
    assert deal.activities.count() == 0


def test_deals_cannot_be_added_in_the_admin_they_open_from_enquiries(owner_client):
    changelist = owner_client.get(reverse("admin:sales_deal_changelist"))

    assert owner_client.get(reverse("admin:sales_deal_add")).status_code == 403
    assert reverse("admin:sales_deal_add") not in changelist.content.decode()
