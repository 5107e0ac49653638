"""Hostile input at the public edge: the Big List of Naughty Strings through every field.

Every string either becomes an enquiry that stores it as given (less only what
``core.text.clean_text`` says no page or header can hold: control characters,
lone surrogates, line breaks in one-line fields) and shows it escaped, or gets
a clear 4xx answer; nothing ever gets a server error.
"""

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils.html import escape

from handraise.core.text import clean_text
from handraise.enquiries.models import Enquiry, Submission

pytestmark = pytest.mark.integration

# A copy of ../shared/data/blns.json (MIT, see blns.LICENSE): CI runs on a lone clone.
BLNS = Path(__file__).resolve().parent / "data" / "blns.json"
STRINGS = json.loads(BLNS.read_text())


@pytest.fixture
def prospect(settings) -> Client:
    settings.INTAKE_RATE_LIMIT = "1000000/m"
    return Client(REMOTE_ADDR="198.51.100.9")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_naughty_strings_in_name_company_and_message_are_stored_and_shown_escaped(
    prospect, owner_client
):
    accepted = {}
    for i, naughty in enumerate(STRINGS):
        body = {
            "name": naughty or "x",
            "company": naughty,
            "message": naughty or "x",
            "email": f"naughty{i}@example.com",
        }
        response = prospect.post("/f/contact/", json.dumps(body), content_type="application/json")
        assert response.status_code in (201, 422), (naughty, response.status_code)
        if response.status_code == 201:
            accepted[response.json()["id"]] = body
    assert len(accepted) >= len(STRINGS) * 0.95  # only blank-after-strip names are refused

    call_command("worker", "--batch", verbosity=0)
    for public_id, body in accepted.items():
        submission = Submission.objects.select_related("enquiry").get(public_id=public_id)
        name, company = clean_text(body["name"]), clean_text(body["company"])
        assert submission.payload["name"] == name  # stored as given, less control characters
        if naughty_free(body["name"]):
            assert name == body["name"]
        if submission.status == Submission.Status.QUARANTINED:
            assert submission.quarantine_reason  # e.g. a string full of links
            continue
        assert submission.status == Submission.Status.PROCESSED, submission.error
        enquiry = submission.enquiry
        assert enquiry.from_name == name and enquiry.from_company == company
        assert enquiry.message == clean_text(body["message"], multiline=True).strip()
        page = owner_client.get(f"/inbox/{enquiry.pk}/")
        assert page.status_code == 200
        assert escape(name) in page.content.decode()
    quarantined = Submission.objects.filter(status=Submission.Status.QUARANTINED).count()
    assert quarantined < len(accepted) * 0.05
    assert Enquiry.objects.count() == len(accepted) - quarantined
    for page in (1, 2):
        assert owner_client.get(f"/inbox/?page={page}").status_code == 200
        assert owner_client.get(f"/inbox/quarantine/?page={page}").status_code == 200


def naughty_free(text: str) -> bool:
    """No control character, line break or surrogate: text stored exactly as given."""
    return all(ch.isprintable() or ch == " " for ch in text)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field", ["email", "phone", "utm_source", "hr_visitor", "hr_submission_id"]
)
def test_naughty_strings_in_checked_fields_get_clear_answers(prospect, field):
    for naughty in STRINGS:
        body = {"name": "Ann", "email": "ann@example.com", "message": "Hi", field: naughty}
        for response in (
            prospect.post("/f/contact/", json.dumps(body), content_type="application/json"),
            prospect.post("/f/contact/", body),
        ):
            assert response.status_code in (201, 303, 422), (field, naughty, response.status_code)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b"\xff\xfe\x00garbage"),
        ("application/json", b'{"name": "' + b"[" * 100_000 + b'"}'),
        ("application/json", b"[" * 50_000),
        ("application/x-www-form-urlencoded", b"name=%ZZ%&email=%00"),
        ("multipart/form-data; boundary=x", b"--x\r\nContent-Disposition: form-data\r\n\r\n"),
        ("multipart/form-data", b"no boundary at all"),
        ("text/xml", b"<enquiry/>"),
    ],
)
def test_malformed_bodies_get_4xx_not_5xx(prospect, content_type, body):
    response = prospect.generic("POST", "/f/contact/", body, content_type=content_type)
    assert 400 <= response.status_code < 500
    assert Submission.objects.count() == 0


@pytest.mark.django_db
def test_header_injection_through_the_name_never_reaches_an_email_header(prospect, mail_server):
    body = {"name": "Ann\r\nBcc: victim@example.com", "email": "ann@example.com", "message": "Hi"}
    prospect.post("/f/contact/", json.dumps(body), content_type="application/json")
    from handraise.enquiries import submissions

    submissions.process_submission(submission_id=Submission.objects.get().pk)
    from handraise.core.models import OutgoingEmail
    from handraise.core.outbox import send_email

    for email in OutgoingEmail.objects.all():
        send_email(email_id=email.pk)
    assert all(m["Bcc"] is None for m in mail_server.messages)
    assert not mail_server.to("victim@example.com")
