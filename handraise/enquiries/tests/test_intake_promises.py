"""The intake promises under hostile input: nothing lost, nothing that breaks a page.

Each test here is a defect a security review reproduced: a lone surrogate in
JSON, an idempotency key reused for another message, control characters in an
address, acknowledgements answering robots in a loop.
"""

import json
import sqlite3
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from handraise.core import outbox
from handraise.core.clock import now
from handraise.core.models import OutgoingEmail
from handraise.enquiries import spool, submissions
from handraise.enquiries.models import Enquiry, Submission

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SURROGATE = {"name": "Bot", "email": "bot@q.example", "message": "x\ud800"}
ON_SQLITE = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"


@pytest.fixture
def prospect(settings, tmp_path) -> Client:
    settings.DATA_DIR = tmp_path  # the spool, if a test needs it
    return Client(REMOTE_ADDR="203.0.113.7")


def post_json(client: Client, body, **headers):
    # json.dumps writes a lone surrogate as the escape "\ud800", as a script would send it.
    return client.post(
        "/f/contact/", data=json.dumps(body), content_type="application/json", headers=headers
    )


def run_worker() -> None:
    call_command("worker", "--batch", verbosity=0)
    call_command("worker", "--batch", verbosity=0)  # the sends the first pass queued


# --- lone surrogates and control characters ------------------------------------------------


def test_a_lone_surrogate_in_quarantine_never_breaks_the_quarantine_pages(prospect, owner_client):
    response = post_json(prospect, {**SURROGATE, "hr_website": "http://spam.example\ud800"})
    assert response.status_code == 201
    submission = Submission.objects.get(public_id=response.json()["id"])
    assert submission.status == Submission.Status.QUARANTINED
    assert submission.payload["message"] == "x\ufffd"  # kept, made displayable

    page = owner_client.get("/inbox/quarantine/")
    assert page.status_code == 200 and "x\ufffd" in page.content.decode()
    assert owner_client.get("/admin/enquiries/submission/").status_code == 200
    admin_page = owner_client.get(f"/admin/enquiries/submission/{submission.pk}/change/")
    assert admin_page.status_code == 200


def test_a_lone_surrogate_still_gets_its_enquiry_and_acknowledgement(
    prospect, owner_client, mail_server
):
    response = post_json(prospect, SURROGATE)
    assert response.status_code == 201
    run_worker()
    submission = Submission.objects.get(public_id=response.json()["id"])
    assert submission.status == Submission.Status.PROCESSED, submission.error
    assert submission.enquiry.message == "x\ufffd"
    assert len(mail_server.to("bot@q.example")) == 1
    assert owner_client.get(f"/inbox/{submission.enquiry.pk}/").status_code == 200


def test_control_characters_never_reach_a_stored_name_or_message(prospect):
    body = {"name": "Ann\x0bLee\x00", "email": "ann@lee.example", "message": "l1\r\nl2\x1bz"}
    response = post_json(prospect, body)
    assert response.status_code == 201
    payload = Submission.objects.get(public_id=response.json()["id"]).payload
    assert payload["name"] == "Ann Lee\ufffd"  # one line; the NUL is marked, not hidden
    assert payload["message"] == "l1\nl2\ufffdz"


@pytest.mark.skipif(not ON_SQLITE, reason="holds SQLite's write lock from another connection")
def test_a_lone_surrogate_is_spooled_while_the_database_is_locked(prospect):
    locker = sqlite3.connect(settings.DATABASES["default"]["NAME"], isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        response = post_json(prospect, SURROGATE)
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert response.status_code == 201  # before: 500 (UnicodeEncodeError in the spool)
    [spooled] = spool.pending()
    assert json.loads(spooled.read_bytes())["payload"]["message"] == "x\ufffd"
    assert submissions.replay_spool() == 1
    assert Submission.objects.get(public_id=response.json()["id"]).spooled


def test_the_spool_writes_any_text_at_all(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    record = {"received_at": now().isoformat(), "public_id": "x", "payload": {"m": "\ud800\x00"}}
    path = spool.write(record)
    assert json.loads(path.read_bytes())["payload"]["m"] == "\ud800\x00"


# --- idempotency keys ----------------------------------------------------------------------

FIRST = {"name": "Ann Lee", "email": "ann@lee.example", "message": "Can you help with payroll?"}
EDITED = {**FIRST, "message": "Can you help with payroll and VAT?"}


def test_a_json_key_reused_for_another_message_is_refused_and_the_first_kept(prospect):
    first = post_json(prospect, FIRST, **{"Idempotency-Key": "k-1"})
    again = post_json(prospect, FIRST, **{"Idempotency-Key": "k-1"})
    other = post_json(prospect, EDITED, **{"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert other.status_code == 422
    assert "different message" in other.json()["error"]
    assert [s.payload["message"] for s in Submission.objects.all()] == [FIRST["message"]]


def test_an_edited_form_sent_again_is_kept_as_its_own_submission(prospect):
    form = {"hr_submission_id": "form-load-42"}
    for body in (FIRST, FIRST, EDITED, EDITED):  # each sent twice (a double click)
        assert prospect.post("/f/contact/", {**body, **form}).status_code == 303
    run_worker()
    messages = sorted(Enquiry.objects.values_list("message", flat=True))
    assert messages == sorted([FIRST["message"], EDITED["message"]])


def test_keys_that_differ_only_after_200_characters_are_different_keys(prospect):
    long = "k" * 200
    a = post_json(prospect, FIRST, **{"Idempotency-Key": long + "a"})
    b = post_json(prospect, EDITED, **{"Idempotency-Key": long + "b"})
    assert a.status_code == b.status_code == 201 and a.json()["id"] != b.json()["id"]
    assert Submission.objects.count() == 2
    # The key is kept only as a digest: a hostile key is never stored or shown.
    assert all(s.idempotency_key.startswith("sha256:") for s in Submission.objects.all())


def test_a_spooled_message_under_a_used_key_is_replayed_not_dropped(prospect):
    post_json(prospect, FIRST, **{"Idempotency-Key": "k-9"})
    # Answered 201 while the database was away: nobody could compare the key then.
    record = {
        "public_id": str(uuid.uuid4()),
        "form": "contact",
        "received_at": now().isoformat(),
        "payload": EDITED,
        "idempotency_key": submissions.submission_key("k-9"),
    }
    spool.write(record)
    assert submissions.replay_spool() == 1
    assert submissions.replay_spool() == 0  # and only once
    messages = sorted(Submission.objects.values_list("payload__message", flat=True))
    assert messages == sorted([FIRST["message"], EDITED["message"]])


# --- addresses -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address", ['"a\x0bb\x1cc"@x.example', "ann@lee\x00.example", "a b@x.example", "ann@[10.0.0.1]"]
)
def test_addresses_smtp_would_refuse_get_a_clear_422(prospect, address):
    response = post_json(prospect, {**FIRST, "email": address})
    assert response.status_code == 422
    assert "email" in response.json()["errors"]
    html = prospect.post("/f/contact/", {**FIRST, "email": address})
    assert html.status_code == 422 and "Enter an email address" in html.content.decode()
    assert not Submission.objects.exists()


def test_the_outbox_fails_an_unsendable_address_at_once_without_sending(mail_server):
    email = outbox.queue_email(
        key="test:bad", kind="reply", to='"a\x0bb"@x.example', subject="Hi", body="Hello"
    )
    call_command("worker", "--batch", verbosity=0)
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.FAILED and email.attempts == 1
    assert "invalid characters" in email.last_error
    assert mail_server.messages == []


# --- automatic mail and loops --------------------------------------------------------------


def test_acknowledgements_and_notices_say_they_are_automatic(prospect, owner, mail_server):
    post_json(prospect, FIRST)
    run_worker()
    [ack] = mail_server.to("ann@lee.example")
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["X-Auto-Response-Suppress"] == "All"
    [notice] = mail_server.to("owner@example.com")
    assert notice["Auto-Submitted"] == "auto-generated"


def test_a_personal_reply_is_not_marked_automatic(owner, mail_server):
    outbox.queue_email(key="test:reply", kind="reply", to="ann@lee.example", subject="Hi", body=".")
    call_command("worker", "--batch", verbosity=0)
    [reply] = mail_server.to("ann@lee.example")
    assert reply["Auto-Submitted"] is None


def test_one_address_gets_at_most_one_acknowledgement_a_day(prospect, owner, mail_server):
    for i in range(3):  # a help desk answering each message from the same address
        post_json(prospect, {**FIRST, "message": f"Ticket #{i} received"})
    run_worker()
    assert Enquiry.objects.count() == 3
    assert len(mail_server.to("ann@lee.example")) == 1
    assert len(mail_server.to("owner@example.com")) == 3  # the owner hears of each

    OutgoingEmail.objects.filter(kind="acknowledgement").update(
        created_at=now() - timedelta(days=1, minutes=1)
    )
    post_json(prospect, {**FIRST, "message": "A day later"})
    run_worker()
    assert len(mail_server.to("ann@lee.example")) == 2
