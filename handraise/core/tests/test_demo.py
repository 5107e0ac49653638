"""The demo data: a believable year of a small consultancy, the same every time."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import F

from handraise.contacts.models import Contact, ContactEmail, ContactPhone, Organisation
from handraise.demo import build_demo
from handraise.enquiries.models import Enquiry
from handraise.marketing.models import Touchpoint
from handraise.sales.models import Activity, CadenceEnrolment, Deal, Stage

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

NOW = datetime(2026, 6, 15, 9, 30, tzinfo=UTC)


@pytest.fixture
def demo():
    return build_demo(seed=3, now=NOW)


def test_every_enquiry_channel_and_every_deal_stage_appears(demo):
    channels = set(Enquiry.objects.values_list("channel", flat=True))
    stages = set(Deal.objects.values_list("stage__name", flat=True))

    assert channels == set(Enquiry.Channel.values)
    assert stages == set(Stage.objects.values_list("name", flat=True))


def test_scale_one_is_a_small_consultancy_sized_year(demo):
    assert 300 <= demo.contacts <= 600
    assert 80 <= demo.organisations <= 250
    assert 35 <= demo.assets <= 50
    assert demo.touchpoints == 10_000
    assert 130 <= demo.enquiries <= 170
    assert 60 <= demo.deals <= 170
    assert 400 <= demo.activities <= 1_500
    assert 100 <= demo.signals <= 500
    assert demo.themes == 8
    assert demo.cadences == 1
    # The summary counts what is in the database.
    assert Contact.objects.count() == demo.contacts
    assert Touchpoint.objects.count() == demo.touchpoints
    assert Deal.objects.count() == demo.deals


def test_some_enquiries_are_never_answered_and_some_within_the_hour(demo):
    enquiries = Enquiry.objects.all()
    never = enquiries.filter(first_response_at=None)
    within_the_hour = enquiries.filter(first_response_at__lte=F("received_at") + timedelta(hours=1))
    after_days = enquiries.filter(first_response_at__gt=F("received_at") + timedelta(days=2))

    assert 0.05 <= never.count() / enquiries.count() <= 0.2
    assert set(never.values_list("status", flat=True)) <= {"open", "not_a_lead", "spam"}
    assert never.filter(status="open").exists()
    assert within_the_hour.count() >= 10
    assert after_days.exists()


def test_the_history_is_the_year_before_now(demo):
    year_ago = NOW - timedelta(days=365)
    months = Touchpoint.objects.dates("occurred_at", "month")

    assert not Enquiry.objects.exclude(received_at__range=(year_ago, NOW)).exists()
    assert not Touchpoint.objects.exclude(occurred_at__range=(year_ago, NOW)).exists()
    assert not Activity.objects.filter(occurred_at__gt=NOW).exists()
    assert len(months) >= 12


def test_deal_activities_fall_between_the_enquiry_and_the_close(demo):
    on_deals = Activity.objects.exclude(deal=None)

    assert on_deals.exists()
    assert not on_deals.filter(occurred_at__lt=F("deal__enquiry__received_at")).exists()
    assert not on_deals.filter(occurred_at__lt=F("deal__created_at")).exists()
    assert not on_deals.filter(occurred_at__gt=F("deal__closed_at")).exists()


def test_closed_deals_have_reasons_and_open_deals_have_next_steps_some_overdue(demo):
    closed = Deal.objects.filter(stage__is_won=True) | Deal.objects.filter(stage__is_lost=True)
    open_deals = Deal.objects.filter(closed_at=None)
    today = NOW.date()

    assert not closed.filter(outcome_reason=None).exists()
    assert not closed.filter(closed_at=None).exists()
    assert not open_deals.filter(stage__is_won=True).exists()
    assert open_deals.filter(next_step_due__gte=today).exists()
    assert open_deals.filter(next_step_due__lt=today).exists()
    assert open_deals.filter(next_step_due=None).exists()
    assert CadenceEnrolment.objects.filter(status="active").exists()


def test_visitors_who_enquired_carry_their_contact_on_earlier_touchpoints(demo):
    enquiry = Enquiry.objects.exclude(visitor_id="").filter(channel="form").first()
    earlier = Touchpoint.objects.filter(
        visitor_id=enquiry.visitor_id, occurred_at__lt=enquiry.received_at
    )

    assert earlier.exists()
    assert set(earlier.values_list("contact", flat=True)) == {enquiry.contact_id}
    assert Touchpoint.objects.filter(contact=None).count() > 5_000


def test_contacts_emails_and_phones_pass_model_validation(demo):
    samples = [
        *ContactEmail.objects.order_by("pk")[::25],
        *ContactPhone.objects.order_by("pk")[::25],
        *Contact.objects.order_by("pk")[::25],
        *Organisation.objects.order_by("pk")[::25],
    ]

    for row in samples:
        row.full_clean()
    assert len(samples) > 40
    assert ContactEmail.objects.values("contact").distinct().count() < ContactEmail.objects.count()


def _fingerprint() -> list:
    return [
        list(ContactEmail.objects.order_by("email").values_list("email", flat=True)),
        list(
            Enquiry.objects.order_by("received_at", "pk").values_list(
                "contact__name", "received_at", "channel", "status", "first_response_at"
            )
        ),
        list(
            Deal.objects.order_by("created_at", "pk").values_list(
                "title", "value", "stage__name", "closed_at", "next_step_due"
            )
        ),
        list(
            Touchpoint.objects.order_by("occurred_at", "pk").values_list(
                "visitor_id", "occurred_at", "url", "contact__name"
            )
        ),
    ]


def _build_and_fingerprint(seed: int) -> list:
    """Build, read back what a user would see, then roll the build back."""
    savepoint = transaction.savepoint()
    build_demo(seed=seed, now=NOW)
    fingerprint = _fingerprint()
    transaction.savepoint_rollback(savepoint)
    return fingerprint


def test_the_same_seed_gives_the_same_data():
    first = _build_and_fingerprint(seed=5)
    second = _build_and_fingerprint(seed=5)

    assert Contact.objects.count() == 0  # each build was rolled back
    assert first == second


def test_scale_two_roughly_doubles_the_volumes():
    summary = build_demo(scale=2, seed=3, now=NOW)

    assert summary.touchpoints == Touchpoint.objects.count() == 20_000
    assert 260 <= summary.enquiries <= 340
    assert 600 <= summary.contacts <= 1_200


def test_demo_command_prints_progress_and_the_counts():
    out = StringIO()

    call_command("demo", "--seed", "2", stdout=out)

    output = out.getvalue()
    assert "Northbank Process Consulting" in output
    assert "Touchpoints: 10,000 of 10,000" in output
    assert "enquiries" in output
    assert "Demo data loaded in" in output
    assert Enquiry.objects.exists()


def test_demo_command_refuses_a_database_that_holds_contacts():
    Contact.objects.create(name="A real client")

    with pytest.raises(CommandError, match="demo data goes into an empty database"):
        call_command("demo", stdout=StringIO())
    assert Contact.objects.count() == 1
    assert not Touchpoint.objects.exists()


def test_demo_command_rejects_a_scale_below_one():
    with pytest.raises(CommandError, match="at least 1"):
        call_command("demo", "--scale", "0", stdout=StringIO())
