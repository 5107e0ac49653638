"""Today: one page of what needs doing now, in order."""

from datetime import timedelta

import pytest

from handraise.enquiries.models import Enquiry
from handraise.sales.tests.reading import text
from handraise.testing.factories import (
    make_closed_deal,
    make_deal,
    make_enquiry,
    make_enrolment,
    today,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db,
]

TODAY_QUERY_BUDGET = 14
HEADINGS = [
    "Waiting for a first response",
    "Next steps overdue, due today or missing",
    "Cadence steps due",
    "Deals going stale",
]


def test_today_lists_its_sections_in_the_order_to_work_them(teammate_client):
    page = text(teammate_client.get("/today/"))
    positions = [page.index(heading) for heading in HEADINGS]
    assert positions == sorted(positions)


def test_an_empty_day_says_so_in_every_section(teammate_client):
    page = text(teammate_client.get("/today/"))
    assert "Nobody is waiting for a reply." in page
    assert "Every open deal has a next step, and none is due today." in page
    assert "No cadence steps due today." in page
    assert "No deal has gone quiet for longer than its stage allows." in page
    assert page.count("(0)") == 4


def test_waiting_enquiries_come_soonest_due_first_and_link_to_the_inbox(teammate_client):
    later = make_enquiry("Later Person", due_in=timedelta(hours=3))
    make_enquiry("Overdue Person", due_in=timedelta(minutes=-20))
    make_enquiry("Answered Person", status=Enquiry.Status.RESPONDED)
    response = teammate_client.get("/today/")
    page = text(response)
    assert "Waiting for a first response (2)" in page
    assert page.index("Overdue Person") < page.index("Later Person")
    assert "Answered Person" not in page
    assert f'href="/inbox/{later.pk}/"' in response.content.decode()


def test_overdue_and_due_today_next_steps_are_listed_but_later_ones_are_not(teammate_client):
    make_deal("Due today", next_step_due=today())
    make_deal("Overdue", next_step_due=today() - timedelta(days=3))
    make_deal("Next week", next_step_due=today() + timedelta(days=7))
    page = text(teammate_client.get("/today/"))
    assert "Next steps overdue, due today or missing (2)" in page
    assert page.index("Overdue by 3 days Overdue") < page.index("Due today Due today")
    assert "Next week" not in page


def test_a_deal_without_a_next_step_is_listed_first(teammate_client):
    make_deal("Overdue", next_step_due=today() - timedelta(days=3))
    make_deal("Drifting", next_step="", next_step_due=None)
    page = text(teammate_client.get("/today/"))
    assert page.index("No next step Drifting") < page.index("Overdue")


def test_closed_deals_have_nothing_to_do_today(teammate_client):
    make_closed_deal("Signed long ago", won=True)
    assert "Signed long ago" not in text(teammate_client.get("/today/"))


def test_cadence_steps_due_by_the_end_of_today_are_listed(teammate_client):
    make_enrolment(make_deal("Chasing"), runs_in=timedelta(minutes=-30), subject="Any questions?")
    make_enrolment(make_deal("Next week's"), runs_in=timedelta(days=8))
    page = text(teammate_client.get("/today/"))
    assert "Cadence steps due (1)" in page
    assert "After the proposal, day 2: email “Any questions?” · Chasing" in page
    assert "Next week's" not in page


def test_stale_deals_are_listed_quietest_first(teammate_client):
    make_deal("Quiet", stage_name="Proposal", days_in_stage=20, last_activity_days_ago=12)
    make_deal("Quieter", stage_name="Proposal", days_in_stage=40, last_activity_days_ago=30)
    make_deal("Lively", stage_name="Proposal", days_in_stage=40, last_activity_days_ago=1)
    page = text(teammate_client.get("/today/"))
    assert "Deals going stale (2)" in page
    assert page.index("Stale: no activity for 30 days Quieter") < page.index(
        "Stale: no activity for 12 days Quiet "
    )
    assert "Lively" not in page.split("Deals going stale")[1]


def test_only_my_deals_leaves_out_other_peoples(teammate_client, teammate, owner):
    make_deal("Tom's", owner=teammate, next_step_due=today())
    make_deal("Olive's", owner=owner, next_step_due=today())
    page = text(teammate_client.get("/today/?mine=1"))
    assert "Tom's" in page and "Olive's" not in page


def test_the_today_query_count_does_not_grow_with_work(
    teammate_client, django_assert_max_num_queries
):
    for n in range(15):
        make_enquiry(f"Person {n}")
        deal = make_deal(
            f"Deal {n}", stage_name="Proposal", next_step_due=today(), days_in_stage=30
        )
        make_enrolment(deal, runs_in=timedelta(hours=-1))
    with django_assert_max_num_queries(TODAY_QUERY_BUDGET):
        response = teammate_client.get("/today/")
    page = text(response)
    assert "(15)" in page and page.count("Stale: no activity") == 15


def test_hostile_names_on_today_are_shown_as_text(teammate_client):
    make_enquiry("<script>x</script> Lee")
    make_deal("<img src=x onerror=alert(1)>", next_step_due=today())
    body = teammate_client.get("/today/").content.decode()
    assert "<script>x" not in body and "<img src=x" not in body
