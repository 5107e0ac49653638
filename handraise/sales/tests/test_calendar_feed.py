"""The calendar feed: a secret iCalendar address per user, what it holds, and rotating it.

The feed is read back with the ``icalendar`` parser, as a calendar app would read it.
"""

import json
import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from handraise.accounts.models import BusinessSettings
from handraise.contacts.models import Contact
from handraise.core.clock import now
from handraise.enquiries.models import Enquiry, Form
from handraise.sales import calendar, services
from handraise.sales.models import Activity, CalendarFeed, Deal, Stage
from handraise.sales.tests.reading import text
from handraise.testing.factories import (
    make_closed_deal,
    make_contact,
    make_deal,
    make_enquiry,
    today,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

BLNS = Path(settings.BASE_DIR).parent / "tests" / "data" / "blns.json"
# Business settings, the feed and its user, then deals, tasks and enquiries: one each.
FEED_QUERY_BUDGET = 5


# --- reading the feed -------------------------------------------------------------------


def address(user) -> str:
    return f"/calendar/{calendar.feed_for_user(user=user).secret}.ics"


def read(response) -> Calendar:
    assert response.status_code == 200, response.status_code
    return Calendar.from_ical(response.content)


def events_of(user, client: Client | None = None) -> dict[str, object]:
    """The user's feed as a calendar app sees it: its events by summary."""
    feed = read((client or Client()).get(address(user)))
    return {str(event["SUMMARY"]): event for event in feed.walk("VEVENT")}


def make_task(
    *,
    user=None,
    deal: Deal | None = None,
    subject: str = "Call about the proposal",
    due_at: datetime,
    kind: str = Activity.Kind.TASK,
    completed: bool = False,
) -> Activity:
    contact = deal.contact if deal else make_contact("Cara Dunn")
    return Activity.objects.create(
        kind=kind,
        contact=contact,
        deal=deal,
        user=user,
        subject=subject,
        occurred_at=now() - timedelta(days=1),
        due_at=due_at,
        completed_at=now() if completed else None,
    )


def local_moment(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=BusinessSettings.load().zone)


# --- what the feed is -------------------------------------------------------------------


def test_the_feed_is_a_calendar_named_after_the_business_that_apps_refresh_often(owner):
    BusinessSettings.objects.filter(pk=1).update(name="Lee & Partners", time_zone="Europe/Paris")

    response = Client().get(address(owner))
    feed = read(response)

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "max-age=900" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert str(feed["X-WR-CALNAME"]) == "Lee & Partners · Handraise"
    assert str(feed["X-WR-TIMEZONE"]) == "Europe/Paris"
    assert feed["REFRESH-INTERVAL"].dt == timedelta(minutes=15)
    assert feed["X-PUBLISHED-TTL"].to_ical() == b"PT15M"


def test_next_steps_of_my_open_deals_are_all_day_events_on_their_due_dates(owner):
    due = today() + timedelta(days=4)
    deal = make_deal(
        "Operations review",
        owner=owner,
        contact=make_contact("Ann Lee", organisation="Lee Ltd"),
        next_step="Send the proposal",
        next_step_due=due,
        stage_name="Proposal",
    )

    event = events_of(owner)["Next step: Send the proposal — Operations review"]

    assert event["DTSTART"].dt == due
    assert event["DTEND"].dt == due + timedelta(days=1)
    assert "Contact: Ann Lee, Lee Ltd" in event["DESCRIPTION"]
    assert "Stage: Proposal" in event["DESCRIPTION"]
    assert str(event["URL"]) == f"{settings.BASE_URL}/deals/{deal.pk}/"
    assert str(event["UID"]).startswith(f"deal-{deal.pk}-next-step@")


def test_other_peoples_deals_and_closed_deals_are_not_in_my_feed(owner, teammate):
    make_deal("Mine", owner=owner, next_step="Call Ann")
    make_deal("Theirs", owner=teammate, next_step="Call Bob")
    make_deal("Nobody's", owner=None, next_step="Call Cy")
    make_closed_deal("Won it", won=True, owner=owner)
    make_closed_deal("Lost it", won=False, owner=owner)

    mine = events_of(owner)
    theirs = events_of(teammate)

    assert list(mine) == ["Next step: Call Ann — Mine"]
    assert list(theirs) == ["Next step: Call Bob — Theirs"]


def test_a_changed_next_step_date_moves_the_same_event(owner):
    deal = make_deal("Operations review", owner=owner, next_step="Send the proposal")
    before = events_of(owner)["Next step: Send the proposal — Operations review"]
    later = today() + timedelta(days=9)

    services.set_next_step(
        deal=deal, user=owner, next_step="Send the proposal", next_step_due=later
    )
    after = events_of(owner)

    assert len(after) == 1
    moved = after["Next step: Send the proposal — Operations review"]
    assert moved["UID"] == before["UID"]
    assert moved["DTSTART"].dt == later


def test_my_open_tasks_are_short_timed_events_at_their_due_time(owner, teammate):
    BusinessSettings.objects.filter(pk=1).update(time_zone="America/New_York")
    due = local_moment(today() + timedelta(days=2), 9)
    deal = make_deal("Website rebuild", owner=owner)
    task = make_task(user=teammate, deal=deal, subject="Ring Ann back", due_at=due)

    event = events_of(teammate)["Task: Ring Ann back — Website rebuild"]

    assert event["DTSTART"].dt == due
    assert event["DTSTART"].dt.utcoffset() == timedelta(0)  # written in UTC
    assert event["DTEND"].dt - event["DTSTART"].dt == timedelta(minutes=15)
    assert str(event["UID"]).startswith(f"activity-{task.pk}@")
    assert str(event["URL"]) == f"{settings.BASE_URL}/deals/{deal.pk}/"


def test_tasks_on_deals_i_own_are_mine_too_but_not_anyone_elses(owner, teammate):
    due = local_moment(today() + timedelta(days=1), 10)
    mine = make_deal("Mine", owner=owner)
    theirs = make_deal("Theirs", owner=teammate)
    make_task(user=None, deal=mine, subject="Unassigned on my deal", due_at=due)
    make_task(user=teammate, deal=theirs, subject="Their own", due_at=due)
    make_task(user=owner, deal=None, subject="Mine without a deal", due_at=due)

    summaries = [s for s in events_of(owner) if not s.startswith("Next step")]

    assert sorted(summaries) == [
        "Task: Mine without a deal — Cara Dunn",
        "Task: Unassigned on my deal — Mine",
    ]


def test_follow_ups_and_calls_are_listed_but_done_tasks_and_notes_are_not(owner):
    due = local_moment(today() + timedelta(days=1), 11)
    make_task(user=owner, subject="Follow up", kind=Activity.Kind.FOLLOW_UP, due_at=due)
    make_task(user=owner, subject="Ring back", kind=Activity.Kind.CALL, due_at=due)
    make_task(user=owner, subject="Already done", due_at=due, completed=True)
    make_task(user=owner, subject="Just a note", kind=Activity.Kind.NOTE, due_at=due)
    won = make_closed_deal("Won it", owner=owner)
    make_task(user=owner, deal=won, subject="On a won deal", due_at=due)

    assert sorted(events_of(owner)) == [
        "Call: Ring back — Cara Dunn",
        "Follow-up: Follow up — Cara Dunn",
    ]


def test_waiting_enquiries_are_in_the_feeds_of_whoever_is_told_about_them(owner, teammate):
    due = now().replace(microsecond=0) + timedelta(minutes=40)
    make_enquiry("Ben Hall", due_in=timedelta(minutes=40), response_due_at=due)
    form = Form.objects.create(slug="quote", name="Quote")
    form.notify.add(teammate)
    make_enquiry("Dee Moss", form=form)
    make_enquiry("Answered Already", status=Enquiry.Status.RESPONDED)

    owners = events_of(owner)
    teammates = events_of(teammate)

    assert sorted(owners) == ["Reply to Ben Hall"]
    assert sorted(teammates) == ["Reply to Dee Moss"]
    reply = owners["Reply to Ben Hall"]
    assert reply["DTSTART"].dt == due
    assert "waiting for a first response" in reply["DESCRIPTION"]
    assert "Ben Hall asks about a process review" in reply["DESCRIPTION"]


def test_only_what_falls_in_the_window_is_in_the_feed(owner):
    for days in (-61, -60, 365, 366):
        make_deal(f"Due in {days} days", owner=owner, next_step_due=today() + timedelta(days))

    assert sorted(events_of(owner)) == [
        "Next step: Send the proposal — Due in -60 days",
        "Next step: Send the proposal — Due in 365 days",
    ]


@pytest.mark.parametrize(
    ("zone", "moment", "business_day"),
    [
        # 00:30 UTC on 10 March is still the afternoon of the 9th in Los Angeles...
        ("America/Los_Angeles", datetime(2026, 3, 10, 0, 30, tzinfo=UTC), date(2026, 3, 9)),
        # ...and 23:30 UTC on 10 March already the morning of the 11th in Tokyo.
        ("Asia/Tokyo", datetime(2026, 3, 10, 23, 30, tzinfo=UTC), date(2026, 3, 11)),
    ],
)
def test_the_window_is_counted_from_today_at_the_business(
    owner, monkeypatch, zone, moment, business_day
):
    BusinessSettings.objects.filter(pk=1).update(time_zone=zone)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    for days in (-61, -60, 365, 366):
        due = business_day + timedelta(days)
        make_deal(f"Due in {days} days", owner=owner, next_step_due=due)

    assert sorted(events_of(owner)) == [
        "Next step: Send the proposal — Due in -60 days",
        "Next step: Send the proposal — Due in 365 days",
    ]


def test_every_event_has_a_uid_a_timestamp_and_a_start(owner):
    deal = make_deal(owner=owner)
    make_task(user=owner, deal=deal, due_at=now() + timedelta(hours=3))
    make_enquiry()

    events = list(events_of(owner).values())

    assert len(events) == 3
    for event in events:
        assert event.get("UID") and event.get("DTSTAMP") and event.get("DTSTART")
    assert len({str(event["UID"]) for event in events}) == 3


# --- hostile text -----------------------------------------------------------------------


def test_naughty_strings_survive_the_round_trip_through_the_feed(owner):
    strings = json.loads(BLNS.read_text())
    # What iCalendar text can carry at all: no control characters, no byte-order mark.
    printable = [s for s in strings if not re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", s)]
    printable = [s for s in printable if not s.startswith("\ufeff")]
    stage = Stage.objects.get(name="Conversation")
    pairs = list(zip(printable[0::2], printable[1::2], strict=False))
    Deal.objects.bulk_create(
        Deal(
            title=title,
            next_step=step,
            next_step_due=today(),
            contact=Contact.objects.create(name=title[:200] or "x"),
            stage=stage,
            origin=Deal.Origin.MARKETING,
            owner=owner,
            created_at=now(),
            stage_entered_at=now(),
        )
        for title, step in pairs
    )

    events = events_of(owner)

    assert len(pairs) > 200
    for title, step in pairs:
        event = events[f"Next step: {step or 'not written down'} — {title}"]
        assert f"Contact: {title[:200] or 'x'}\n" in event["DESCRIPTION"]


def test_line_breaks_commas_and_semicolons_survive_and_lines_stay_folded(owner):
    make_deal(
        "Lee, Moss; and\r\nPartners",
        owner=owner,
        next_step="Call Ann, then Ben;\rthen write\n" + "a very long line " * 15,
        contact=make_contact('Ann "Nan" Lee; CEO, Lee Ltd\\Group'),
    )

    response = Client().get(address(owner))
    (event,) = read(response).walk("VEVENT")

    assert str(event["SUMMARY"]) == (
        "Next step: Call Ann, then Ben;\nthen write\n"
        + "a very long line " * 15
        + " — Lee, Moss; and\nPartners"
    )
    assert 'Contact: Ann "Nan" Lee; CEO, Lee Ltd\\Group' in event["DESCRIPTION"]
    lines = response.content.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)  # RFC 5545 folds long lines


def test_control_characters_never_reach_the_feed(owner):
    strings = json.loads(BLNS.read_text())
    controlled = [s for s in strings if re.search(r"[\x00-\x08\x0b-\x1f\x7f]", s)]
    for n, naughty in enumerate(controlled):
        make_deal(f"Deal {n}: {naughty}", owner=owner, next_step=naughty)

    response = Client().get(address(owner))
    summaries = [str(e["SUMMARY"]) for e in read(response).walk("VEVENT")]

    assert len(summaries) == len(controlled) >= 3
    body = response.content.replace(b"\r\n", b"")
    assert not re.search(rb"[\x00-\x08\x0a-\x1f\x7f]", body)
    assert any("Roses are [0;31mred" in summary for summary in summaries)


# --- the secret -------------------------------------------------------------------------


def test_wrong_and_rotated_secrets_get_one_and_the_same_not_found_page(owner, teammate):
    BusinessSettings.objects.filter(pk=1).update(name="Lee & Partners")
    old = address(owner)
    calendar.rotate_feed_secret(user=owner)
    guesses = [
        old,
        "/calendar/wrong.ics",
        f"/calendar/{'A' * 43}.ics",
        f"/calendar/{'A' * 500}.ics",
        address(teammate)[:-6] + "x.ics",
        "/calendar/%00.ics",
    ]

    responses = [Client().get(url) for url in guesses]

    assert {r.status_code for r in responses} == {404}
    assert len({r.content for r in responses}) == 1
    page = text(responses[0])
    assert "Page not found" in page
    for leak in ("Lee & Partners", "owner", "Olive", "teammate", "calendar"):
        assert leak.lower() not in page.lower()


def test_the_new_address_works_at_once_after_rotating(owner):
    old = address(owner)
    make_deal("Operations review", owner=owner)

    calendar.rotate_feed_secret(user=owner)

    assert Client().get(old).status_code == 404
    assert "Next step: Send the proposal — Operations review" in events_of(owner)


def test_a_deactivated_users_feed_is_not_found(owner, teammate):
    url = address(teammate)
    teammate.is_active = False
    teammate.save(update_fields=["is_active"])

    assert Client().get(url).status_code == 404


def test_head_answers_like_get_without_the_body(owner):
    make_deal(owner=owner)
    url = address(owner)

    got = Client().get(url)
    head = Client().head(url)

    assert head.status_code == 200
    assert head.content == b""
    assert head["Content-Type"] == "text/calendar; charset=utf-8"
    assert head["Content-Length"] == str(len(got.content))


def test_the_feed_sets_no_cookie_found_or_not(owner):
    for url in (address(owner), "/calendar/wrong.ics"):
        response = Client().get(url)
        assert not response.cookies
        assert "Set-Cookie" not in response.headers


def test_the_feed_takes_no_posts(owner):
    assert Client().post(address(owner)).status_code == 405


def _feed_queries(user, django_assert_max_num_queries) -> int:
    url = address(user)
    client = Client()
    with django_assert_max_num_queries(FEED_QUERY_BUDGET) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_feed_costs_the_same_queries_for_3_or_30_events_of_each_kind(
    owner, django_assert_max_num_queries
):
    def add(first: int, last: int) -> None:
        for n in range(first, last):
            deal = make_deal(f"Deal {n}", owner=owner, contact=make_contact(f"P {n}", "Org"))
            make_task(user=owner, deal=deal, due_at=now() + timedelta(hours=n + 1))
            make_enquiry(f"Person {n}")

    add(0, 3)
    few = _feed_queries(owner, django_assert_max_num_queries)
    add(3, 30)
    many = _feed_queries(owner, django_assert_max_num_queries)

    assert len(events_of(owner)) == 90
    assert few == many


# --- the settings page ------------------------------------------------------------------


def test_the_settings_page_needs_a_login(outsider_client):
    response = outsider_client.get("/settings/calendar/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert not CalendarFeed.objects.exists()


def test_each_user_sees_only_their_own_address(owner, owner_client, teammate, teammate_client):
    teammate_page = teammate_client.get("/settings/calendar/").content.decode()
    owner_page = owner_client.get("/settings/calendar/").content.decode()

    owner_secret = CalendarFeed.objects.get(user=owner).secret
    teammate_secret = CalendarFeed.objects.get(user=teammate).secret
    assert f"{settings.BASE_URL}/calendar/{owner_secret}.ics" in owner_page
    assert f"webcal://{settings.BASE_URL.split('://')[1]}/calendar/{owner_secret}.ics" in owner_page
    assert teammate_secret not in owner_page
    assert owner_secret not in teammate_page


def test_the_settings_page_keeps_one_address_and_explains_subscribing(owner, owner_client):
    first = owner_client.get("/settings/calendar/")
    second = owner_client.get("/settings/calendar/")

    (feed,) = CalendarFeed.objects.filter(user=owner)
    assert feed.secret in first.content.decode()
    assert feed.secret in second.content.decode()
    page = text(first)
    for app in ("Google Calendar", "Apple Calendar", "Outlook"):
        assert app in page
    assert "keep it like a password" in page


def test_the_settings_page_is_linked_from_every_signed_in_page(teammate_client):
    assert 'href="/settings/calendar/"' in teammate_client.get("/today/").content.decode()


def test_rotating_asks_first_and_changes_nothing_until_confirmed(owner, owner_client):
    old = address(owner)

    page = text(owner_client.get("/settings/calendar/rotate/"))

    assert "Rotate the secret?" in page
    assert "stops working at once" in page
    assert Client().get(old).status_code == 200


def test_rotating_gives_a_new_address_and_the_old_one_is_not_found(owner, owner_client):
    old = address(owner)

    response = owner_client.post("/settings/calendar/rotate/", follow=True)

    new = address(owner)
    assert new != old
    assert "the old address no longer works" in text(response)
    assert new in response.content.decode()
    assert old not in response.content.decode()
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200
    assert CalendarFeed.objects.get(user=owner).rotated_at is not None


def test_rotating_from_the_page_with_htmx_swaps_in_the_new_address(owner, owner_client):
    old = address(owner)

    response = owner_client.post("/settings/calendar/rotate/", headers={"HX-Request": "true"})

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert 'id="calendar-feed"' in body
    assert calendar.feed_for_user(user=owner).secret in body
    assert old not in body


def test_rotating_needs_a_csrf_token(owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    old = address(owner)

    response = client.post("/settings/calendar/rotate/")

    assert response.status_code == 403
    assert address(owner) == old


def test_rotating_mine_leaves_my_teammates_address_working(owner, owner_client, teammate):
    theirs = address(teammate)

    owner_client.post("/settings/calendar/rotate/")

    assert Client().get(theirs).status_code == 200


def test_secrets_are_long_url_safe_and_different_every_time(owner, teammate):
    first = calendar.feed_for_user(user=owner).secret
    second = calendar.rotate_feed_secret(user=owner).secret
    third = calendar.feed_for_user(user=teammate).secret

    assert len({first, second, third}) == 3
    for secret in (first, second, third):
        assert len(secret) >= 43
        assert re.fullmatch(r"[A-Za-z0-9_-]+", secret)
    assert CalendarFeed.objects.get(user=owner).secret == second
