"""Answering from the Inbox: replies, calls, meetings, deals and dismissals."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from handraise.contacts.models import Contact, ContactEmail
from handraise.core.clock import now
from handraise.core.models import OutgoingEmail
from handraise.enquiries import answering, selectors, submissions
from handraise.enquiries.models import Enquiry, Form, Submission
from handraise.marketing.models import Asset, Touchpoint
from handraise.sales.models import Activity, Deal

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def enquiry() -> Enquiry:
    contact = Contact.objects.create(name="Ann Lee")
    ContactEmail.objects.create(contact=contact, email="ann@lee.example", is_primary=True)
    return Enquiry.objects.create(
        channel=Enquiry.Channel.FORM,
        contact=contact,
        received_at=now() - timedelta(minutes=20),
        from_name="Ann Lee",
        from_email="Ann@Lee.example",
        message="Can you review our month-end close?",
        response_due_at=now() + timedelta(minutes=40),
        visitor_id="v-123",
    )


def test_reply_by_email_queues_it_logs_it_and_stops_the_clock(enquiry, owner):
    email = answering.reply_by_email(
        enquiry=enquiry, user=owner, subject="Re: month-end", body="Happy to.", token="t1"
    )
    assert email.to == "ann@lee.example" and email.kind == "reply"
    enquiry.refresh_from_db()
    assert enquiry.status == Enquiry.Status.RESPONDED and enquiry.first_response_by == owner
    activity = Activity.objects.get(enquiry=enquiry)
    assert activity.kind == Activity.Kind.EMAIL and activity.outgoing_email == email


def test_the_same_reply_form_sent_twice_is_one_email(enquiry, owner):
    for _ in range(2):
        answering.reply_by_email(enquiry=enquiry, user=owner, subject="Re", body="Yes", token="t")
    assert OutgoingEmail.objects.filter(kind="reply").count() == 1
    assert Activity.objects.filter(enquiry=enquiry).count() == 1


def test_reply_without_any_email_address_is_refused_with_a_reason(owner):
    contact = Contact.objects.create(name="Caller")
    phoned = Enquiry.objects.create(channel="phone", contact=contact, received_at=now())
    with pytest.raises(ValidationError, match="log a call"):
        answering.reply_by_email(enquiry=phoned, user=owner, subject="x", body="y", token="t")


def test_logged_call_is_a_first_response(enquiry, teammate):
    answering.log_call(enquiry=enquiry, user=teammate, notes="Spoke for 10 min")
    enquiry.refresh_from_db()
    assert enquiry.first_response_by == teammate


def test_booked_meeting_is_not_a_first_response_but_a_held_one_is(enquiry, owner):
    answering.log_meeting(enquiry=enquiry, user=owner, at=now() + timedelta(days=2), held=False)
    enquiry.refresh_from_db()
    assert enquiry.first_response_at is None
    answering.log_meeting(enquiry=enquiry, user=owner, at=now(), held=True)
    enquiry.refresh_from_db()
    assert enquiry.first_response_at is not None


def test_convert_to_deal_carries_the_enquiry_and_its_activities(enquiry, owner):
    answering.log_call(enquiry=enquiry, user=owner)
    deal = answering.convert_to_deal(
        enquiry=enquiry,
        user=owner,
        title="Month-end review",
        value=Decimal("4800"),
        next_step="Send proposal",
        next_step_due=now().date() + timedelta(days=2),
    )
    assert deal.enquiry == enquiry and deal.origin == Deal.Origin.MARKETING
    assert deal.stage.name == "Enquiry" and deal.contact == enquiry.contact
    assert list(deal.activities.values_list("kind", flat=True)) == ["call"]
    enquiry.refresh_from_db()
    assert enquiry.status == Enquiry.Status.CONVERTED


def test_converting_twice_returns_the_same_deal(enquiry, owner):
    arguments = {
        "user": owner,
        "title": "T",
        "value": Decimal("1"),
        "next_step": "Call",
        "next_step_due": now().date(),
    }
    first = answering.convert_to_deal(enquiry=enquiry, **arguments)
    second = answering.convert_to_deal(enquiry=enquiry, **arguments)
    assert first == second and Deal.objects.count() == 1


def test_dismissed_enquiry_leaves_the_inbox_and_can_be_reopened(enquiry, owner):
    answering.dismiss_enquiry(enquiry=enquiry, user=owner, as_spam=False)
    assert list(selectors.inbox()) == []
    answering.reopen_enquiry(enquiry=enquiry)
    assert list(selectors.inbox()) == [enquiry]


def test_phone_enquiry_entered_by_hand_and_answered_live(owner):
    enquiry = answering.record_enquiry(
        channel=Enquiry.Channel.PHONE,
        user=owner,
        name="Bob Smith",
        phone="07700 900123",
        message="Wants a quote",
        answered=True,
    )
    assert enquiry.contact.phones.get().number == "+447700900123"
    assert enquiry.first_response_at == enquiry.received_at
    assert enquiry.status == Enquiry.Status.RESPONDED


def test_inbox_lists_waiting_enquiries_soonest_due_first(owner):
    contact = Contact.objects.create(name="X")
    later = Enquiry.objects.create(
        channel="form",
        contact=contact,
        received_at=now(),
        response_due_at=now() + timedelta(hours=2),
    )
    sooner = Enquiry.objects.create(
        channel="email",
        contact=contact,
        received_at=now(),
        response_due_at=now() + timedelta(minutes=5),
    )
    Enquiry.objects.create(
        channel="form", contact=contact, received_at=now(), status=Enquiry.Status.RESPONDED
    )
    assert list(selectors.inbox()) == [sooner, later]
    assert list(selectors.inbox(channel="form")) == [later]


def test_context_shows_the_pages_read_before_the_hand_raise(enquiry):
    article = Asset.objects.create(kind="article", title="Closing the books in 3 days")
    Touchpoint.objects.create(
        visitor_id="v-123", asset=article, occurred_at=now() - timedelta(days=3)
    )
    Touchpoint.objects.create(
        visitor_id="v-123", asset=article, occurred_at=now() + timedelta(days=1)
    )
    context = selectors.enquiry_context(enquiry)
    assert [t.asset.title for t in context.touchpoints_before] == ["Closing the books in 3 days"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_restored_submission_is_processed_like_any_other(owner):
    submission = Submission.objects.create(
        public_id="6a1f3e0e-7d33-4a8e-9a0b-0d2a4c1f9e10",
        form=Form.objects.get(slug="contact"),
        received_at=now(),
        payload={"name": "Ann", "email": "ann@x.example", "message": "Hi"},
        status=Submission.Status.QUARANTINED,
        quarantine_reason="links",
    )
    submissions.restore_submission(submission=submission)

    call_command("worker", "--batch", verbosity=0)
    submission.refresh_from_db()
    assert submission.status == Submission.Status.PROCESSED and submission.enquiry is not None
