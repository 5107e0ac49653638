"""Received submissions are intake's queue: one write per post, polled by the worker."""

import threading
import time
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from handraise.core import periodic
from handraise.core.clock import now
from handraise.core.models import OutgoingEmail
from handraise.enquiries import submissions
from handraise.enquiries.models import Enquiry, Form, Submission

pytestmark = [pytest.mark.integration]


def stored(name: str, *, payload: object = None, minutes_ago: float = 0) -> Submission:
    record = {
        "public_id": str(uuid.uuid4()),
        "form": "contact",
        "received_at": (now() - timedelta(minutes=minutes_ago)).isoformat(),
        "payload": payload
        if payload is not None
        else {"name": name, "email": f"{name.split()[0].lower()}@example.com", "message": "Hi"},
    }
    submission, created = submissions.store_submission(record)
    assert created
    return submission


@pytest.mark.django_db
def test_a_form_post_makes_one_write_the_submission_itself(client):
    body = {"name": "Ann Lee", "email": "ann@lee.example", "message": "A quote, please"}
    client.post("/f/contact/", body)  # reads the form's settings once; later posts reuse them
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/f/contact/", {**body, "email": "ann2@lee.example"})
    assert response.status_code == 303
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(writes) == 1 and "enquiries_submission" in writes[0]
    assert len(queries.captured_queries) <= 3  # the insert, and SQLite's lock-wait setting


@pytest.mark.django_db
def test_the_worker_takes_waiting_submissions_oldest_first():
    later = stored("Bob Smith", minutes_ago=1)
    earlier = stored("Ann Lee", minutes_ago=2)
    assert submissions.process_received_submissions(limit=1) == 1
    earlier.refresh_from_db()
    later.refresh_from_db()
    assert earlier.status == Submission.Status.PROCESSED
    assert later.status == Submission.Status.RECEIVED
    assert submissions.process_received_submissions() == 1
    assert submissions.process_received_submissions() == 0
    assert Enquiry.objects.count() == 2
    assert OutgoingEmail.objects.filter(kind="acknowledgement").count() == 2


@pytest.mark.django_db
def test_a_submission_that_cannot_be_processed_is_set_aside_and_never_holds_up_the_rest(
    settings,
):
    # A payload that is not an object of fields (say, a hand-edited spool file).
    broken = stored("", payload=["not", "fields"], minutes_ago=5)
    stored("Ann Lee", minutes_ago=4)
    assert submissions.process_received_submissions() == 2  # one set aside, one processed
    broken.refresh_from_db()
    assert broken.status == Submission.Status.RECEIVED
    assert "AttributeError" in broken.error  # the reason is kept for whoever looks
    assert Enquiry.objects.get().from_name == "Ann Lee"

    # The poll no longer spends its time on it; the slow sweep retries it, and a
    # good submission behind it in the sweep is still processed.
    assert submissions.process_received_submissions() == 0
    settings.SUBMISSION_STALLED_AFTER = 60
    old = stored("Cara Diaz", minutes_ago=3)
    Submission.objects.filter(pk=old.pk).update(error="KeyError: 'name'")  # set aside once
    assert submissions.retry_stalled_submissions() == 2  # both tried, the broken one first
    old.refresh_from_db()
    assert old.status == Submission.Status.PROCESSED and old.error == ""
    assert Submission.objects.get(pk=broken.pk).status == Submission.Status.RECEIVED


@pytest.mark.django_db
def test_a_submission_that_keeps_failing_is_marked_failed_for_the_owner_after_an_hour(
    settings, owner_client
):
    settings.SUBMISSION_STALLED_AFTER = 60
    broken = stored("", payload=["not", "fields"], minutes_ago=30)
    submissions.process_received_submissions()
    submissions.retry_stalled_submissions()
    assert Submission.objects.get(pk=broken.pk).status == Submission.Status.RECEIVED
    Submission.objects.filter(pk=broken.pk).update(received_at=now() - timedelta(minutes=61))
    submissions.retry_stalled_submissions()
    broken.refresh_from_db()
    assert broken.status == Submission.Status.FAILED
    assert broken.error.startswith("Gave up retrying. AttributeError")
    assert submissions.retry_stalled_submissions() == 0  # and it is left alone from then on
    assert "1 submission could not be processed" in owner_client.get("/inbox/").content.decode()


@pytest.mark.django_db
def test_an_email_longer_than_a_name_may_be_still_makes_a_contact():
    # A form that does not ask for a name: the contact is named after the email,
    # which may be 254 characters where a name holds 200 (PostgreSQL refuses more).
    Form.objects.filter(slug="contact").update(
        fields={"name": "hidden", "email": "required", "message": "required"}
    )
    address = f"{'a' * 64}@{'b' * 63}.{'c' * 63}.example.com"
    assert len(address) > 200
    submission = stored("", payload={"email": address, "message": "A quote, please"})
    assert submissions.process_received_submissions() == 1
    submission.refresh_from_db()
    assert submission.status == Submission.Status.PROCESSED
    assert submission.enquiry.contact.name == address[:200]


@pytest.mark.django_db
def test_a_restored_submission_is_picked_up_by_the_next_poll():
    submission = stored("Ann Lee")
    Submission.objects.filter(pk=submission.pk).update(
        status=Submission.Status.QUARANTINED, quarantine_reason="too many links"
    )
    assert submissions.process_received_submissions() == 0
    submissions.restore_submission(submission=submission)
    assert submissions.process_received_submissions() == 1
    assert Enquiry.objects.get().from_name == "Ann Lee"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_polling_at_once_make_one_enquiry_per_submission():
    people = [stored(f"Person{i} Example") for i in range(12)]
    errors, start = [], threading.Barrier(2)

    def worker():
        try:
            start.wait()
            while submissions.process_received_submissions(limit=3):
                pass
        except Exception as error:  # surfaced below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Enquiry.objects.count() == len(people)
    assert not Submission.objects.exclude(status=Submission.Status.PROCESSED).exists()
    acknowledgements = OutgoingEmail.objects.filter(kind="acknowledgement")
    assert sorted(acknowledgements.values_list("to", flat=True)) == sorted(
        f"person{i}@example.com" for i in range(12)
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_thread_processes_a_submission_moments_after_it_is_stored(settings):
    stop = threading.Event()
    thread = periodic.start_poller(settings.POLLED_JOBS[0], stop, idle_wait=0.05)
    try:
        submission = stored("Ann Lee")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            submission.refresh_from_db()
            if submission.status == Submission.Status.PROCESSED:
                break
            time.sleep(0.05)
        assert submission.status == Submission.Status.PROCESSED
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
