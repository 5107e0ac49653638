"""The outbox against a real SMTP server on loopback: once, in order, and retried."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction

from handraise.core import outbox
from handraise.core.clock import now
from handraise.core.models import OutgoingEmail

# Transactional: the worker closes and reopens connections as in production.
pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def run_worker() -> None:
    call_command("worker", "--batch", verbosity=0)


def queue(key: str = "ack:enquiry:1", to: str = "ann@example.com") -> OutgoingEmail:
    return outbox.queue_email(
        key=key, kind="acknowledgement", to=to, subject="Thanks, Ann", body="We have it."
    )


def test_queued_email_is_delivered_by_the_worker_with_its_message_id(mail_server):
    email = queue()
    run_worker()
    [received] = mail_server.to("ann@example.com")
    assert received["Subject"] == "Thanks, Ann"
    assert received["Message-ID"] == email.message_id
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT and email.sent_at is not None


def test_the_same_key_queued_twice_sends_one_email(mail_server):
    first, second = queue(), queue()
    run_worker()
    run_worker()
    assert first.pk == second.pk
    assert len(mail_server.to("ann@example.com")) == 1


def test_a_rolled_back_write_leaves_no_email_behind(mail_server):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue()
        raise RuntimeError("the enquiry could not be saved")
    run_worker()
    assert OutgoingEmail.objects.count() == 0
    assert mail_server.messages == []


def test_a_subject_with_line_breaks_cannot_inject_headers(mail_server):
    outbox.queue_email(
        key="k",
        kind="test",
        to="ann@example.com",
        subject="Hi\r\nBcc: victim@example.com",
        body="x",
    )
    run_worker()
    [received] = mail_server.to("ann@example.com")
    assert received["Bcc"] is None
    assert received["Subject"] == "Hi Bcc: victim@example.com"


def test_smtp_down_keeps_the_email_pending_and_it_goes_once_the_server_is_back(mail_server):
    mail_server.stop()
    email = queue()
    run_worker()
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.PENDING
    assert email.attempts == 1 and "Connection" in email.last_error

    mail_server.start()
    OutgoingEmail.objects.filter(pk=email.pk).update(next_attempt_at=now() - timedelta(minutes=5))
    assert outbox.retry_stalled_emails() == 1
    run_worker()  # the retry task enqueued at the failure finds it already sent
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    assert len(mail_server.to("ann@example.com")) == 1


def test_an_email_abandoned_mid_send_is_sent_again_with_the_same_message_id(mail_server):
    email = queue()
    # What a worker that died after claiming the email leaves behind.
    OutgoingEmail.objects.filter(pk=email.pk).update(
        status=OutgoingEmail.Status.SENDING,
        attempts=1,
        attempt_started_at=now() - outbox.stalled_after() - timedelta(seconds=1),
    )
    assert outbox.retry_stalled_emails() == 1
    [received] = mail_server.to("ann@example.com")
    assert received["Message-ID"] == email.message_id


def test_an_email_being_sent_by_another_worker_is_left_alone(mail_server):
    email = queue()
    OutgoingEmail.objects.filter(pk=email.pk).update(
        status=OutgoingEmail.Status.SENDING, attempts=1, attempt_started_at=now()
    )
    assert outbox.send_email(email_id=email.pk) == "busy"
    assert mail_server.messages == []


def test_after_the_last_attempt_the_email_is_marked_failed(mail_server):
    mail_server.stop()
    email = queue()
    OutgoingEmail.objects.filter(pk=email.pk).update(attempts=outbox.max_attempts() - 1)
    assert outbox.send_email(email_id=email.pk) == OutgoingEmail.Status.FAILED
    mail_server.start()
    assert outbox.retry_stalled_emails() == 0
    assert mail_server.messages == []


def test_a_failed_send_waits_as_long_as_the_retry_setting_says(mail_server, settings):
    settings.EMAIL_RETRY_AFTER = (7, 11)
    mail_server.stop()
    email = queue()
    outbox.send_email(email_id=email.pk)
    email.refresh_from_db()
    assert email.next_attempt_at - email.attempt_started_at >= timedelta(seconds=7)
    assert email.next_attempt_at - email.attempt_started_at < timedelta(seconds=11)
    OutgoingEmail.objects.filter(pk=email.pk).update(attempts=2)
    assert outbox.send_email(email_id=email.pk) == OutgoingEmail.Status.FAILED  # third, last
