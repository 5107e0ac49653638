"""The Inbox as a signed-in user sees and uses it."""

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from handraise.accounts.models import BusinessSettings
from handraise.core import outbox
from handraise.core.clock import now
from handraise.core.models import OutgoingEmail
from handraise.enquiries import spool
from handraise.enquiries.models import Enquiry, Form, ReplyTemplate, Submission
from handraise.marketing.models import Asset, Touchpoint
from handraise.sales.models import Deal
from handraise.testing.factories import make_enquiry

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).strip()


def test_inbox_lists_waiting_enquiries_soonest_due_first_with_countdowns(teammate_client):
    make_enquiry("Later Person", due_in=timedelta(hours=2))
    make_enquiry("Overdue Person", due_in=timedelta(minutes=-20))
    make_enquiry("Answered Person", status=Enquiry.Status.RESPONDED)
    page = text(teammate_client.get("/inbox/"))
    assert "2 waiting for a first response" in page
    assert page.index("Overdue Person") < page.index("Later Person")
    assert "Answered Person" not in page
    assert "overdue by 20 min" in page or "overdue by 19 min" in page
    assert "due in 1 h 59 min" in page or "due in 2 h" in page


def test_inbox_search_and_channel_filter(teammate_client):
    make_enquiry("Ann Lee")
    make_enquiry("Bob Smith", channel=Enquiry.Channel.PHONE)
    assert "Bob Smith" not in text(teammate_client.get("/inbox/?q=ann"))
    page = text(teammate_client.get("/inbox/?channel=phone"))
    assert "Bob Smith" in page and "Ann Lee" not in page


def test_htmx_refresh_gets_only_the_list(teammate_client):
    make_enquiry("Ann Lee")
    response = teammate_client.get("/inbox/", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "Ann Lee" in body and "<html" not in body


def test_empty_inbox_says_so(teammate_client):
    assert "Nobody is waiting for a reply" in text(teammate_client.get("/inbox/"))


def test_inbox_query_count_does_not_grow_with_enquiries(
    teammate_client, django_assert_max_num_queries
):
    for i in range(30):
        make_enquiry(f"Person {i}", email=f"person{i}@example.com")
    with django_assert_max_num_queries(12):
        response = teammate_client.get("/inbox/")
    assert text(response).count("asks about a process review") == 30


def test_hostile_name_is_shown_as_text(teammate_client):
    enquiry = make_enquiry('<script>alert("x")</script>', email="x@example.com")
    for url in ("/inbox/", f"/inbox/{enquiry.pk}/"):
        body = teammate_client.get(url).content.decode()
        assert "<script>alert" not in body and "&lt;script&gt;alert" in body


def test_enquiry_page_shows_what_they_read_before_raising_their_hand(teammate_client):
    enquiry = make_enquiry(visitor_id="v-1", utm_campaign="spring-webinar", utm_source="linkedin")
    article = Asset.objects.create(kind="article", title="Month-end in three days")
    Touchpoint.objects.create(
        visitor_id="v-1", asset=article, channel="social", occurred_at=now() - timedelta(days=2)
    )
    page = text(teammate_client.get(f"/inbox/{enquiry.pk}/"))
    assert "Month-end in three days" in page
    assert "spring-webinar" in page
    assert "None: this is their first." in page


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reply_from_the_enquiry_page_sends_once_and_leaves_the_inbox(owner_client, mail_server):
    enquiry = make_enquiry("Ann Lee")
    form = {
        "subject": "Re: reviews",
        "body": "Happy to help.",
        "token": "0b4e1c5e-54d2-4c55-9a39-8e8bd1a4e2f1",
    }
    first = owner_client.post(f"/inbox/{enquiry.pk}/reply/", form)
    owner_client.post(f"/inbox/{enquiry.pk}/reply/", form)  # a double click
    assert first.status_code == 302
    call_command("worker", "--batch", verbosity=0)
    assert [m["Subject"] for m in mail_server.to("ann@example.com")] == ["Re: reviews"]
    assert "Nobody is waiting for a reply" in text(owner_client.get("/inbox/"))


def test_reply_with_an_empty_body_shows_the_error(owner_client):
    enquiry = make_enquiry("Ann Lee")
    response = owner_client.post(
        f"/inbox/{enquiry.pk}/reply/",
        {"subject": "Re", "body": "", "token": "0b4e1c5e-54d2-4c55-9a39-8e8bd1a4e2f1"},
    )
    assert response.status_code == 422 and "This field is required." in text(response)
    assert OutgoingEmail.objects.count() == 0


def test_a_saved_reply_fills_in_the_reply_form(owner_client):
    enquiry = make_enquiry("Ann Lee")
    saved = ReplyTemplate.objects.create(
        name="Next steps",
        subject="Your process review, {{ first_name }}",
        body="Hello {{ name }},\n\nYou asked: {{ message }}\nI will call {{ reply_promise }}.",
    )

    response = owner_client.get(f"/inbox/{enquiry.pk}/reply-template/", {"template": saved.pk})

    page = html.unescape(response.content.decode())
    assert 'value="Your process review, Ann"' in page
    assert (
        "Hello Ann Lee,\n\nYou asked: Ann Lee asks about a process review\n"
        "I will call within 60 minutes during our working hours."
    ) in page


def test_log_call_stops_the_clock(teammate_client, teammate):
    enquiry = make_enquiry("Ann Lee")
    teammate_client.post(f"/inbox/{enquiry.pk}/call/", {"notes": "Talked scope"})
    enquiry.refresh_from_db()
    assert enquiry.first_response_by == teammate
    assert "Talked scope" in text(teammate_client.get(f"/inbox/{enquiry.pk}/"))


def test_meeting_time_is_read_in_the_business_time_zone(teammate_client):
    enquiry = make_enquiry("Ann Lee")
    teammate_client.post(
        f"/inbox/{enquiry.pk}/meeting/", {"when": "2026-07-01T10:00", "held": "0", "notes": ""}
    )
    booked = enquiry.activities.get()
    assert booked.due_at.isoformat() == "2026-07-01T09:00:00+00:00"  # 10:00 BST


def test_the_enquiry_page_starts_its_forms_on_the_business_clock(teammate_client, monkeypatch):
    # 00:30 UTC on 10 March is still 17:30 on the 9th in Los Angeles.
    BusinessSettings.objects.filter(pk=1).update(time_zone="America/Los_Angeles")
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 3, 10, 0, 30, tzinfo=UTC))
    enquiry = make_enquiry("Ann Lee")
    page = teammate_client.get(f"/inbox/{enquiry.pk}/").content.decode()
    assert re.search(r'name="next_step_due"[^>]*value="2026-03-09"', page)
    assert re.search(r'name="when"[^>]*value="2026-03-09T17:30"', page)


def test_convert_opens_a_deal(owner_client):
    enquiry = make_enquiry("Ann Lee")
    response = owner_client.post(
        f"/inbox/{enquiry.pk}/convert/",
        {
            "title": "Review",
            "value": "4800",
            "next_step": "Proposal",
            "next_step_due": "2026-12-01",
        },
    )
    assert response.status_code == 302
    deal = Deal.objects.get()
    assert deal.enquiry == enquiry and str(deal.next_step_due) == "2026-12-01"


def test_dismiss_then_undo(owner_client):
    enquiry = make_enquiry("Ann Lee")
    owner_client.post(f"/inbox/{enquiry.pk}/dismiss/", {"as": "not_a_lead"})
    page = text(owner_client.get("/inbox/"))
    assert "Ann Lee was marked as not a lead. Undo" in page
    owner_client.post(f"/inbox/{enquiry.pk}/reopen/")
    assert "1 waiting for a first response" in text(owner_client.get("/inbox/"))


def test_phone_call_is_recorded_in_a_few_fields(teammate_client):
    response = teammate_client.post(
        "/inbox/new/",
        {"channel": "phone", "name": "Carl Doe", "phone": "07700 900456", "message": "Quote?"},
    )
    enquiry = Enquiry.objects.get()
    assert response["Location"] == f"/inbox/{enquiry.pk}/"
    assert enquiry.channel == "phone" and enquiry.status == Enquiry.Status.OPEN


def test_recording_without_phone_or_email_is_refused(teammate_client):
    response = teammate_client.post("/inbox/new/", {"channel": "phone", "name": "Carl"})
    assert response.status_code == 422
    assert "Add a phone number or an email address" in text(response)


def test_quarantine_lists_the_reason_and_restores(owner_client):
    submission = Submission.objects.create(
        public_id="2f1e0f5a-0f5c-4a8e-9a0b-0d2a4c1f9e10",
        form=Form.objects.get(slug="contact"),
        received_at=now(),
        payload={"name": "Maybe Person", "email": "m@example.com", "message": "Hi"},
        status=Submission.Status.QUARANTINED,
        quarantine_reason="4 links in the message",
    )
    page = text(owner_client.get("/inbox/quarantine/"))
    assert "Maybe Person" in page and "4 links in the message" in page
    owner_client.post(f"/inbox/quarantine/{submission.pk}/restore/")
    submission.refresh_from_db()
    assert submission.status == Submission.Status.RECEIVED


def test_outsider_sees_nothing(outsider_client):
    enquiry = make_enquiry("Ann Lee")
    for url in ("/inbox/", f"/inbox/{enquiry.pk}/", "/inbox/quarantine/"):
        response = outsider_client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_failing_email_and_spooled_submissions_are_shown_to_the_owner(
    owner_client, settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    spool.write({"received_at": now().isoformat(), "public_id": "x", "form": "contact"})
    email = outbox.queue_email(
        key="k", kind="acknowledgement", to="a@example.com", subject="s", body="b"
    )
    OutgoingEmail.objects.filter(pk=email.pk).update(attempts=2, last_error="refused")
    page = text(owner_client.get("/inbox/"))
    assert "1 submission waiting for the database" in page
    assert "1 email could not be sent yet and will be retried" in page


def test_an_email_being_retried_right_now_still_counts_as_not_sent_yet(owner_client):
    first_try, retried_now = (
        outbox.queue_email(
            key=key, kind="acknowledgement", to="a@example.com", subject="s", body="b"
        )
        for key in ("first", "again")
    )
    sending = OutgoingEmail.Status.SENDING
    OutgoingEmail.objects.filter(pk=first_try.pk).update(status=sending, attempts=1)
    OutgoingEmail.objects.filter(pk=retried_now.pk).update(status=sending, attempts=3)

    page = text(owner_client.get("/inbox/"))

    assert "1 email could not be sent yet and will be retried" in page


def test_no_trouble_no_banner(owner_client):
    assert "Needs attention" not in text(owner_client.get("/inbox/"))
