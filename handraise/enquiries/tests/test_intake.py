"""Public intake through HTTP: what a prospect's browser or script gets back."""

import json

import pytest
from django.core.management import call_command
from django.test import Client

from handraise.contacts.models import ContactEmail
from handraise.core.clock import now
from handraise.core.models import OutgoingEmail
from handraise.enquiries.models import Enquiry, Form, Submission

# Transactional: the worker closes and reopens connections as in production.
pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

GOOD = {
    "name": "Ann Lee",
    "email": "Ann.Lee@Example.com",
    "phone": "020 7946 0123",
    "company": "Lee & Co",
    "message": "Can you help us fix our month-end close?",
}


@pytest.fixture
def prospect() -> Client:
    return Client(REMOTE_ADDR="203.0.113.7")


def post_json(client: Client, body, **headers):
    return client.post(
        "/f/contact/", data=json.dumps(body), content_type="application/json", headers=headers
    )


def run_worker() -> None:
    call_command("worker", "--batch", verbosity=0)


def test_html_post_redirects_to_the_thank_you_page(prospect):
    response = prospect.post("/f/contact/", GOOD)
    assert response.status_code == 303
    assert response["Location"] == "/f/contact/thanks/"
    thanks = prospect.get(response["Location"])
    assert "we have your message" in thanks.content.decode()


def test_html_post_goes_to_the_forms_own_thank_you_url(prospect):
    Form.objects.filter(slug="contact").update(thank_you_url="https://example.com/thanks")
    response = prospect.post("/f/contact/", GOOD)
    assert response.status_code == 303 and response["Location"] == "https://example.com/thanks"


def test_json_post_answers_201_with_id_and_status(prospect):
    response = post_json(prospect, GOOD)
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "received"
    assert Submission.objects.get(public_id=body["id"]).payload["name"] == "Ann Lee"


def test_submission_becomes_an_acknowledged_enquiry_on_the_clock(prospect, owner, mail_server):
    post_json(prospect, GOOD)
    run_worker()  # processes the submission, then sends what it queued
    run_worker()
    enquiry = Enquiry.objects.get()
    assert enquiry.channel == Enquiry.Channel.FORM and enquiry.status == Enquiry.Status.OPEN
    assert enquiry.from_email == "Ann.Lee@Example.com"  # as typed
    assert ContactEmail.objects.get(contact=enquiry.contact).email == "ann.lee@example.com"
    assert enquiry.contact.phones.get().number == "+442079460123"
    assert enquiry.response_due_at > enquiry.received_at
    assert enquiry.first_response_at is None  # the acknowledgement is not a response
    [ack] = mail_server.to("ann.lee@example.com")
    assert ack["Subject"] == "Thanks for getting in touch, Ann"
    assert "month-end close" in ack.get_content()
    assert ack["In-Reply-To"] is None  # a web form has no email to answer in a thread
    [note] = mail_server.to("owner@example.com")
    assert "Ann Lee" in note["Subject"]


def test_repeated_idempotency_key_returns_the_first_enquiry(prospect, mail_server):
    first = post_json(prospect, GOOD, **{"Idempotency-Key": "abc-123"})
    second = post_json(prospect, GOOD, **{"Idempotency-Key": "abc-123"})
    assert first.json()["id"] == second.json()["id"]
    run_worker()
    run_worker()
    assert Submission.objects.count() == 1 and Enquiry.objects.count() == 1
    assert len(mail_server.to("ann.lee@example.com")) == 1


def test_repeated_submission_id_field_never_creates_a_second_enquiry(prospect):
    prospect.post("/f/contact/", {**GOOD, "hr_submission_id": "form-load-42"})
    prospect.post("/f/contact/", {**GOOD, "hr_submission_id": "form-load-42"})
    run_worker()
    assert Enquiry.objects.count() == 1


def test_oversized_body_gets_413(prospect, settings):
    response = post_json(prospect, {**GOOD, "message": "x" * (settings.INTAKE_MAX_BYTES + 1)})
    assert response.status_code == 413
    assert Submission.objects.count() == 0


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", '"text"', '{"name": {"a": 1}}'])
def test_malformed_json_gets_400_with_a_reason(prospect, body):
    response = prospect.post("/f/contact/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]


def test_wrong_content_type_gets_415(prospect):
    response = prospect.post("/f/contact/", data="name=Ann", content_type="text/plain")
    assert response.status_code == 415


def test_json_field_errors_get_422_naming_each_field(prospect):
    response = post_json(prospect, {**GOOD, "email": "not-an-email", "message": ""})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {"email", "message"}


def test_html_field_errors_rerender_the_form_with_what_was_typed(prospect):
    response = prospect.post(
        "/f/contact/", {**GOOD, "email": "", "phone": "", "name": "<b>Ann</b>"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert page.count("This field is required.") == 1  # the email: this form requires it
    assert "&lt;b&gt;Ann&lt;/b&gt;" in page and "<b>Ann</b>" not in page
    assert Submission.objects.count() == 0


def test_unknown_form_gets_404(prospect):
    assert post_json(prospect, GOOD).status_code == 201
    response = prospect.post("/f/no-such-form/", GOOD)
    assert response.status_code == 404


def test_honeypot_submission_is_quarantined_without_acknowledgement(prospect, owner):
    response = prospect.post("/f/contact/", {**GOOD, "hr_website": "http://spam.example"})
    assert response.status_code == 303  # the bot gets the same answer as a person
    run_worker()
    submission = Submission.objects.get()
    assert submission.status == Submission.Status.QUARANTINED
    assert "honeypot" in submission.quarantine_reason
    assert Enquiry.objects.count() == 0 and OutgoingEmail.objects.count() == 0


def test_message_full_of_links_is_quarantined(prospect):
    links = " ".join(f"https://spam{i}.example" for i in range(5))
    post_json(prospect, {**GOOD, "message": f"Great site! {links}"})
    assert "5 links" in Submission.objects.get().quarantine_reason


def test_form_sent_too_fast_is_quarantined(prospect):
    started = int(now().timestamp() * 1000) - 500
    post_json(prospect, {**GOOD, "hr_started": str(started)})
    assert "after the form opened" in Submission.objects.get().quarantine_reason


def test_too_many_submissions_from_one_address_are_quarantined(prospect, settings):
    settings.INTAKE_RATE_LIMIT = "3/10m"
    for i in range(4):
        post_json(prospect, {**GOOD, "email": f"person{i}@example.com"})
    statuses = list(Submission.objects.order_by("received_at").values_list("status", flat=True))
    assert statuses == ["received", "received", "received", "quarantined"]


def test_json_from_an_unlisted_origin_is_refused(prospect):
    response = post_json(prospect, GOOD, Origin="https://evil.example")
    assert response.status_code == 403
    assert Submission.objects.count() == 0


def test_json_from_an_allowed_origin_gets_cors_headers(prospect):
    Form.objects.filter(slug="contact").update(allowed_origins="https://www.lee.example\n")
    preflight = prospect.options("/f/contact/", headers={"Origin": "https://www.lee.example"})
    assert preflight["Access-Control-Allow-Origin"] == "https://www.lee.example"
    response = post_json(prospect, GOOD, Origin="https://www.lee.example")
    assert response.status_code == 201
    assert response["Access-Control-Allow-Origin"] == "https://www.lee.example"


def test_hosted_form_page_shows_the_fields_with_labels(prospect):
    page = prospect.get("/f/contact/").content.decode()
    for label in ("Your name", "Email", "Phone", "Company", "How can we help?"):
        assert label in page
    assert 'name="hr_website"' in page  # the honeypot is there, hidden
