"""The spool: submissions the database could not take wait on disk and are replayed once."""

import json
import os
import uuid
from datetime import timedelta

import pytest

from handraise.core.clock import now
from handraise.enquiries import spool, submissions
from handraise.enquiries.models import Submission

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def spool_in_tmp(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path / "spool"


def record(name: str = "Ann Lee", **extra) -> dict:
    base = {
        "public_id": str(uuid.uuid4()),
        "form": "contact",
        "received_at": now().isoformat(),
        "payload": {"name": name, "email": "ann@lee.example", "message": "Hello"},
        "idempotency_key": None,
        "remote_addr": "203.0.113.7",
        "user_agent": "test",
        "origin": "",
        "quarantine_reason": "",
    }
    base.update(extra)
    return base


def test_spooled_file_is_complete_and_private(spool_in_tmp):
    path = spool.write(record())
    assert path.parent == spool_in_tmp
    assert json.loads(path.read_text())["payload"]["name"] == "Ann Lee"
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert list((spool_in_tmp / "tmp").iterdir()) == []  # nothing half-written left behind


def test_replay_stores_each_spooled_submission_once_and_empties_the_spool():
    first, second = record("Ann Lee"), record("Bob Smith")
    spool.write(first)
    spool.write(second)
    assert submissions.replay_spool() == 2
    assert submissions.replay_spool() == 0
    stored = Submission.objects.order_by("payload__name")
    assert [s.payload["name"] for s in stored] == ["Ann Lee", "Bob Smith"]
    assert all(s.spooled and s.status == Submission.Status.RECEIVED for s in stored)
    assert spool.pending() == []


def test_a_record_spooled_twice_is_stored_once():
    same = record()
    spool.write(same)
    spool.write(same)  # e.g. the file survived a crash right after its insert
    submissions.replay_spool()
    assert Submission.objects.filter(public_id=same["public_id"]).count() == 1
    assert spool.pending() == []


def test_a_repeated_idempotency_key_in_the_spool_is_one_submission():
    spool.write(record(idempotency_key="retry-1"))
    spool.write(record(idempotency_key="retry-1"))
    submissions.replay_spool()
    assert Submission.objects.count() == 1


def test_spooled_spam_stays_quarantined():
    spool.write(record(quarantine_reason="the hidden honeypot field was filled in"))
    submissions.replay_spool()
    assert Submission.objects.get().status == Submission.Status.QUARANTINED


def test_an_unreadable_spool_file_is_set_aside_with_its_reason_and_the_rest_replayed(
    spool_in_tmp,
):
    spool.write(record("Ann Lee"))
    broken = spool_in_tmp / "0000-broken.json"
    broken.write_text("{truncated")
    assert submissions.replay_spool() == 1
    rejected = spool_in_tmp / "rejected"
    assert (rejected / "0000-broken.json").read_text() == "{truncated"
    assert "unreadable" in (rejected / "0000-broken.json.reason").read_text()


def test_a_submission_whose_form_was_deleted_is_set_aside_and_does_not_block_others(
    spool_in_tmp,
):
    spool.write(record(form="gone"))
    spool.write(record("Bob Smith"))
    assert submissions.replay_spool() == 1
    assert Submission.objects.get().payload["name"] == "Bob Smith"
    [reason] = (spool_in_tmp / "rejected").glob("*.reason")
    assert "no longer exists" in reason.read_text()


def test_a_submission_left_unprocessed_by_a_dead_worker_is_processed_later(settings):
    old = record("Ann Lee", received_at=(now() - timedelta(minutes=10)).isoformat())
    submission, _ = submissions.store_submission(old)
    fresh, _ = submissions.store_submission(record("Bob Smith"))
    assert submissions.retry_stalled_submissions() == 1
    submission.refresh_from_db()
    fresh.refresh_from_db()
    assert submission.status == Submission.Status.PROCESSED and submission.enquiry is not None
    assert fresh.status == Submission.Status.RECEIVED  # the worker's poll gets to it
