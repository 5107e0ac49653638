"""The pipeline board as a signed-in user sees it."""

import re
from datetime import timedelta

import pytest

from handraise.sales.selectors import CARDS_PER_COLUMN
from handraise.sales.tests.reading import text
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

BOARD_QUERY_BUDGET = 10


def card_of(response, title: str) -> str:
    """The words of the card whose title is ``title``."""
    body = response.content.decode()
    start = body.index(title)
    card = body[body.rfind('<li class="card', 0, start) : body.index("</li>", start)]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", card)).strip()


def test_board_has_a_column_per_open_stage_in_order_then_won_and_lost(teammate_client):
    headings = re.findall(
        r'<h2 id="column-\d+">([^<]+)</h2>', teammate_client.get("/pipeline/").content.decode()
    )
    assert headings == ["Enquiry", "Conversation", "Proposal", "Negotiation", "Won", "Lost"]


def test_a_column_shows_its_count_and_value(teammate_client):
    make_deal("One", stage_name="Proposal", value="4500")
    make_deal("Two", stage_name="Proposal", value="12000.50")
    page = text(teammate_client.get("/pipeline/"))
    assert "Proposal 2 deals · £16,500.50" in page


def test_a_card_shows_title_contact_value_age_and_next_step(teammate_client):
    make_deal(
        "Warehouse flow redesign",
        contact=make_contact("Ann Lee", organisation="Acme Ltd"),
        value="18000",
        days_in_stage=4.5,
        next_step="Walk the FD through it",
        next_step_due=today() + timedelta(days=1),
    )
    card = card_of(teammate_client.get("/pipeline/"), "Warehouse flow redesign")
    assert "Ann Lee · Acme Ltd" in card
    assert "£18,000 · 4 days in stage" in card
    assert "Next step: Walk the FD through it · due tomorrow" in card


def test_an_overdue_next_step_is_flagged_in_words(teammate_client):
    make_deal("Late one", next_step_due=today() - timedelta(days=2))
    card = card_of(teammate_client.get("/pipeline/"), "Late one")
    assert "overdue by 2 days" in card and "Next step overdue" in card


def test_a_missing_next_step_is_flagged_in_words(teammate_client):
    make_deal("Drifting", next_step="", next_step_due=None)
    assert "No next step" in card_of(teammate_client.get("/pipeline/"), "Drifting")


def test_a_deal_quiet_for_longer_than_its_stage_allows_is_flagged_stale(teammate_client):
    make_deal("Quiet one", stage_name="Conversation", days_in_stage=9, last_activity_days_ago=8)
    card = card_of(teammate_client.get("/pipeline/"), "Quiet one")
    assert "Stale: no activity for 8 days" in card


def test_recent_activity_keeps_a_deal_from_going_stale(teammate_client):
    make_deal("Busy one", stage_name="Conversation", days_in_stage=30, last_activity_days_ago=1)
    card = card_of(teammate_client.get("/pipeline/"), "Busy one")
    assert "Stale" not in card and "Needs attention" not in card


def test_a_column_shows_its_most_urgent_cards_and_links_to_the_rest(teammate_client):
    for n in range(CARDS_PER_COLUMN + 2):
        make_deal(f"Deal {n:02}", stage_name="Proposal", next_step_due=today() + timedelta(days=n))
    response = teammate_client.get("/pipeline/")
    page = text(response)
    assert page.count("Move “Deal") == CARDS_PER_COLUMN
    assert "Deal 00" in page and f"Deal {CARDS_PER_COLUMN + 1:02}" not in page
    assert f"?stage={stage('Proposal').pk}" in response.content.decode()
    assert "Show 2 more in the list" in page


def test_won_and_lost_columns_summarise_the_last_30_days(teammate_client):
    make_closed_deal("Recent win", won=True, value="3000", days_ago=3)
    make_closed_deal("Old win", won=True, value="9000", days_ago=60)
    make_closed_deal("Recent loss", won=False, value="2000", days_ago=3)
    page = text(teammate_client.get("/pipeline/"))
    assert "Won 1 in the last 30 days · £3,000" in page
    assert "Lost 1 in the last 30 days · £2,000" in page
    assert "Recent win" not in page


def test_the_owner_filter_shows_only_their_deals(teammate_client, teammate, owner):
    make_deal("Tom's deal", owner=teammate)
    make_deal("Olive's deal", owner=owner)
    page = text(teammate_client.get("/pipeline/?owner=me"))
    assert "Tom's deal" in page and "Olive's deal" not in page


def test_an_htmx_refresh_gets_only_the_board(teammate_client):
    make_deal("Partial deal")
    body = teammate_client.get("/pipeline/", headers={"HX-Request": "true"}).content.decode()
    assert "Partial deal" in body and "<html" not in body


def test_the_board_query_count_does_not_grow_with_deals(
    teammate_client, owner, django_assert_max_num_queries
):
    for n in range(40):
        make_deal(f"Deal {n}", stage_name=["Enquiry", "Proposal"][n % 2], owner=owner)
    make_closed_deal("Won", won=True)
    with django_assert_max_num_queries(BOARD_QUERY_BUDGET):
        response = teammate_client.get("/pipeline/")
    assert text(response).count("in stage") == 40


def test_a_hostile_title_is_shown_as_text(teammate_client):
    make_deal('<script>alert("x")</script><img src=x onerror=alert(1)>')
    body = teammate_client.get("/pipeline/").content.decode()
    assert "<script>alert" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body


def test_the_board_has_no_inline_script_or_style(teammate_client):
    make_deal()
    body = teammate_client.get("/pipeline/").content.decode()
    assert re.findall(r"<script(?![^>]*\bsrc=)", body) == []
    assert " style=" not in body and " on" + "click=" not in body


def test_the_board_loads_its_sorting_library_and_script(teammate_client):
    body = teammate_client.get("/pipeline/").content.decode()
    assert "sales/vendor/Sortable-1.15.7.min.js" in body and "sales/board.js" in body


@pytest.mark.parametrize(
    "url", ["/pipeline/", "/pipeline/list/", "/today/", "/deals/{pk}/", "/deals/{pk}/move/"]
)
def test_a_teammate_may_use_every_pipeline_page(teammate_client, url):
    deal = make_deal()
    assert teammate_client.get(url.format(pk=deal.pk)).status_code == 200


@pytest.mark.parametrize(
    "url", ["/pipeline/", "/pipeline/list/", "/today/", "/deals/{pk}/", "/deals/{pk}/move/"]
)
def test_an_outsider_is_sent_to_sign_in(outsider_client, url):
    deal = make_deal("Secret deal")
    response = outsider_client.get(url.format(pk=deal.pk))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_an_outsider_cannot_move_a_deal(outsider_client):
    deal = make_deal(stage_name="Proposal")
    response = outsider_client.post(
        f"/deals/{deal.pk}/move/",
        {"stage": stage("Lost").pk, "expected_stage": deal.stage_id},
    )
    deal.refresh_from_db()
    assert response.status_code == 302 and deal.stage.name == "Proposal"


@pytest.mark.parametrize("owner", ["99999999999999999999", "-1", "<script>", "me%00"])
def test_a_nonsense_owner_filter_is_answered_without_failing(teammate_client, owner):
    make_deal("Listed deal")
    response = teammate_client.get("/pipeline/", {"owner": owner})
    assert response.status_code == 200
    assert "<script>" not in response.content.decode().replace("<script src=", "")
