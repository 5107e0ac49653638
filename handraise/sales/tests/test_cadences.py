"""Cadences through their services and pages: enrolling, running steps, stopping, drafts."""

from datetime import timedelta

import pytest

from handraise.core.clock import now
from handraise.sales import cadences
from handraise.sales.models import CadenceEnrolment
from handraise.sales.tests.factories import make_contact, make_deal, make_enrolment

pytestmark = [pytest.mark.django_db]


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
