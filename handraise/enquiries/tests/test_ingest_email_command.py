"""``handraise ingest-email FILE...`` as a user runs it: one line per message, an honest exit."""

import io
import sys
from email.message import EmailMessage

import pytest
from django.core.management import call_command

from handraise import cli
from handraise.contacts.models import Contact, ContactEmail
from handraise.enquiries.models import Enquiry, InboundEmail
from handraise.testing.factories import make_enquiry

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def eml(sender: str, message_id: str, body: str = "Can you help with our payroll?") -> bytes:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = "hello@business.example"
    mail["Subject"] = "Payroll help"
    mail["Message-ID"] = message_id
    mail.set_content(body)
    return bytes(mail)


# The real console entry point: it closes the database connection when it ends.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_good_and_one_garbage_file_the_good_one_is_handled_and_exit_is_1(tmp_path, capsys):
    good = tmp_path / "good.eml"
    good.write_bytes(eml("Ann Lee <ann@lee.example>", "<good@lee.example>"))
    garbage = tmp_path / "garbage.eml"
    garbage.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00 not an email at all")

    with pytest.raises(SystemExit) as exit_status:
        cli.main(["ingest-email", str(garbage), str(good)])

    assert exit_status.value.code == 1
    out, err = capsys.readouterr()
    assert f"{garbage}: quarantined: the message has no headers" in out
    assert f"{good}: new enquiry" in out
    assert "1 of 2 messages need attention" in err
    assert Enquiry.objects.get().from_email == "ann@lee.example"
    assert InboundEmail.objects.count() == 2


def test_a_maildir_folder_is_ingested_and_a_clean_run_exits_0(tmp_path, capsys):
    new = tmp_path / "Maildir" / "new"
    new.mkdir(parents=True)
    for i in range(3):
        (new / f"17000000{i}.M1P1.host").write_bytes(
            eml(f"Person {i} <person{i}@example.com>", f"<m{i}@example.com>")
        )

    call_command("ingest_email", str(new))  # no SystemExit: exit status 0

    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all(": new enquiry " in line for line in lines)
    assert Enquiry.objects.filter(channel=Enquiry.Channel.EMAIL).count() == 3

    call_command("ingest_email", str(new))  # the same folder again: nothing new
    again = capsys.readouterr().out.splitlines()
    assert all(": duplicate of email " in line for line in again)
    assert Enquiry.objects.count() == 3


def test_dash_reads_one_message_from_standard_input(monkeypatch, capsys):
    stdin = io.TextIOWrapper(io.BytesIO(eml("ben@hall.example", "<stdin@hall.example>")))
    monkeypatch.setattr(sys, "stdin", stdin)

    call_command("ingest_email", "-")

    assert capsys.readouterr().out.startswith("stdin: new enquiry ")
    assert Enquiry.objects.get().from_email == "ben@hall.example"


def test_a_missing_file_is_reported_and_the_others_still_run(tmp_path, capsys):
    good = tmp_path / "good.eml"
    good.write_bytes(eml("ann@lee.example", "<good@lee.example>"))

    with pytest.raises(SystemExit) as exit_status:
        call_command("ingest_email", str(tmp_path / "missing.eml"), str(good))

    assert exit_status.value.code == 1
    out = capsys.readouterr().out
    assert "missing.eml: unreadable: No such file or directory" in out
    assert Enquiry.objects.count() == 1


def test_an_oversized_file_is_quarantined_without_being_read_whole(tmp_path, settings, capsys):
    settings.INBOUND_EMAIL_MAX_BYTES = 10_000
    big = tmp_path / "big.eml"
    big.write_bytes(eml("ann@lee.example", "<big@lee.example>", body="x" * 50_000))

    with pytest.raises(SystemExit):
        call_command("ingest_email", str(big))

    assert "quarantined: larger than 10000 bytes" in capsys.readouterr().out
    inbound = InboundEmail.objects.get()
    assert inbound.raw_size == big.stat().st_size and len(bytes(inbound.raw)) <= 64 * 1024


def test_no_escape_sequence_from_a_stranger_reaches_the_terminal(tmp_path, capsys):
    contact = Contact.objects.create(name="Eve\x1b[2J\x1b]0;owned\x07")
    ContactEmail.objects.create(contact=contact, email="eve@example.com")
    make_enquiry("Eve", contact=contact, from_email="eve@example.com")
    reply = tmp_path / "reply.eml"
    reply.write_bytes(eml("eve@example.com", "<eve@example.com>", body="More detail."))

    call_command("ingest_email", str(reply))

    out = capsys.readouterr().out
    assert "reply from eve@example.com on contact Eve" in out
    assert "\x1b" not in out and "\x07" not in out
