"""`handraise import activities FILE.csv`: the calls, emails and notes behind a deal."""

import csv
from datetime import UTC, datetime

import pytest

from handraise.core.models import OutgoingEmail
from handraise.imports.tests.importing import run, write
from handraise.imports.tests.test_import_deals import HUBSPOT_DEALS
from handraise.sales.models import Activity, Deal

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

HUBSPOT_ACTIVITIES = (
    "Activity ID,Activity type,Activity date,Subject,Body,Direction,Activity assigned to,"
    "Contact email,Associated deal ID\n"
    'a1,Call,2024-02-02 10:30,Discovery call,"Wants a review, soon",Outbound,Olive Green,'
    "ada@example.com,9001\n"
    "a2,Email,2024-03-20 16:00,Re: proposal,Looks good,Inbound,,ada@example.com,9001\n"
    "a3,Note,2024-04-01 09:00,,Met at the fair,,,grace@example.com,\n"
)


@pytest.fixture
def deals_imported(tmp_path):
    run("deals", str(write(tmp_path, HUBSPOT_DEALS, "deals.csv")))


def history() -> list[tuple]:
    return [
        (a.kind, a.direction, a.subject, a.deal.title if a.deal else None, a.contact.name)
        for a in Activity.objects.select_related("deal", "contact").order_by("occurred_at")
    ]


def test_activities_join_the_deals_imported_before_them(tmp_path, deals_imported):
    code, out = run("activities", str(write(tmp_path, HUBSPOT_ACTIVITIES, "activities.csv")))

    assert code == 0, out
    assert history() == [
        ("call", "out", "Discovery call", "Process review", "Ada Lovelace"),
        ("email", "in", "Re: proposal", "Process review", "Ada Lovelace"),
        ("note", "", "", None, "Grace Hopper"),
    ]
    call = Activity.objects.get(subject="Discovery call")
    assert call.body == "Wants a review, soon"
    assert call.user.get_full_name() == "Olive Green"
    assert call.occurred_at == datetime(2024, 2, 2, 10, 30, tzinfo=UTC)
    # The deal's last activity is the latest activity on it, as if it had been logged then.
    assert Deal.objects.get(title="Process review").last_activity_at == datetime(
        2024, 3, 20, 16, tzinfo=UTC
    )
    assert OutgoingEmail.objects.count() == 0
    assert "imported 3 activities (0 already here, 0 new contacts" in out


def test_importing_the_same_activities_again_adds_nothing(tmp_path, deals_imported):
    path = write(tmp_path, HUBSPOT_ACTIVITIES, "activities.csv")
    run("activities", str(path))

    code, out = run("activities", str(path))

    assert code == 0
    assert Activity.objects.count() == 3
    assert "imported 0 activities (3 already here" in out


def test_activity_rows_that_cannot_be_placed_are_rejected_with_their_reason(
    tmp_path, deals_imported
):
    text = (
        "Activity type,Activity date,Subject,Contact email,Associated deal ID,Associated deal\n"
        "Call,2024-02-02,Good,ada@example.com,,\n"
        "Call,,No date,ada@example.com,,\n"
        "Carrier pigeon,2024-02-02,Strange,ada@example.com,,\n"
        "Call,2024-02-02,Lost deal,ada@example.com,404,\n"
        "Call,2024-02-02,Wrong title,ada@example.com,,Nope\n"
        "Call,2024-02-02,,ada@example.com,,\n"
    )
    path = write(tmp_path, text, "activities.csv")

    code, _ = run("activities", str(path))

    assert code == 1
    assert [a[2] for a in history()] == ["Good"]
    with (tmp_path / "activities.rejects.csv").open(newline="") as rejects:
        reasons = {row[0]: row[1] for row in list(csv.reader(rejects))[1:]}
    assert reasons["3"] == "This activity has no date."
    assert "not a kind of activity we know (call, email, meeting" in reasons["4"]
    assert reasons["5"] == "No imported deal has the id '404': import the deals first."
    assert reasons["6"] == "Ada Lovelace has no deal called 'Nope'."
    assert reasons["7"] == "This activity has neither a subject nor a note."
