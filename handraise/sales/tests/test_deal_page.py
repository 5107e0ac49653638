"""A deal's page and the forms that move, close and work a deal, through HTTP."""

from datetime import timedelta

import pytest

from handraise.accounts.models import BusinessSettings
from handraise.core.clock import now
from handraise.sales.models import Activity, Deal
from handraise.sales.tests.reading import text
from handraise.testing.factories import (
    log,
    make_closed_deal,
    make_contact,
    make_deal,
    make_enquiry,
    reason,
    stage,
    today,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db,
]

# Session, user, business, stages, deal, reasons, six for the timeline, four for the
# cadence panel, quick tags: fixed, whatever the number of activities.
DEAL_PAGE_QUERY_BUDGET = 17


def move_post(deal, to: str, **fields) -> dict:
    return {
        "stage": stage(to).pk,
        "expected_stage": deal.stage_id,
        "next_step": "Walk them through the proposal",
        "next_step_due": (today() + timedelta(days=2)).isoformat(),
        **fields,
    }


def close_post(deal, *, won: bool, **fields) -> dict:
    outcome = "won" if won else "lost"
    return {
        "stage": stage("Won" if won else "Lost").pk,
        "expected_stage": deal.stage_id,
        "value": "5000",
        "reason": reason(outcome, "Price").pk,
        "note": "",
        **fields,
    }


def activity_post(**fields) -> dict:
    # The form reads times in the business's zone, as the person typing them means them.
    local = now().astimezone(BusinessSettings.load().zone)
    return {
        "kind": "call",
        "direction": "out",
        "occurred_at": local.strftime("%Y-%m-%dT%H:%M"),
        "subject": "Talked scope",
        "body": "",
        "next_step": "Send scope options",
        "next_step_due": (today() + timedelta(days=1)).isoformat(),
        **fields,
    }


# --- what the page shows ----------------------------------------------------------------


def test_the_deal_page_shows_its_details_and_next_step(teammate_client):
    deal = make_deal(
        "Capacity planning model",
        contact=make_contact("Ann Lee", organisation="Acme Ltd"),
        value="8000",
        next_step="Send the model outline",
        next_step_due=today(),
    )
    page = text(teammate_client.get(f"/deals/{deal.pk}/"))
    assert "Capacity planning model" in page
    assert "Ann Lee · Acme Ltd · Conversation · £8,000" in page
    assert "Send the model outline · due today" in page


def test_the_deal_page_lists_activities_oldest_first(teammate_client):
    deal = make_deal()
    log(deal, "Second call", days_ago=1)
    log(deal, "First call", days_ago=5)
    page = text(teammate_client.get(f"/deals/{deal.pk}/"))
    assert page.index("First call") < page.index("Second call")


def test_the_deal_page_links_to_the_enquiry_it_came_from(teammate_client):
    enquiry = make_enquiry("Cara Diaz")
    deal = make_deal(enquiry=enquiry, contact=enquiry.contact)
    body = teammate_client.get(f"/deals/{deal.pk}/").content.decode()
    assert f'href="/inbox/{enquiry.pk}/"' in body


def test_a_won_deal_shows_its_outcome_and_no_move_forms(teammate_client):
    deal = make_closed_deal("Signed", won=True, outcome_note="Liked the case study")
    page = text(teammate_client.get(f"/deals/{deal.pk}/"))
    assert "Right expertise" in page and "Liked the case study" in page
    assert "Move to another stage" not in page and "Mark as won" not in page


def test_the_deal_page_query_count_does_not_grow_with_activities(
    teammate_client, django_assert_max_num_queries
):
    deal = make_deal()
    for n in range(30):
        log(deal, f"Call {n}", days_ago=n)
    with django_assert_max_num_queries(DEAL_PAGE_QUERY_BUDGET):
        response = teammate_client.get(f"/deals/{deal.pk}/")
    assert text(response).count("Call (from us)") == 30


def test_hostile_text_on_the_deal_page_is_shown_as_text(teammate_client):
    deal = make_deal("<b>bold</b>", next_step="<script>alert(1)</script>")
    log(deal, '"><img src=x onerror=alert(1)>')
    body = teammate_client.get(f"/deals/{deal.pk}/").content.decode()
    assert "<b>bold</b>" not in body and "<script>alert(1)" not in body
    assert "<img src=x" not in body
    assert "&lt;b&gt;bold&lt;/b&gt;" in body


def test_an_unknown_deal_is_not_found(teammate_client):
    assert teammate_client.get("/deals/999999/").status_code == 404


# --- moving without JavaScript ----------------------------------------------------------


def test_a_cards_move_menu_opens_the_move_form_prefilled(teammate_client):
    deal = make_deal(stage_name="Proposal", next_step="Chase the FD")
    response = teammate_client.get(
        f"/deals/{deal.pk}/move/",
        {"stage": stage("Negotiation").pk, "expected_stage": deal.stage_id},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Move “Operations review” to Negotiation" in text(response)
    assert 'value="Chase the FD"' in body
    assert f'<option value="{stage("Negotiation").pk}" selected>' in body


def test_the_move_form_moves_the_deal_and_returns_to_the_board(teammate_client):
    deal = make_deal(stage_name="Proposal")
    response = teammate_client.post(f"/deals/{deal.pk}/move/", move_post(deal, "Negotiation"))
    deal.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == "/pipeline/"
    assert deal.stage.name == "Negotiation"
    page = text(teammate_client.get("/pipeline/"))
    assert "Moved “Operations review” from Proposal to Negotiation." in page


def test_a_move_without_a_next_step_is_answered_422_with_the_reason(teammate_client):
    deal = make_deal(stage_name="Proposal")
    response = teammate_client.post(
        f"/deals/{deal.pk}/move/", move_post(deal, "Negotiation", next_step="", next_step_due="")
    )
    assert response.status_code == 422
    assert "This field is required." in text(response)
    assert Deal.objects.get(pk=deal.pk).stage.name == "Proposal"


def test_a_move_with_a_past_due_date_is_answered_422_with_the_reason(teammate_client):
    deal = make_deal(stage_name="Proposal")
    past = (today() - timedelta(days=3)).isoformat()
    response = teammate_client.post(
        f"/deals/{deal.pk}/move/", move_post(deal, "Negotiation", next_step_due=past)
    )
    assert response.status_code == 422
    assert "That date has passed: pick today or later." in text(response)


def test_a_move_from_a_stale_board_is_refused_with_409_naming_the_new_stage(
    teammate_client, owner_client
):
    deal = make_deal(stage_name="Proposal")
    stale_form = move_post(deal, "Conversation")
    owner_client.post(f"/deals/{deal.pk}/move/", move_post(deal, "Negotiation"))
    response = teammate_client.post(f"/deals/{deal.pk}/move/", stale_form)
    assert response.status_code == 409
    assert "was moved by someone else to Negotiation; reload" in text(response)
    assert Deal.objects.get(pk=deal.pk).stage.name == "Negotiation"


def test_opening_the_move_form_for_a_deal_moved_meanwhile_says_so(teammate_client):
    deal = make_deal(stage_name="Negotiation")
    response = teammate_client.get(
        f"/deals/{deal.pk}/move/",
        {"stage": stage("Won").pk, "expected_stage": stage("Proposal").pk},
    )
    assert response.status_code == 409
    assert "was moved by someone else to Negotiation" in text(response)


def test_a_double_submitted_move_is_one_move(teammate_client):
    deal = make_deal(stage_name="Proposal")
    form = move_post(deal, "Negotiation")
    teammate_client.post(f"/deals/{deal.pk}/move/", form)
    response = teammate_client.post(f"/deals/{deal.pk}/move/", form)
    assert response.status_code == 302
    assert Activity.objects.filter(deal=deal).count() == 1


def test_nonsense_in_the_move_form_is_answered_422(teammate_client):
    deal = make_deal(stage_name="Proposal")
    response = teammate_client.post(
        f"/deals/{deal.pk}/move/",
        {
            "stage": "abc",
            "expected_stage": "9" * 40,
            "next_step": "x" * 5000,
            "next_step_due": "soon",
        },
    )
    assert response.status_code == 422
    assert Deal.objects.get(pk=deal.pk).stage.name == "Proposal"


# --- moving from the board's dialog (htmx) ----------------------------------------------


def test_a_move_from_the_dialog_answers_with_a_message(teammate_client):
    deal = make_deal(stage_name="Proposal")
    response = teammate_client.post(
        f"/deals/{deal.pk}/move/", move_post(deal, "Negotiation"), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert text(response) == "Moved “Operations review” from Proposal to Negotiation."


def test_a_move_from_the_dialog_with_errors_answers_the_form_with_422(teammate_client):
    deal = make_deal(stage_name="Proposal")
    response = teammate_client.post(
        f"/deals/{deal.pk}/move/",
        move_post(deal, "Negotiation", next_step=""),
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 422
    assert "<html" not in body and "data-move-form" in body
    assert "This field is required." in text(response)


def test_a_drop_on_won_opens_the_outcome_form(teammate_client):
    deal = make_deal(stage_name="Negotiation")
    response = teammate_client.get(
        f"/deals/{deal.pk}/move/",
        {"stage": stage("Won").pk, "expected_stage": deal.stage_id},
        headers={"HX-Request": "true"},
    )
    page = text(response)
    assert "Mark “Operations review” as won" in page
    assert "Why was it won?" in page and "Right expertise" in page and "Went quiet" not in page


# --- closing ----------------------------------------------------------------------------


def test_marking_a_deal_lost_from_its_page(teammate_client):
    deal = make_deal(stage_name="Proposal")
    response = teammate_client.post(
        f"/deals/{deal.pk}/move/",
        close_post(deal, won=False, note="Went with a bigger firm", return_to="deal"),
    )
    deal.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == f"/deals/{deal.pk}/"
    assert deal.stage.is_lost and deal.outcome_note == "Went with a bigger firm"


def test_marking_a_deal_won_without_a_reason_is_answered_422(teammate_client):
    deal = make_deal(stage_name="Negotiation")
    response = teammate_client.post(
        f"/deals/{deal.pk}/move/", close_post(deal, won=True, reason="", return_to="deal")
    )
    assert response.status_code == 422
    assert "This field is required." in text(response)
    assert not Deal.objects.get(pk=deal.pk).stage.is_won


def test_reopening_a_lost_deal_is_refused_with_a_clear_message(teammate_client):
    deal = make_closed_deal("Gone", won=False)
    response = teammate_client.post(
        f"/deals/{deal.pk}/move/", move_post(deal, "Proposal", return_to="deal")
    )
    assert response.status_code == 422
    assert "“Gone” was lost" in text(response) and "cannot be reopened" in text(response)
    assert Deal.objects.get(pk=deal.pk).stage.is_lost


# --- next step and activities -----------------------------------------------------------


def test_the_next_step_can_be_changed_from_the_deal_page(teammate_client):
    deal = make_deal()
    due = today() + timedelta(days=9)
    response = teammate_client.post(
        f"/deals/{deal.pk}/next-step/",
        {"next_step": "Book the site visit", "next_step_due": due.isoformat()},
    )
    deal.refresh_from_db()
    assert response.status_code == 302
    assert (deal.next_step, deal.next_step_due) == ("Book the site visit", due)


def test_a_next_step_without_a_date_is_answered_422(teammate_client):
    deal = make_deal()
    response = teammate_client.post(
        f"/deals/{deal.pk}/next-step/", {"next_step": "Book it", "next_step_due": ""}
    )
    assert response.status_code == 422 and "This field is required." in text(response)


def test_logging_a_call_from_the_deal_page_adds_it_to_the_history(teammate_client, teammate):
    deal = make_deal()
    response = teammate_client.post(f"/deals/{deal.pk}/activities/", activity_post())
    assert response.status_code == 302
    activity = Activity.objects.get(deal=deal)
    assert (activity.kind, activity.subject, activity.user) == ("call", "Talked scope", teammate)
    assert "Talked scope" in text(teammate_client.get(f"/deals/{deal.pk}/"))


def test_logging_an_activity_without_the_next_step_is_answered_422(teammate_client):
    deal = make_deal()
    response = teammate_client.post(
        f"/deals/{deal.pk}/activities/", activity_post(next_step="", next_step_due="")
    )
    assert response.status_code == 422
    assert not Activity.objects.filter(deal=deal).exists()


def test_a_note_on_a_closed_deal_needs_no_next_step(teammate_client):
    deal = make_closed_deal()
    response = teammate_client.post(
        f"/deals/{deal.pk}/activities/",
        activity_post(kind="note", direction="", next_step="", next_step_due=""),
    )
    assert response.status_code == 302
    assert Activity.objects.filter(deal=deal, kind="note").exists()


def test_the_deal_pages_move_menu_suggests_the_next_stage(teammate_client):
    deal = make_deal(stage_name="Conversation")
    body = teammate_client.get(f"/deals/{deal.pk}/").content.decode()
    assert f'<option value="{stage("Proposal").pk}" selected>Proposal</option>' in body
    menu = body.split('id="move_stage"')[1].split("</select>")[0]
    assert f'<option value="{stage("Conversation").pk}"' not in menu


HUGE = "9" * 30


@pytest.mark.parametrize("url", [f"/deals/{HUGE}/", f"/deals/{HUGE}/move/"])
def test_a_deal_number_no_database_holds_is_not_found(teammate_client, url):
    assert teammate_client.get(url).status_code == 404


@pytest.mark.parametrize("field", ["stage", "reason"])
def test_a_choice_number_no_database_holds_is_answered_422(teammate_client, field):
    deal = make_deal(stage_name="Proposal")
    form = close_post(deal, won=True) if field == "reason" else move_post(deal, "Negotiation")
    response = teammate_client.post(f"/deals/{deal.pk}/move/", {**form, field: HUGE})
    assert response.status_code == 422
