"""The filterable list of deals."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from handraise.accounts.models import BusinessSettings
from handraise.sales.models import Deal
from handraise.sales.tests.reading import text
from handraise.sales.views import PAGE_SIZE
from handraise.testing.factories import (
    make_closed_deal,
    make_contact,
    make_deal,
    stage,
    today,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db,
]

LIST_QUERY_BUDGET = 12


def test_the_list_shows_open_deals_by_default(teammate_client):
    make_deal("Open one")
    make_closed_deal("Closed one")
    page = text(teammate_client.get("/pipeline/list/"))
    assert "Open one" in page and "Closed one" not in page


def test_the_list_filters_by_stage(teammate_client):
    make_deal("In proposal", stage_name="Proposal")
    make_deal("In conversation", stage_name="Conversation")
    page = text(teammate_client.get(f"/pipeline/list/?stage={stage('Proposal').pk}"))
    assert "In proposal" in page and "In conversation" not in page


def test_the_list_shows_closed_deals_of_a_closed_stage(teammate_client):
    make_closed_deal("Signed", won=True)
    assert "Signed" in text(teammate_client.get(f"/pipeline/list/?stage={stage('Won').pk}"))


def test_the_list_filters_by_owner(teammate_client, owner):
    make_deal("Olive's", owner=owner)
    make_deal("Nobody's")
    page = text(teammate_client.get("/pipeline/list/?owner=none"))
    assert "Nobody's" in page and "Olive's" not in page


def test_the_list_filters_by_origin(teammate_client):
    make_deal("Referred", origin=Deal.Origin.REFERRAL)
    make_deal("Inbound")
    page = text(teammate_client.get("/pipeline/list/?origin=referral"))
    assert "Referred" in page and "Inbound" not in page


def test_the_list_filters_overdue_next_steps(teammate_client):
    make_deal("Late", next_step_due=today() - timedelta(days=1))
    make_deal("On time")
    page = text(teammate_client.get("/pipeline/list/?attention=overdue"))
    assert "Late" in page and "On time" not in page


@pytest.mark.parametrize(
    ("zone", "moment", "business_day"),
    [
        # 00:30 UTC on 10 March is still the afternoon of the 9th in Los Angeles...
        ("America/Los_Angeles", datetime(2026, 3, 10, 0, 30, tzinfo=UTC), date(2026, 3, 9)),
        # ...and 23:30 UTC on 10 March already the morning of the 11th in Tokyo.
        ("Asia/Tokyo", datetime(2026, 3, 10, 23, 30, tzinfo=UTC), date(2026, 3, 11)),
    ],
)
def test_overdue_means_before_today_at_the_business_not_in_utc(
    teammate_client, monkeypatch, zone, moment, business_day
):
    BusinessSettings.objects.filter(pk=1).update(time_zone=zone)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    make_deal("Due today there", next_step_due=business_day)
    make_deal("Due the day before", next_step_due=business_day - timedelta(days=1))
    page = text(teammate_client.get("/pipeline/list/?attention=overdue"))
    assert "Due the day before" in page and "Due today there" not in page


def test_the_list_filters_deals_without_a_next_step(teammate_client):
    make_deal("Drifting", next_step="", next_step_due=None)
    make_deal("Planned")
    page = text(teammate_client.get("/pipeline/list/?attention=missing"))
    assert "Drifting" in page and "Planned" not in page


def test_the_list_searches_titles_and_contacts(teammate_client):
    make_deal("Lean workshop", contact=make_contact("Dana Fox"))
    make_deal("Process mapping", contact=make_contact("Eli Gray", organisation="Foxglove Ltd"))
    make_deal("Unrelated")
    page = text(teammate_client.get("/pipeline/list/?q=fox"))
    assert "Lean workshop" in page and "Process mapping" in page and "Unrelated" not in page


def test_the_list_sorts_by_value_highest_first(teammate_client):
    make_deal("Small", value="1000")
    make_deal("Large", value="90000")
    make_deal("Middle", value="20000")
    page = text(teammate_client.get("/pipeline/list/?sort=-value"))
    assert page.index("Large") < page.index("Middle") < page.index("Small")


def test_the_list_sorts_by_time_in_stage_longest_first(teammate_client):
    make_deal("Newer", days_in_stage=1)
    make_deal("Older", days_in_stage=20)
    page = text(teammate_client.get("/pipeline/list/?sort=age"))
    assert page.index("Older") < page.index("Newer")


def test_the_list_is_paginated(teammate_client):
    for n in range(PAGE_SIZE + 3):
        make_deal(f"Deal {n}", next_step_due=today() + timedelta(days=n % 20))
    page = text(teammate_client.get("/pipeline/list/?page=2"))
    assert f"{PAGE_SIZE + 3} deals." in page and "Page 2 of 2" in page
    assert len(re.findall(r"Deal \d+", page)) == 3


def test_filters_it_does_not_understand_are_left_out_with_a_note(teammate_client):
    make_deal("Still listed")
    response = teammate_client.get("/pipeline/list/?stage=<b>&sort=DROP TABLE&owner=x&page=-1")
    page = text(response)
    assert response.status_code == 200
    assert "Still listed" in page and "Some filters were not understood" in page
    assert "<b>" not in response.content.decode().split("</form>", 1)[1]


def test_an_htmx_filter_gets_only_the_list(teammate_client):
    make_deal("Partial")
    body = teammate_client.get("/pipeline/list/", headers={"HX-Request": "true"}).content.decode()
    assert "Partial" in body and "<html" not in body


def test_the_list_query_count_does_not_grow_with_deals(
    teammate_client, owner, django_assert_max_num_queries
):
    for n in range(40):
        make_deal(f"Deal {n}", owner=owner, contact=make_contact(f"P{n}", organisation=f"O{n}"))
    with django_assert_max_num_queries(LIST_QUERY_BUDGET):
        response = teammate_client.get("/pipeline/list/")
    assert len(re.findall(r"Deal \d+", text(response))) == 40
