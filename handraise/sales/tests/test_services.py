"""Moving, closing and working deals through the services, as every caller does."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from handraise.core.clock import now
from handraise.enquiries.models import Enquiry
from handraise.sales import services
from handraise.sales.models import Activity, CadenceEnrolment, Deal
from handraise.testing.factories import (
    make_closed_deal,
    make_deal,
    make_enquiry,
    make_enrolment,
    reason,
    stage,
    today,
)

pytestmark = [pytest.mark.unit, pytest.mark.django_db]


def move(deal, to, user, *, next_step="Walk them through the proposal", due=None, seen=None):
    return services.move_deal(
        deal=deal,
        to_stage=stage(to),
        user=user,
        next_step=next_step,
        next_step_due=due if due is not None else today() + timedelta(days=2),
        expected_stage_id=seen if seen is not None else deal.stage_id,
    )


def close(deal, user, *, won=True, label=None, value="5000", note="", seen=None):
    outcome = "won" if won else "lost"
    return services.close_deal(
        deal=deal,
        to_stage=stage("Won" if won else "Lost"),
        user=user,
        value=Decimal(value),
        reason=reason(outcome, label or ("Right expertise" if won else "Price")),
        note=note,
        expected_stage_id=seen if seen is not None else deal.stage_id,
    )


# --- moving -----------------------------------------------------------------------------


def test_moving_a_deal_changes_its_stage_and_next_step(owner):
    deal = make_deal(stage_name="Conversation")
    due = today() + timedelta(days=4)
    move(deal, "Proposal", owner, next_step="Call about the fixed fee", due=due)
    deal.refresh_from_db()
    assert deal.stage.name == "Proposal"
    assert (deal.next_step, deal.next_step_due) == ("Call about the fixed fee", due)


def test_moving_a_deal_restarts_its_time_in_stage_and_counts_as_activity(owner):
    deal = make_deal(days_in_stage=20, last_activity_days_ago=15)
    before = now()
    move(deal, "Proposal", owner)
    deal.refresh_from_db()
    assert deal.stage_entered_at >= before
    assert deal.last_activity_at >= before


def test_a_move_is_recorded_in_the_deals_history(owner):
    deal = make_deal(stage_name="Proposal")
    move(deal, "Negotiation", owner, next_step="Send the engagement letter")
    note = Activity.objects.get(deal=deal)
    assert note.kind == Activity.Kind.NOTE
    assert note.subject == "Moved from Proposal to Negotiation"
    assert "Send the engagement letter" in note.body
    assert note.user == owner


def test_moving_to_an_open_stage_requires_a_next_step(owner):
    deal = make_deal(stage_name="Conversation")
    with pytest.raises(ValidationError) as error:
        move(deal, "Proposal", owner, next_step="   ")
    assert "next_step" in error.value.message_dict
    assert Deal.objects.get(pk=deal.pk).stage.name == "Conversation"


def test_moving_to_an_open_stage_requires_a_due_date(owner):
    deal = make_deal()
    with pytest.raises(ValidationError) as error:
        services.move_deal(
            deal=deal,
            to_stage=stage("Proposal"),
            user=owner,
            next_step="Call",
            next_step_due=None,
            expected_stage_id=deal.stage_id,
        )
    assert "next_step_due" in error.value.message_dict


def test_a_next_step_due_in_the_past_is_refused(owner):
    deal = make_deal()
    with pytest.raises(ValidationError) as error:
        move(deal, "Proposal", owner, due=today() - timedelta(days=1))
    assert "passed" in error.value.message_dict["next_step_due"][0]


def test_moving_to_the_stage_it_is_in_changes_nothing(owner):
    deal = make_deal(stage_name="Proposal", next_step="Keep this")
    result = move(deal, "Proposal", owner, next_step="Something else")
    deal.refresh_from_db()
    assert not result.moved
    assert deal.next_step == "Keep this"
    assert not Activity.objects.filter(deal=deal).exists()


def test_moving_to_won_without_the_outcome_is_refused(owner):
    deal = make_deal()
    with pytest.raises(services.InvalidMove, match="value and reason"):
        move(deal, "Won", owner)


# --- races and repeats ------------------------------------------------------------------


def test_second_of_two_moves_from_the_same_stage_is_refused_naming_where_it_went(owner, teammate):
    deal = make_deal(stage_name="Proposal")
    seen = deal.stage_id
    move(deal, "Negotiation", owner, seen=seen)
    with pytest.raises(services.DealMovedElsewhere, match="moved by someone else to Negotiation"):
        move(deal, "Conversation", teammate, seen=seen)


def test_a_refused_move_leaves_the_first_move_whole(owner, teammate):
    deal = make_deal(stage_name="Proposal")
    seen = deal.stage_id
    move(deal, "Negotiation", owner, next_step="First mover's step", seen=seen)
    with pytest.raises(services.DealMovedElsewhere):
        move(deal, "Conversation", teammate, next_step="Second mover's step", seen=seen)
    deal.refresh_from_db()
    assert (deal.stage.name, deal.next_step) == ("Negotiation", "First mover's step")
    assert Activity.objects.filter(deal=deal).count() == 1


def test_the_same_move_submitted_twice_is_one_move(owner):
    deal = make_deal(stage_name="Proposal")
    seen = deal.stage_id
    first = move(deal, "Negotiation", owner, seen=seen)
    second = move(deal, "Negotiation", owner, seen=seen)
    assert first.moved and not second.moved
    assert Activity.objects.filter(deal=deal).count() == 1


def test_the_same_win_submitted_twice_is_one_win(owner):
    deal = make_deal(stage_name="Negotiation")
    seen = deal.stage_id
    close(deal, owner, seen=seen)
    second = close(deal, owner, seen=seen)
    assert not second.moved
    assert Activity.objects.filter(deal=deal).count() == 1


# --- won and lost -----------------------------------------------------------------------


def test_winning_a_deal_records_its_value_reason_and_note(owner):
    deal = make_deal(stage_name="Negotiation", value="4000")
    close(deal, owner, value="5250.50", label="Referral trust", note="Came via Jo")
    deal.refresh_from_db()
    assert deal.stage.is_won and deal.closed_at is not None
    assert deal.value == Decimal("5250.50")
    assert (deal.outcome_reason.label, deal.outcome_note) == ("Referral trust", "Came via Jo")


def test_closing_a_deal_clears_its_next_step(owner):
    deal = make_deal(stage_name="Negotiation", next_step="Send contract")
    close(deal, owner, won=False)
    deal.refresh_from_db()
    assert (deal.next_step, deal.next_step_due) == ("", None)


def test_a_lost_reason_cannot_explain_a_win(owner):
    deal = make_deal()
    with pytest.raises(ValidationError) as error:
        services.close_deal(
            deal=deal,
            to_stage=stage("Won"),
            user=owner,
            value=Decimal("100"),
            reason=reason("lost", "Price"),
            note="",
            expected_stage_id=deal.stage_id,
        )
    assert "reason" in error.value.message_dict


def test_reopening_a_won_deal_is_refused_with_a_reason(owner):
    deal = make_closed_deal(won=True)
    with pytest.raises(services.InvalidMove, match="cannot be reopened"):
        move(deal, "Negotiation", owner)


def test_a_lost_deal_cannot_be_won_later(owner):
    deal = make_closed_deal(won=False)
    with pytest.raises(services.InvalidMove, match="was lost"):
        close(deal, owner, won=True)


def test_moving_a_deal_stops_its_running_cadences(owner):
    deal = make_deal(stage_name="Proposal")
    enrolment = make_enrolment(deal, runs_in=timedelta(days=1))
    move(deal, "Negotiation", owner)
    enrolment.refresh_from_db()
    assert enrolment.status == CadenceEnrolment.Status.STOPPED
    assert enrolment.stop_reason == "The deal moved to Negotiation."


# --- next steps and activities ----------------------------------------------------------


def test_logging_an_activity_sets_the_next_step_and_last_activity(owner):
    deal = make_deal(last_activity_days_ago=10)
    when = now() - timedelta(hours=1)
    due = today() + timedelta(days=5)
    services.log_activity(
        deal=deal,
        user=owner,
        kind="call",
        direction="out",
        subject="Talked through scope",
        body="",
        occurred_at=when,
        next_step="Send scope options",
        next_step_due=due,
    )
    deal.refresh_from_db()
    assert deal.last_activity_at == when
    assert (deal.next_step, deal.next_step_due) == ("Send scope options", due)


def test_logging_an_activity_on_an_open_deal_asks_for_the_next_step(owner):
    deal = make_deal()
    with pytest.raises(ValidationError) as error:
        services.log_activity(
            deal=deal,
            user=owner,
            kind="note",
            direction="",
            subject="Thinking",
            body="",
            occurred_at=now(),
            next_step="",
            next_step_due=None,
        )
    assert {"next_step", "next_step_due"} <= set(error.value.message_dict)
    assert not Activity.objects.filter(deal=deal).exists()


def test_a_closed_deal_takes_notes_without_a_next_step(owner):
    deal = make_closed_deal()
    services.log_activity(
        deal=deal,
        user=owner,
        kind="note",
        direction="",
        subject="Kick-off booked",
        body="",
        occurred_at=now(),
    )
    assert Activity.objects.filter(deal=deal, subject="Kick-off booked").exists()


def test_the_same_activity_submitted_twice_is_logged_once(owner):
    deal = make_deal()
    when = now().replace(second=0, microsecond=0)
    for _ in range(2):
        services.log_activity(
            deal=deal,
            user=owner,
            kind="call",
            direction="out",
            subject="Call",
            body="Went well",
            occurred_at=when,
            next_step="Send notes",
            next_step_due=today(),
        )
    assert Activity.objects.filter(deal=deal).count() == 1


def test_an_activity_in_the_future_is_refused(owner):
    deal = make_deal()
    with pytest.raises(ValidationError) as error:
        services.log_activity(
            deal=deal,
            user=owner,
            kind="call",
            direction="out",
            subject="Call",
            body="",
            occurred_at=now() + timedelta(days=1),
            next_step="x",
            next_step_due=today(),
        )
    assert "occurred_at" in error.value.message_dict


def test_logging_a_call_answers_the_deals_unanswered_enquiry(owner):
    enquiry = make_enquiry(status=Enquiry.Status.CONVERTED)
    deal = make_deal(enquiry=enquiry, contact=enquiry.contact)
    services.log_activity(
        deal=deal,
        user=owner,
        kind="call",
        direction="out",
        subject="Called back",
        body="",
        occurred_at=now(),
        next_step="Send times",
        next_step_due=today(),
    )
    enquiry.refresh_from_db()
    assert enquiry.first_response_at is not None and enquiry.first_response_by == owner


def test_a_reply_from_the_prospect_stops_running_cadences(owner):
    deal = make_deal(stage_name="Proposal")
    enrolment = make_enrolment(deal, runs_in=timedelta(days=1))
    services.log_activity(
        deal=deal,
        user=owner,
        kind="email",
        direction="in",
        subject="Re: proposal",
        body="",
        occurred_at=now(),
        next_step="Answer their question",
        next_step_due=today(),
    )
    enrolment.refresh_from_db()
    assert enrolment.status == CadenceEnrolment.Status.STOPPED


def test_editing_the_next_step_is_not_activity(owner):
    deal = make_deal(last_activity_days_ago=12)
    before = Deal.objects.get(pk=deal.pk).last_activity_at
    services.set_next_step(
        deal=deal, user=owner, next_step="Chase", next_step_due=today() + timedelta(days=1)
    )
    deal.refresh_from_db()
    assert deal.next_step == "Chase"
    assert deal.last_activity_at == before


def test_a_closed_deal_has_no_next_step_to_edit(owner):
    deal = make_closed_deal()
    with pytest.raises(services.InvalidMove, match="cannot be reopened"):
        services.set_next_step(deal=deal, user=owner, next_step="Chase", next_step_due=today())
