"""Cadences through their services and pages: timing, enrolling, running, stopping, drafts.

The week of simulated time, with a real SMTP server, is in ``test_cadence_week``.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from handraise.contacts.models import ContactEmail
from handraise.core.clock import BusinessCalendar, now
from handraise.core.models import OutgoingEmail
from handraise.core.placeholders import DEAL, fill, offered, validate_placeholders
from handraise.demo import build_demo
from handraise.sales import cadences, services
from handraise.sales.models import (
    Activity,
    Cadence,
    CadenceEnrolment,
    CadenceStep,
    CadenceStepRun,
)
from handraise.sales.tests.reading import text
from handraise.testing.factories import (
    make_closed_deal,
    make_contact,
    make_deal,
    make_enrolment,
    stage,
    today,
)

pytestmark = [pytest.mark.django_db]

LONDON = ZoneInfo("Europe/London")
WEEKDAYS_9_TO_5 = {day: ((time(9), time(17, 30)),) for day in range(5)}
CALENDAR = BusinessCalendar(
    zone=LONDON, windows=WEEKDAYS_9_TO_5, holiday_country="GB", holiday_subdivision="ENG"
)
LATER = timedelta(days=60)  # a moment by which every step of these cadences is due


def make_cadence(
    name: str = "Proposal follow-up",
    *,
    steps=((2, "email"), (5, "call"), (10, "email")),
    send_without_approval: bool = True,
    **fields,
) -> Cadence:
    cadence = Cadence.objects.create(
        name=name, send_without_approval=send_without_approval, **fields
    )
    for position, (days, kind) in enumerate(steps):
        CadenceStep.objects.create(
            cadence=cadence,
            position=position,
            business_days_after=days,
            kind=kind,
            subject=f"Day {days} {kind} for {{{{ first_name }}}}",
            body=f"Hi {{{{ first_name }}}}, about {{{{ deal }}}} (day {days}).",
        )
    return cadence


def deal_with_email(title: str = "Month-end review", address: str = "ann@example.com", **kw):
    contact = make_contact("Ann Lee")
    ContactEmail.objects.create(contact=contact, email=address, is_primary=True)
    return make_deal(title, contact=contact, **kw)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


# --- timing -----------------------------------------------------------------------------


@pytest.mark.unit
def test_business_days_skip_the_weekend_and_the_bank_holiday():
    wednesday = local(date(2026, 5, 20), 11)  # Monday 25 May is the Spring Bank Holiday
    assert cadences.step_due_at(CALENDAR, wednesday, 2) == local(date(2026, 5, 22), 11)
    assert cadences.step_due_at(CALENDAR, wednesday, 3) == local(date(2026, 5, 26), 11)
    assert cadences.step_due_at(CALENDAR, wednesday, 10) == local(date(2026, 6, 4), 11)


@pytest.mark.unit
def test_a_step_lands_in_opening_hours_whenever_the_deal_was_enrolled():
    evening = local(date(2026, 5, 20), 21, 15)
    early = local(date(2026, 5, 20), 6, 30)
    assert cadences.step_due_at(CALENDAR, evening, 1) == local(date(2026, 5, 21), 9)
    assert cadences.step_due_at(CALENDAR, early, 1) == local(date(2026, 5, 21), 9)
    assert cadences.step_due_at(CALENDAR, evening, 0) == evening  # day 0: at once


@pytest.mark.unit
def test_without_opening_hours_business_days_are_plain_days():
    calendar = BusinessCalendar(zone=LONDON, windows={})
    start = datetime(2026, 5, 23, 22, tzinfo=UTC)  # a Saturday night
    assert cadences.step_due_at(calendar, start, 2) == start + timedelta(days=2)


# --- personalising ----------------------------------------------------------------------


@pytest.mark.unit
def test_placeholders_are_plain_values_and_never_expand_twice():
    values = {"first_name": "{{ business }}", "business": "Northbank", "deal": "<b>Audit</b>"}
    result = fill("Hi {{first_name}}, re {{ deal.title }} from {{ business }}", values)
    assert result == "Hi {{ business }}, re <b>Audit</b> from Northbank"


@pytest.mark.unit
def test_a_template_reaching_into_objects_is_refused_with_the_list_of_placeholders():
    with pytest.raises(ValidationError) as refused:
        validate_placeholders(
            "Hi {{ deal.owner.password }} {% load static %}", allowed=offered(DEAL)
        )
    message = refused.value.messages[0]
    assert "Unknown placeholder {{ deal.owner.password }}" in message
    assert "{{ first_name }}" in message
    # the demo's spellings
    validate_placeholders("Hi {{ first_name }}, {{ contact.name }}", allowed=offered(DEAL))


# --- enrolling --------------------------------------------------------------------------


@pytest.mark.integration
def test_moving_a_deal_into_a_stage_enrols_it_in_that_stages_active_cadences(owner):
    proposal = make_cadence(enrol_on_stage=stage("Proposal"))
    make_cadence("Switched off", enrol_on_stage=stage("Proposal"), is_active=False)
    make_cadence("Negotiation chase", enrol_on_stage=stage("Negotiation"))
    deal = deal_with_email()
    services.move_deal(
        deal=deal,
        to_stage=stage("Proposal"),
        user=owner,
        next_step="Chase",
        next_step_due=today() + timedelta(days=2),
        expected_stage_id=stage("Conversation").pk,
    )
    enrolment = CadenceEnrolment.objects.get(deal=deal)
    assert enrolment.cadence == proposal and enrolment.status == "active"
    assert enrolment.next_run_at == cadences.step_due_at(
        BusinessCalendar.for_business(), enrolment.enrolled_at, 2
    )


@pytest.mark.integration
def test_enrolling_is_refused_with_a_reason_when_it_cannot_work(owner):
    cadence = make_cadence()
    deal = deal_with_email()
    cadences.enrol(deal=deal, cadence=cadence, user=owner)
    with pytest.raises(cadences.AlreadyEnrolled, match="already in “Proposal follow-up”"):
        cadences.enrol(deal=deal, cadence=cadence, user=owner)
    with pytest.raises(cadences.CadenceError, match="was won: a closed deal is not followed"):
        cadences.enrol(deal=make_closed_deal(), cadence=cadence)
    off = make_cadence("Old plan", is_active=False)
    with pytest.raises(cadences.CadenceError, match="“Old plan” is switched off"):
        cadences.enrol(deal=deal, cadence=off)
    empty = Cadence.objects.create(name="Empty")
    with pytest.raises(cadences.CadenceError, match="“Empty” has no steps yet"):
        cadences.enrol(deal=deal, cadence=empty)
    assert CadenceEnrolment.objects.filter(deal=deal).count() == 1


# --- running steps ----------------------------------------------------------------------


@pytest.mark.integration
def test_a_step_runs_once_however_often_the_job_runs(owner):
    deal = deal_with_email(owner=owner)
    cadences.enrol(deal=deal, cadence=make_cadence(steps=((2, "email"),)))
    moment = now() + LATER
    assert cadences.run_due_steps(moment=moment) == 1
    assert cadences.run_due_steps(moment=moment) == 0
    assert cadences.run_due_steps(moment=moment + LATER) == 0
    email = OutgoingEmail.objects.get()
    assert email.to == "ann@example.com" and email.reply_to == "owner@example.com"
    assert email.subject == "Day 2 email for Ann"
    assert email.body == "Hi Ann, about Month-end review (day 2)."
    assert email.activity.deal == deal and email.activity.direction == "out"
    assert CadenceEnrolment.objects.get(deal=deal).status == CadenceEnrolment.Status.COMPLETED


@pytest.mark.integration
def test_each_run_of_the_job_takes_one_step_so_a_late_worker_does_not_send_a_burst():
    deal = deal_with_email()
    cadences.enrol(deal=deal, cadence=make_cadence())
    moment = now() + LATER
    cadences.run_due_steps(moment=moment)
    assert OutgoingEmail.objects.count() == 1
    cadences.run_due_steps(moment=moment)
    cadences.run_due_steps(moment=moment)
    assert OutgoingEmail.objects.count() == 2
    assert Activity.objects.filter(deal=deal, kind=Activity.Kind.CALL).count() == 1


@pytest.mark.integration
def test_an_email_step_for_a_contact_without_an_address_is_skipped_and_says_why(owner_client):
    deal = make_deal("No address", contact=make_contact("Bo Ray"))
    cadences.enrol(deal=deal, cadence=make_cadence(steps=((1, "email"), (3, "task"))))
    cadences.run_due_steps(moment=now() + LATER)
    run = CadenceStepRun.objects.get()
    assert run.status == CadenceStepRun.Status.SKIPPED
    assert run.note == "No email address for Bo Ray."
    assert not OutgoingEmail.objects.exists()
    assert CadenceEnrolment.objects.get().status == CadenceEnrolment.Status.ACTIVE
    page = text(owner_client.get(f"/deals/{deal.pk}/"))
    assert (
        "Not sent Proposal follow-up, day 1 email “Day 1 email for Bo”: "
        "No email address for Bo Ray." in page
    )


@pytest.mark.integration
def test_a_switched_off_cadence_pauses_its_deals_until_it_is_back_on():
    cadence = make_cadence(steps=((1, "email"),))
    cadences.enrol(deal=deal_with_email(), cadence=cadence)
    Cadence.objects.filter(pk=cadence.pk).update(is_active=False)
    assert cadences.run_due_steps(moment=now() + LATER) == 0
    Cadence.objects.filter(pk=cadence.pk).update(is_active=True)
    assert cadences.run_due_steps(moment=now() + LATER) == 1


@pytest.mark.integration
def test_a_deal_closed_behind_the_cadences_back_is_not_followed_up():
    deal = deal_with_email()
    cadences.enrol(deal=deal, cadence=make_cadence())
    deal.stage, deal.closed_at = stage("Lost"), now()
    deal.save()
    assert cadences.run_due_steps(moment=now() + LATER) == 0
    enrolment = CadenceEnrolment.objects.get()
    assert enrolment.status == "stopped" and enrolment.stop_reason == "The deal was lost."


# --- drafts and tasks -------------------------------------------------------------------


def drafted(deal) -> CadenceStepRun:
    cadences.enrol(deal=deal, cadence=make_cadence(send_without_approval=False))
    cadences.run_due_steps(moment=now() + LATER)
    return CadenceStepRun.objects.get(status=CadenceStepRun.Status.DRAFT)


@pytest.mark.integration
def test_a_draft_sends_nothing_until_approved_then_once_as_edited(owner):
    run = drafted(deal_with_email(owner=owner))
    assert not OutgoingEmail.objects.exists()
    for _ in range(2):
        cadences.approve_draft(run=run, user=owner, subject="Edited  subject", body="New words")
    email = OutgoingEmail.objects.get()
    assert (email.subject, email.body) == ("Edited subject", "New words")
    run.refresh_from_db()
    assert run.status == "sent" and run.decided_by == owner


@pytest.mark.integration
def test_a_draft_with_an_empty_subject_or_body_is_refused_field_by_field(owner):
    run = drafted(deal_with_email())
    with pytest.raises(ValidationError) as refused:
        cadences.approve_draft(run=run, user=owner, subject="  ", body="")
    assert set(refused.value.message_dict) == {"subject", "body"}
    assert not OutgoingEmail.objects.exists()


@pytest.mark.integration
def test_a_reply_cancels_the_drafts_so_they_can_no_longer_be_sent(owner):
    deal = deal_with_email()
    run = drafted(deal)
    cadences.stop_for_contact(contact=deal.contact, moment=now(), reason="The prospect replied.")
    with pytest.raises(cadences.CadenceError, match=r"cancelled: The prospect replied\."):
        cadences.approve_draft(run=run, user=owner, subject="Hello", body="Hi")
    assert not OutgoingEmail.objects.exists()


@pytest.mark.integration
def test_a_skipped_draft_is_recorded_and_cannot_then_be_sent(owner):
    run = drafted(deal_with_email())
    cadences.skip_draft(run=run, user=owner)
    run.refresh_from_db()
    assert run.status == "skipped" and run.note == "Skipped by Olive"
    with pytest.raises(cadences.CadenceError, match="no longer a draft: it was skipped"):
        cadences.approve_draft(run=run, user=owner, subject="Hello", body="Hi")


@pytest.mark.integration
def test_a_reply_stops_every_running_cadence_on_the_contacts_deals():
    contact = make_contact("Ann Lee")
    first = make_enrolment(make_deal("First", contact=contact), runs_in=timedelta(days=1))
    second = make_enrolment(make_deal("Second", contact=contact), runs_in=timedelta(days=2))
    other = make_enrolment(make_deal("Someone else's"), runs_in=timedelta(days=1))
    stopped = cadences.stop_for_contact(
        contact=contact, moment=now(), reason="The prospect replied."
    )
    assert stopped == 2
    for enrolment in (first, second):
        enrolment.refresh_from_db()
        assert enrolment.status == CadenceEnrolment.Status.STOPPED
        assert enrolment.stop_reason == "The prospect replied."
        assert enrolment.next_run_at is None
    other.refresh_from_db()
    assert other.status == CadenceEnrolment.Status.ACTIVE
    assert cadences.stop_for_contact(contact=contact, moment=now(), reason="Again.") == 0


# --- the deal page ----------------------------------------------------------------------


@pytest.mark.integration
def test_the_deal_page_shows_the_running_cadence_its_next_step_and_when(teammate_client):
    deal = deal_with_email()
    cadences.enrol(deal=deal, cadence=make_cadence())
    make_cadence("Negotiation chase")
    page = text(teammate_client.get(f"/deals/{deal.pk}/"))
    assert "Proposal follow-up Next: day 2 email “Day 2 email for {{ first_name }}”" in page
    assert "Stop “Proposal follow-up”" in page
    assert "Enrol in Negotiation chase Enrol" in page  # only the cadence it is not in


@pytest.mark.integration
def test_enrolling_by_hand_and_stopping_from_the_deal_page(teammate_client, teammate):
    deal = deal_with_email()
    cadence = make_cadence()
    response = teammate_client.post(f"/deals/{deal.pk}/cadences/", {"cadence": cadence.pk})
    assert response.status_code == 302
    page = text(teammate_client.get(response["Location"]))
    assert "Enrolled in “Proposal follow-up”: its first step is due" in page
    enrolment = CadenceEnrolment.objects.get(deal=deal)
    assert enrolment.enrolled_by == teammate

    again = teammate_client.post(f"/deals/{deal.pk}/cadences/", {"cadence": cadence.pk})
    assert "is already in “Proposal follow-up”" in text(teammate_client.get(again["Location"]))

    stop = teammate_client.post(f"/cadences/enrolments/{enrolment.pk}/stop/")
    page = text(teammate_client.get(stop["Location"]))
    assert "Stopped “Proposal follow-up”: no more of its steps will run." in page
    assert "Proposal follow-up: stopped" in page and "Stopped by Tom." in page


@pytest.mark.integration
@pytest.mark.parametrize("posted", [{}, {"cadence": "x"}, {"cadence": "99999999"}])
def test_enrolling_in_no_such_cadence_is_a_clear_message(teammate_client, posted):
    deal = deal_with_email()
    response = teammate_client.post(f"/deals/{deal.pk}/cadences/", posted, follow=True)
    assert response.status_code == 200
    assert "Choose a cadence to enrol the deal in." in text(response)


@pytest.mark.integration
def test_a_draft_is_approved_from_the_deal_page_and_an_empty_one_keeps_the_edits(
    teammate_client,
):
    deal = deal_with_email()
    run = drafted(deal)
    response = teammate_client.get(f"/deals/{deal.pk}/")
    assert "Emails waiting for approval" in text(response)
    assert 'value="Day 2 email for Ann"' in response.content.decode()

    refused = teammate_client.post(
        f"/cadences/drafts/{run.pk}/approve/", {"subject": "Kept words", "body": " "}
    )
    assert refused.status_code == 422
    assert "This field is required." in text(refused)
    assert 'value="Kept words"' in refused.content.decode()

    sent = teammate_client.post(
        f"/cadences/drafts/{run.pk}/approve/", {"subject": "Hello Ann", "body": "Any news?"}
    )
    assert "Sent “Hello Ann”." in text(teammate_client.get(sent["Location"]))
    assert OutgoingEmail.objects.get().subject == "Hello Ann"


@pytest.mark.integration
def test_the_deal_page_costs_the_same_queries_with_many_cadences_and_drafts(
    teammate_client, django_assert_max_num_queries
):
    deal = deal_with_email()
    cadences.enrol(deal=deal, cadence=make_cadence("Only one", send_without_approval=False))
    with django_assert_max_num_queries(100) as few:
        teammate_client.get(f"/deals/{deal.pk}/")
    for n in range(6):
        cadence = make_cadence(f"Plan {n}", send_without_approval=False)
        cadences.enrol(deal=deal, cadence=cadence)
    cadences.run_due_steps(moment=now() + LATER)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = teammate_client.get(f"/deals/{deal.pk}/")
    assert text(response).count("Send this email") == 7


# --- Today ------------------------------------------------------------------------------


@pytest.mark.integration
def test_today_lists_drafts_and_call_tasks_and_a_call_done_leaves_the_list(
    teammate_client, teammate
):
    deal = deal_with_email()
    cadences.enrol(
        deal=deal,
        cadence=make_cadence(steps=((0, "email"), (0, "call")), send_without_approval=False),
    )
    cadences.run_due_steps()
    cadences.run_due_steps()
    page = text(teammate_client.get("/today/"))
    assert "Cadence steps due (2)" in page
    assert "Email to approve Proposal follow-up, day 0: “Day 0 email for Ann”" in page
    assert "Call Day 0 call for Ann · Month-end review" in page

    call = CadenceStepRun.objects.get(kind="call")
    response = teammate_client.post(
        f"/cadences/tasks/{call.pk}/done/", {"return_to": "today"}, headers={"HX-Request": "true"}
    )
    assert "Done: Day 0 call for Ann." in text(response)
    activity = Activity.objects.get(pk=call.activity_id)
    assert activity.completed_at and activity.direction == "out" and activity.user == teammate
    assert "Cadence steps due (1)" in text(teammate_client.get("/today/"))


@pytest.mark.integration
def test_a_draft_skipped_from_today_goes_back_to_today_with_a_message(teammate_client):
    run = drafted(deal_with_email())
    response = teammate_client.post(
        f"/cadences/drafts/{run.pk}/skip/", {"return_to": "today"}, follow=True
    )
    page = text(response)
    assert response.redirect_chain[-1][0] == "/today/"
    assert "Skipped “Day 2 email for Ann”." in page and "Email to approve" not in page


@pytest.mark.integration
def test_today_costs_a_fixed_number_of_queries_with_many_cadence_steps(
    teammate_client, django_assert_max_num_queries
):
    for n in range(30):
        deal = deal_with_email(f"Deal {n}", address=f"p{n}@example.com")
        cadence = make_cadence(
            f"Plan {n}", steps=((0, "email"), (0, "task")), send_without_approval=False
        )
        cadences.enrol(deal=deal, cadence=cadence)
    cadences.run_due_steps()
    cadences.run_due_steps()
    with django_assert_max_num_queries(16):
        response = teammate_client.get("/today/")
    page = text(response)
    assert "Cadence steps due (60)" in page and "and 10 more." in page


# --- settings ---------------------------------------------------------------------------


def step_data(*steps, existing=0, prefix="steps") -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(steps)),
        f"{prefix}-INITIAL_FORMS": str(existing),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "20",
    }
    for index, step in enumerate(steps):
        for key, value in step.items():
            data[f"{prefix}-{index}-{key}"] = value
    return data


def cadence_data(name="After a proposal", *steps, **fields) -> dict:
    return {
        "name": name,
        "description": "",
        "enrol_on_stage": str(stage("Proposal").pk),
        "send_without_approval": "on",
        "is_active": "on",
        **fields,
        **step_data(*steps),
    }


EMAIL_STEP = {"business_days_after": "2", "kind": "email", "subject": "Hi", "body": "Hi {{ name }}"}


@pytest.mark.integration
def test_an_owner_creates_a_cadence_whose_steps_are_ordered_by_day(owner_client):
    call = {"business_days_after": "5", "kind": "call", "subject": "Ring {{ first_name }}"}
    response = owner_client.post(
        "/settings/cadences/new/", cadence_data("After a proposal", call, EMAIL_STEP)
    )
    assert response.status_code == 302
    cadence = Cadence.objects.get(name="After a proposal")
    steps = list(cadence.steps.values_list("position", "business_days_after", "kind"))
    assert steps == [(0, 2, "email"), (1, 5, "call")]
    page = text(owner_client.get(response["Location"]))
    assert "Saved “After a proposal” with 2 steps." in page
    assert "After a proposal On entering Proposal 2 Sent by themselves 0 Active" in page


@pytest.mark.integration
def test_editing_a_cadence_removes_and_reorders_steps(owner_client):
    cadence = make_cadence()
    steps = list(cadence.steps.order_by("position"))
    data = cadence_data("Proposal follow-up")
    data.update(
        step_data(
            {
                "id": steps[0].pk,
                "business_days_after": "7",
                "kind": "email",
                "subject": "A",
                "body": "B",
            },
            {"id": steps[1].pk, "business_days_after": "5", "kind": "call", "subject": "C"},
            {"id": steps[2].pk, "business_days_after": "10", "kind": "email", "DELETE": "on"},
            existing=3,
        )
    )
    response = owner_client.post(f"/settings/cadences/{cadence.pk}/", data)
    assert response.status_code == 302
    assert list(cadence.steps.values_list("business_days_after", "kind")) == [
        (5, "call"),
        (7, "email"),
    ]


@pytest.mark.integration
@pytest.mark.parametrize(
    ("name", "steps", "message"),
    [
        ("Plan", [{**EMAIL_STEP, "body": "Hi {{ deal.owner.password }}"}], "Unknown placeholder"),
        ("Plan", [{**EMAIL_STEP, "body": ""}], "Write the email this step sends."),
        ("Plan", [{**EMAIL_STEP, "business_days_after": "900"}], "less than or equal to 250"),
        ("Plan", [{**EMAIL_STEP, "business_days_after": "-1"}], "greater than or equal to 0"),
        ("Plan", [{**EMAIL_STEP, "kind": "fax"}], "Select a valid choice"),
        ("Plan", [{**EMAIL_STEP, "subject": ""}], "Give the step a subject"),
        ("Plan", [], "Give the cadence at least one step."),
        ("", [EMAIL_STEP], "This field is required."),
        ("Taken", [EMAIL_STEP], "Cadence with this Name already exists."),
    ],
)
def test_bad_cadence_settings_get_clear_messages_and_save_nothing(
    owner_client, name, steps, message
):
    Cadence.objects.create(name="Taken")
    response = owner_client.post("/settings/cadences/new/", cadence_data(name, *steps))
    assert response.status_code == 422
    page = text(response)
    assert "Nothing was saved" in page and message in page
    assert Cadence.objects.count() == 1


@pytest.mark.integration
def test_a_tampered_step_formset_is_refused_without_an_error_page(owner_client):
    data = cadence_data("Plan", EMAIL_STEP)
    del data["steps-TOTAL_FORMS"]
    response = owner_client.post("/settings/cadences/new/", data)
    assert response.status_code == 422 and not Cadence.objects.exists()


@pytest.mark.integration
def test_cadence_settings_are_for_owners_and_name_hostile_text_as_text(
    owner_client, teammate_client
):
    make_cadence("<script>alert(1)</script>")
    assert teammate_client.get("/settings/cadences/").status_code == 403
    assert teammate_client.post("/settings/cadences/new/", cadence_data()).status_code == 403
    body = owner_client.get("/settings/cadences/").content.decode()
    assert "<script>alert(1)" not in body and "&lt;script&gt;alert(1)" in body
    assert 'href="/settings/cadences/"' in owner_client.get("/today/").content.decode()
    assert 'href="/settings/cadences/"' not in teammate_client.get("/today/").content.decode()


@pytest.mark.integration
def test_no_cadences_yet_says_what_one_is_for(owner_client):
    page = text(owner_client.get("/settings/cadences/"))
    assert "No cadences yet. A cadence follows up for you" in page


# --- the demo ---------------------------------------------------------------------------


@pytest.mark.integration
def test_the_demos_running_cadences_prepare_personal_drafts_and_send_nothing():
    moment = datetime(2026, 6, 15, 9, 30, tzinfo=UTC)
    build_demo(seed=3, now=moment)
    running = CadenceEnrolment.objects.filter(status="active").count()
    assert running
    for _ in range(3):
        cadences.run_due_steps(moment=moment + timedelta(days=20))
    assert not OutgoingEmail.objects.exists()
    drafts = CadenceStepRun.objects.filter(status=CadenceStepRun.Status.DRAFT)
    assert drafts.exists()
    for draft in drafts.select_related("enrolment__deal__contact"):
        assert draft.body.startswith(f"Hi {draft.enrolment.deal.contact.name.split()[0]},")
        assert "{{" not in draft.body


@pytest.mark.integration
def test_only_my_deals_on_today_leaves_out_other_peoples_cadence_steps(
    teammate_client, teammate, owner
):
    for title, person, address in (
        ("Tom's", teammate, "t@example.com"),
        ("Olive's", owner, "o@example.com"),
    ):
        deal = deal_with_email(title, address=address, owner=person)
        cadences.enrol(
            deal=deal,
            cadence=make_cadence(
                f"Plan for {title}", steps=((0, "email"), (0, "call")), send_without_approval=False
            ),
        )
    cadences.run_due_steps()
    cadences.run_due_steps()
    page = text(teammate_client.get("/today/?mine=1"))
    assert "Cadence steps due (2)" in page
    assert "Tom's" in page and "Olive's" not in page
