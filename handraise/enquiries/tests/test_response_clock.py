"""The response clock: due times, reminders before, escalation after, and what stops it."""

from datetime import UTC, datetime, timedelta

import pytest

from handraise.accounts.models import BusinessSettings
from handraise.contacts.models import Contact
from handraise.core.clock import now
from handraise.core.models import OutgoingEmail
from handraise.enquiries import response_clock
from handraise.enquiries.models import Enquiry

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def waiting_enquiry(due_in: timedelta, **fields) -> Enquiry:
    contact = Contact.objects.create(name="Ann Lee")
    return Enquiry.objects.create(
        channel=Enquiry.Channel.FORM,
        contact=contact,
        received_at=now() - timedelta(minutes=30),
        from_name="Ann Lee",
        message="Can you help?",
        response_due_at=now() + due_in,
        **fields,
    )


def alarm_kinds() -> list[str]:
    return sorted(OutgoingEmail.objects.values_list("kind", flat=True))


@pytest.mark.unit
def test_due_time_uses_business_hours_and_the_target():
    business = BusinessSettings.load()
    friday_5pm = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)  # London is on GMT in November
    due = response_clock.response_due(friday_5pm, business)
    assert due == datetime(2026, 11, 30, 9, 30, tzinfo=UTC)


def test_owner_is_reminded_before_the_response_falls_due(owner):
    waiting_enquiry(timedelta(minutes=10))
    assert response_clock.sound_response_alarms() == 1
    assert alarm_kinds() == ["reminder"]
    assert OutgoingEmail.objects.get().to == "owner@example.com"


def test_a_missed_response_is_escalated_once(owner):
    waiting_enquiry(timedelta(minutes=-1))
    response_clock.sound_response_alarms()
    response_clock.sound_response_alarms()
    assert alarm_kinds() == ["overdue"]


def test_nothing_is_sounded_for_an_enquiry_far_from_due(owner):
    waiting_enquiry(timedelta(hours=3))
    assert response_clock.sound_response_alarms() == 0


def test_answered_enquiries_sound_no_alarm(owner):
    enquiry = waiting_enquiry(timedelta(minutes=-5))
    response_clock.record_first_response(enquiry=enquiry, user=owner)
    assert response_clock.sound_response_alarms() == 0
    assert alarm_kinds() == []


def test_first_response_stops_the_clock_once(owner, teammate):
    enquiry = waiting_enquiry(timedelta(minutes=20))
    assert response_clock.record_first_response(enquiry=enquiry, user=teammate)
    first = enquiry.first_response_at
    assert not response_clock.record_first_response(enquiry=enquiry, user=owner)
    enquiry.refresh_from_db()
    assert enquiry.first_response_at == first and enquiry.first_response_by == teammate
    assert enquiry.status == Enquiry.Status.RESPONDED
