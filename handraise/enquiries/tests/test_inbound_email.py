"""Inbound email: replies stop cadences, strangers become enquiries, the rest is set aside."""

import base64
import email
import email.policy
import json
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils.html import escape

from handraise.contacts.models import Contact, ContactEmail
from handraise.core import outbox
from handraise.core.clock import now
from handraise.core.models import OutgoingEmail
from handraise.core.text import clean_text
from handraise.enquiries import answering, email_ingest, inbound_mail
from handraise.enquiries.models import Enquiry, InboundEmail
from handraise.enquiries.views import PAGE_SIZE
from handraise.sales.models import Activity, CadenceEnrolment
from handraise.testing.factories import make_deal, make_enrolment
from tests.conftest import handraise_env  # noqa: F401  (the CLI on a database of its own)
from tests.processes import run_handraise

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

BLNS = Path(__file__).resolve().parents[3] / "tests" / "data" / "blns.json"

REPLY_WITH_HISTORY = """\
Yes, Tuesday at 10 works for us. Could you bring the draft plan?

On Mon, 3 Nov 2026 at 10:00, Handraise <handraise@example.com> wrote:
> Thanks for getting in touch, Ann.
> We will send the proposal by Friday.
"""


def message(
    *,
    sender: str = "Ann Lee <ann@lee.example>",
    subject: str = "Help with our month-end close",
    body: str = "Could you review our month-end close? We are a team of twelve.",
    message_id: str | None = "<first@lee.example>",
    html: str = "",
    **headers: str,
) -> bytes:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = "hello@business.example"
    mail["Subject"] = subject
    if message_id:
        mail["Message-ID"] = message_id
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    if html:
        mail.set_content(html, subtype="html")
    else:
        mail.set_content(body)
    return bytes(mail)


def ingest(raw: bytes) -> email_ingest.Ingested:
    return email_ingest.ingest_email(raw=raw, source="test")


@pytest.fixture
def ann() -> Contact:
    contact = Contact.objects.create(name="Ann Lee")
    ContactEmail.objects.create(contact=contact, email="ann@lee.example", is_primary=True)
    return contact


def cadence_email(contact_email: str) -> OutgoingEmail:
    return outbox.queue_email(
        key="cadence:test:1",
        kind="cadence",
        to=contact_email,
        subject="Checking in on the proposal",
        body="Any thoughts on the proposal?",
    )


# --- replies -----------------------------------------------------------------------------


def test_reply_to_a_cadence_email_is_an_inbound_activity_and_stops_the_cadences(ann):
    deal = make_deal("Month-end review", contact=ann, stage_name="Proposal")
    other_deal = make_deal("Training", contact=ann)
    first = make_enrolment(deal, runs_in=timedelta(days=2))
    second = make_enrolment(other_deal, runs_in=timedelta(days=5))
    sent = cadence_email("ann@lee.example")
    Activity.objects.create(
        kind=Activity.Kind.EMAIL,
        direction=Activity.Direction.OUTBOUND,
        contact=ann,
        deal=deal,
        outgoing_email=sent,
        subject=sent.subject,
        occurred_at=sent.created_at,
    )

    # From a personal address we do not know: the In-Reply-To header is what matches.
    result = ingest(
        message(
            sender="Ann <ann.lee@home.example>",
            subject="Re: Checking in on the proposal",
            body=REPLY_WITH_HISTORY,
            message_id="<reply-1@home.example>",
            In_Reply_To=sent.message_id,
        )
    )

    assert result.outcome == InboundEmail.Status.REPLY
    assert "2 cadences stopped" in str(result)
    activity = Activity.objects.get(direction=Activity.Direction.INBOUND)
    assert activity.kind == Activity.Kind.EMAIL and activity.deal == deal
    assert activity.body.startswith("Yes, Tuesday at 10 works for us.")
    assert "proposal by Friday" not in activity.body  # the quoted history is gone
    deal.refresh_from_db()
    assert deal.last_activity_at == activity.occurred_at
    for enrolment in (first, second):
        enrolment.refresh_from_db()
        assert enrolment.status == CadenceEnrolment.Status.STOPPED
        assert enrolment.next_run_at is None
        assert enrolment.stop_reason == "The prospect replied by email."
    assert not Enquiry.objects.exists()


def test_reply_to_the_acknowledgement_shows_on_the_enquiry_page(owner_client):
    ingest(message())
    enquiry = Enquiry.objects.get()
    ack = OutgoingEmail.objects.get(kind="acknowledgement")

    result = ingest(
        message(
            subject="Re: Thanks for getting in touch, Ann",
            body="We also need help with payroll.\n\n> Thanks for getting in touch, Ann\n> ...",
            message_id="<second@lee.example>",
            In_Reply_To=ack.message_id,
            References=f"<first@lee.example> {ack.message_id}",
        )
    )

    assert result.outcome == InboundEmail.Status.REPLY
    assert Enquiry.objects.count() == 1  # a reply, not a second hand-raise
    page = owner_client.get(f"/inbox/{enquiry.pk}/").content.decode()
    assert "We also need help with payroll." in page
    assert "&gt; Thanks for getting in touch" not in page


def test_reply_matched_by_the_sender_of_a_contact_with_an_open_deal(ann, owner_client):
    deal = make_deal("Month-end review", contact=ann)
    enrolment = make_enrolment(deal, runs_in=timedelta(days=2))

    result = ingest(
        message(
            sender="ANN@Lee.Example",
            subject="Quick question",
            body="Does the review include the audit trail?",
        )
    )

    assert result.outcome == InboundEmail.Status.REPLY
    assert "Month-end review" in str(result)
    enrolment.refresh_from_db()
    assert enrolment.status == CadenceEnrolment.Status.STOPPED
    page = owner_client.get(f"/deals/{deal.pk}/").content.decode()
    assert "Does the review include the audit trail?" in page


def test_outlook_style_history_is_stripped_from_a_reply(ann):
    make_deal("Month-end review", contact=ann)
    body = (
        "Sounds good, send it over.\r\n\r\n"
        "From: Olive <owner@example.com>\r\nSent: Monday, 3 November 2026 10:00\r\n"
        "To: Ann Lee <ann@lee.example>\r\nSubject: Proposal\r\n\r\n"
        "Here is the proposal we discussed.\r\n"
    )
    ingest(message(body=body))
    activity = Activity.objects.get(direction=Activity.Direction.INBOUND)
    assert activity.body == "Sounds good, send it over."


def test_a_reply_padded_with_blank_lines_keeps_only_its_new_text(ann):
    # Runs of blank lines make reply parsers crawl; this must still be handled at once.
    make_deal("Month-end review", contact=ann)
    body = "Agreed, let us start in March." + "\u00a0\n" * 60_000 + REPLY_WITH_HISTORY
    ingest(message(body=body))
    activity = Activity.objects.get(direction=Activity.Direction.INBOUND)
    assert " ".join(activity.body.split()) == (
        "Agreed, let us start in March. "
        "Yes, Tuesday at 10 works for us. Could you bring the draft plan?"
    )


def test_known_contact_with_nothing_open_raises_a_new_hand(ann):
    result = ingest(message(body="We would like you back for the year-end."))
    assert result.outcome == InboundEmail.Status.ENQUIRY
    enquiry = Enquiry.objects.get()
    assert enquiry.contact == ann  # identity resolution found them
    assert enquiry.channel == Enquiry.Channel.EMAIL


# --- new hand-raises ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_email_from_a_stranger_is_an_enquiry_acknowledged_exactly_once(
    owner, owner_client, mail_server
):
    raw = message()
    first = ingest(raw)
    again = ingest(raw)  # the same file ingested twice
    call_command("worker", "--batch", verbosity=0)
    call_command("worker", "--batch", verbosity=0)

    assert first.outcome == InboundEmail.Status.ENQUIRY
    assert again.outcome == "duplicate" and not again.needs_attention
    enquiry = Enquiry.objects.get()
    assert enquiry.channel == Enquiry.Channel.EMAIL and enquiry.status == Enquiry.Status.OPEN
    assert enquiry.message.startswith("Could you review our month-end close?")
    assert enquiry.response_due_at > enquiry.received_at
    [ack] = mail_server.to("ann@lee.example")
    assert ack["Subject"] == "Thanks for getting in touch, Ann"
    assert "month-end close" in ack.get_content()
    # Answered in her own thread: her mail program shows it under her message.
    assert ack["In-Reply-To"] == ack["References"] == "<first@lee.example>"
    [note] = mail_server.to("owner@example.com")
    assert "Ann Lee" in note["Subject"]
    inbox = owner_client.get("/inbox/?channel=email").content.decode()
    assert "Ann Lee" in inbox
    page = owner_client.get(f"/inbox/{enquiry.pk}/").content.decode()
    assert "By email: Help with our month-end close" in page


def test_html_only_email_becomes_text_and_attachment_names_are_kept(owner_client):
    raw = message(
        html="<html><head><style>p {color: red}</style></head><body>"
        "<p>Hello,</p><p>We need <b>help</b> with payroll &amp; pensions.</p>"
        "<script>alert('x')</script></body></html>"
    )
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    mail.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="brief.pdf")

    ingest(bytes(mail))

    enquiry = Enquiry.objects.get()
    assert "We need help with payroll & pensions." in enquiry.message
    assert "alert" not in enquiry.message and "color" not in enquiry.message
    inbound = InboundEmail.objects.get()
    assert inbound.attachments == ["brief.pdf"]
    page = owner_client.get(f"/inbox/{enquiry.pk}/").content.decode()
    assert "attachments not kept: brief.pdf" in page


def test_spammy_email_is_quarantined_and_restored_into_the_inbox(owner_client):
    links = " ".join(f"https://spam{i}.example" for i in range(5))
    result = ingest(message(subject="Rank on the first page", body=f"Cheap SEO {links}"))
    assert result.outcome == InboundEmail.Status.SPAM and result.needs_attention
    assert not Enquiry.objects.exists() and not OutgoingEmail.objects.exists()
    inbound = InboundEmail.objects.get()

    page = owner_client.get("/inbox/quarantine/").content.decode()
    assert "5 links in the message" in page and "Rank on the first page" in page

    response = owner_client.post(f"/inbox/quarantine/email/{inbound.pk}/restore/")
    enquiry = Enquiry.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/inbox/{enquiry.pk}/"
    assert OutgoingEmail.objects.filter(kind="acknowledgement").count() == 1


def test_quarantine_page_lists_emails_in_a_fixed_number_of_queries(
    owner_client, django_assert_max_num_queries
):
    for i in range(30):
        ingest(message(sender="", message_id=f"<broken-{i}@example.com>", subject=f"Broken {i}"))
    with django_assert_max_num_queries(12):
        page = owner_client.get("/inbox/quarantine/")
    assert page.status_code == 200
    assert "Broken 29" in page.content.decode()
    assert page.content.decode().count("the message has no usable From address") == 30


def test_quarantined_emails_page_on_their_own(owner_client):
    for i in range(PAGE_SIZE + 1):
        ingest(message(sender="", message_id=f"<broken-{i}@example.com>", subject=f"Broken {i}"))
    first = owner_client.get("/inbox/quarantine/").content.decode()
    assert 'aria-label="Pages of emails"' in first and 'href="?emails_page=2">Next</a>' in first
    second = owner_client.get("/inbox/quarantine/", {"emails_page": 2}).content.decode()
    assert "Page 2 of 2" in second and second.count("no usable From address") == 1


# --- what stops nothing ------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "auto-replied", "Subject": "Out of office"},
        {"Precedence": "bulk"},
        {"Precedence": "auto_reply"},
        {"X_Autoreply": "yes"},
        {"List_Id": "<news.lee.example>"},
        {"Sender": "ignored", "From": "MAILER-DAEMON@lee.example"},
        {"Subject": "Automatic reply: Checking in on the proposal"},
    ],
    ids=lambda h: ",".join(h),
)
def test_auto_replies_are_recorded_and_stop_nothing(ann, headers):
    deal = make_deal("Month-end review", contact=ann)
    enrolment = make_enrolment(deal, runs_in=timedelta(days=2))
    sent = cadence_email("ann@lee.example")
    fields = {"In_Reply_To": sent.message_id, "sender": headers.pop("From", "ann@lee.example")}
    fields["subject"] = headers.pop("Subject", "Re: Checking in")
    headers.pop("Sender", None)

    result = ingest(message(body="I am away until Monday.", **fields, **headers))

    assert result.outcome == InboundEmail.Status.AUTO_REPLY, str(result)
    assert InboundEmail.objects.get().reason
    enrolment.refresh_from_db()
    assert enrolment.status == CadenceEnrolment.Status.ACTIVE
    assert not Activity.objects.filter(direction=Activity.Direction.INBOUND).exists()
    assert not Enquiry.objects.exists()


def test_a_bounce_report_is_not_an_enquiry():
    raw = (
        b"From: Mail Delivery System <mailer-daemon@mx.example>\r\n"
        b"To: hello@business.example\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        b"Message-ID: <bounce-1@mx.example>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        b"--b\r\nContent-Type: message/delivery-status\r\n\r\nStatus: 5.1.1\r\n--b--\r\n"
    )
    assert ingest(raw).outcome == InboundEmail.Status.AUTO_REPLY
    assert not Enquiry.objects.exists()


def test_mail_from_our_own_users_is_not_a_prospect(owner):
    result = ingest(message(sender="Olive <Owner@Example.com>"))
    assert result.outcome == InboundEmail.Status.IGNORED
    assert "a Handraise user" in str(result)
    assert not Enquiry.objects.exists()


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty"),
        (b"\x00\xff\xfe garbage \x89PNG\r\n\x1a\n" * 20, "not an email"),
        (b"just some text with no headers at all", "not an email"),
        (b"Subject: hello\r\n\r\nNo sender here.\r\n", "no usable From"),
        (b"From: not an address\r\nSubject: hi\r\n\r\nbody\r\n", "no usable From"),
        (b"From: a@@b..example\r\nSubject: hi\r\n\r\nbody\r\n", "no usable From"),
        (b"From: <ann@example..com>\r\nSubject: hi\r\n\r\nbody\r\n", "is not valid"),
        (
            b"From: " + b"a" * 250 + b"@lee.example\r\nSubject: hi\r\n\r\nbody\r\n",
            "over 254 characters",
        ),
        (
            b"From: ann@lee.example\r\nSubject: hi\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: text/plain; charset=x-no-such-charset\r\n\r\n\xe9t\xe9\r\n",
            "character set 'x-no-such-charset' is unknown",
        ),
        (
            b"From: ann@lee.example\r\nMIME-Version: 1.0\r\n"
            b'Content-Type: multipart/mixed; boundary="x"\r\n\r\n' + b"--x\r\n" * 5000,
            "",
        ),
    ],
    ids=["empty", "binary", "no-headers", "no-from", "from-not-address", "from-garbled",
         "from-invalid", "from-too-long", "unknown-charset", "endless-boundaries"],
)  # fmt: skip
def test_malformed_messages_are_stored_and_quarantined_with_a_reason(raw, reason, owner_client):
    result = ingest(raw)
    inbound = InboundEmail.objects.get()
    assert bytes(inbound.raw) == raw  # nothing lost
    if reason:
        assert result.outcome == InboundEmail.Status.QUARANTINED
        assert reason in inbound.reason
        page = owner_client.get("/inbox/quarantine/").content.decode()
        assert escape(inbound.reason) in page
        original = owner_client.get(f"/inbox/quarantine/email/{inbound.pk}/original/")
        assert original["Content-Type"] == "message/rfc822"
        assert original.content == raw
    else:
        assert result.outcome in set(InboundEmail.Status.values)


def test_the_inbox_counts_quarantined_emails_too(owner_client):
    ingest(message(sender=""))
    assert "Quarantine (1)" in owner_client.get("/inbox/").content.decode()


def test_message_without_message_id_is_keyed_by_its_bytes():
    raw = message(message_id=None)
    assert ingest(raw).outcome == InboundEmail.Status.ENQUIRY
    assert ingest(raw).outcome == "duplicate"
    assert InboundEmail.objects.get().message_id.startswith("sha256:")
    assert Enquiry.objects.count() == 1


def test_oversized_message_keeps_its_start_and_is_quarantined(settings, owner_client):
    settings.INBOUND_EMAIL_MAX_BYTES = 100_000
    raw = message(body="A long story.\n" + "x" * 200_000)
    result = ingest(raw)
    assert result.outcome == InboundEmail.Status.QUARANTINED
    inbound = InboundEmail.objects.get()
    assert inbound.raw_size == len(raw) and len(bytes(inbound.raw)) < len(raw)
    assert inbound.from_address == "ann@lee.example"  # still says who sent it
    assert "larger than 100000 bytes" in inbound.reason
    assert not Enquiry.objects.exists()
    assert "ann@lee.example" in owner_client.get("/inbox/quarantine/").content.decode()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_header_injection_in_the_name_and_subject_sends_no_extra_mail(owner, mail_server):
    raw = (
        b"From: =?utf-8?q?Ann=0D=0ABcc=3A_victim=40evil=2Eexample?= <ann@lee.example>\r\n"
        b"To: hello@business.example\r\n"
        b"Subject: =?utf-8?q?Hello=0D=0ABcc=3A_victim=40evil=2Eexample?=\r\n"
        b"Message-ID: <inject@lee.example>\r\n\r\n"
        b"Please call me back.\r\n"
    )
    assert ingest(raw).outcome == InboundEmail.Status.ENQUIRY
    call_command("worker", "--batch", verbosity=0)
    call_command("worker", "--batch", verbosity=0)
    assert mail_server.to("victim@evil.example") == []
    # The acknowledgement and the owner's notification, each to one person, one line each.
    assert sorted(str(m["To"]) for m in mail_server.messages) == [
        "ann@lee.example",
        "owner@example.com",
    ]
    for sent in mail_server.messages:
        assert sent["Bcc"] is None and sent["Cc"] is None and "\n" not in sent["Subject"]
    # Stored as given but on one line, as every intake stores a name (core.text.clean_text).
    assert InboundEmail.objects.get().from_name == "Ann Bcc: victim@evil.example"


def test_naughty_strings_in_subject_body_and_name_are_stored_and_shown_escaped(
    owner_client, settings
):
    strings = json.loads(BLNS.read_text())
    results = []
    for i, naughty in enumerate(strings):
        encoded = base64.b64encode(naughty.encode()).decode()
        raw = (
            f"From: =?utf-8?b?{encoded}?= <naughty{i}@example.com>\r\n"
            f"Subject: =?utf-8?b?{encoded}?=\r\n"
            f"Message-ID: <naughty-{i}@example.com>\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n"
            f"Content-Transfer-Encoding: base64\r\n\r\n{encoded}\r\n"
        ).encode()
        results.append((naughty, ingest(raw)))

    outcomes = {result.outcome for _, result in results}
    assert outcomes <= {InboundEmail.Status.ENQUIRY, InboundEmail.Status.SPAM}, outcomes
    checked = 0
    for naughty, result in results:
        inbound = result.inbound
        if "\x00" not in naughty and "\r" not in naughty and "\n" not in naughty:
            assert inbound.subject == clean_text(naughty)  # as given, cleaned as every intake
        if result.outcome != InboundEmail.Status.ENQUIRY or not naughty.strip():
            continue
        enquiry = inbound.enquiry
        assert enquiry.message == clean_text(naughty, multiline=True).strip()
        if checked < 60 or "<" in naughty:  # every string with markup, and a sample of the rest
            page = owner_client.get(f"/inbox/{enquiry.pk}/").content.decode()
            assert escape(enquiry.from_name) in page
            checked += 1
    assert checked > 60


def test_an_email_whose_handling_died_is_handled_by_the_worker_later(settings):
    def stored_only(raw: bytes, *, minutes_ago: int) -> InboundEmail:
        # What ingest_email leaves when its process dies right after storing the bytes.
        return InboundEmail.objects.create(
            message_id=inbound_mail.message_key(raw),
            raw=raw,
            raw_size=len(raw),
            received_at=now() - timedelta(minutes=minutes_ago),
        )

    settings.SUBMISSION_STALLED_AFTER = 60
    orphan = stored_only(message(), minutes_ago=5)
    recent = stored_only(message(message_id="<second@other.example>"), minutes_ago=0)
    assert email_ingest.retry_unhandled_inbound_emails() == 1
    assert email_ingest.retry_unhandled_inbound_emails() == 0  # handled once, not again
    orphan.refresh_from_db()
    assert orphan.status == InboundEmail.Status.ENQUIRY
    assert Enquiry.objects.get().from_email == "ann@lee.example"
    assert OutgoingEmail.objects.filter(kind="acknowledgement").count() == 1
    # The one stored a moment ago may still be in its own process's hands.
    recent.refresh_from_db()
    assert recent.status == InboundEmail.Status.RECEIVED


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_reply_from_the_inbox_stays_in_the_prospects_thread(owner, mail_server):
    ingest(message(message_id="<question@lee.example>"))
    enquiry = Enquiry.objects.get()
    answering.reply_by_email(
        enquiry=enquiry, user=owner, subject="Re: month-end", body="Happy to.", token="t1"
    )
    call_command("worker", "--batch", verbosity=0)
    [reply] = [m for m in mail_server.to("ann@lee.example") if m["Subject"] == "Re: month-end"]
    assert reply["In-Reply-To"] == reply["References"] == "<question@lee.example>"


def test_an_email_without_a_message_id_gets_an_unthreaded_acknowledgement():
    ingest(message(message_id=None))
    ack = OutgoingEmail.objects.get(kind="acknowledgement")
    assert ack.in_reply_to == ""  # never the digest that stands in for a missing id


@pytest.mark.parametrize("given", ["<q@lee.example>\x0bX-Injected: yes", "<a b@lee.example>"])
def test_a_message_id_with_control_characters_or_spaces_is_never_repeated_in_our_headers(
    given, mail_server
):
    # Written into the raw bytes: a well-behaved library refuses to make such a header.
    ingest(
        message(message_id="<stand-in@lee.example>").replace(
            b"<stand-in@lee.example>", given.encode()
        )
    )
    assert InboundEmail.objects.get().message_id == given  # kept as given, as the key
    ack = OutgoingEmail.objects.get(kind="acknowledgement")
    assert ack.in_reply_to == ""
    outbox.send_email(email_id=ack.pk)
    [sent] = mail_server.to("ann@lee.example")
    assert sent["In-Reply-To"] is None and sent["X-Injected"] is None


# --- hostile headers: parse() reads a bounded part of each, in linear time ----------------


def with_header(name: str, value: bytes, *, sender: bytes = b"Ann Lee <ann@lee.example>") -> bytes:
    head = b"From: " + sender + b"\r\n" if name != "From" else b""
    return head + name.encode() + b": " + value + b"\r\nMessage-ID: <m@lee.example>\r\n\r\nHi\r\n"


def many_ids(count: int, separator: bytes = b"\r\n ") -> bytes:
    return separator.join(b"<id%d@lee.example>" % i for i in range(count))


@pytest.mark.django_db(databases=[])
def test_parse_reads_references_of_100000_ids_keeping_the_first_reply_and_the_latest():
    raw = with_header("In-Reply-To", b"<parent@lee.example>")
    raw = raw.replace(b"\r\n\r\n", b"\r\nReferences: " + many_ids(100_000) + b"\r\n\r\n", 1)
    parsed = inbound_mail.parse(raw)
    assert parsed.problem == ""
    assert parsed.references[0] == "<parent@lee.example>"
    assert parsed.references[1:] == [f"<id{i}@lee.example>" for i in range(99_950, 100_000)]


@pytest.mark.django_db(databases=[])
def test_parse_reads_an_in_reply_to_of_100000_ids_without_repeats():
    parsed = inbound_mail.parse(with_header("In-Reply-To", many_ids(100_000, b" ")))
    assert parsed.references[0] == "<id0@lee.example>"
    assert len(parsed.references) == len(set(parsed.references)) == 51


@pytest.mark.django_db(databases=[])
def test_parse_takes_the_first_of_thousands_of_from_addresses():
    addresses = b",\r\n ".join(b"P%d <p%d@lee.example>" % (i, i) for i in range(5000))
    parsed = inbound_mail.parse(with_header("From", addresses))
    assert (parsed.from_address, parsed.from_name, parsed.problem) == ("p0@lee.example", "P0", "")


@pytest.mark.django_db(databases=[])
def test_parse_quarantines_a_from_of_deeply_nested_comments_instead_of_raising():
    parsed = inbound_mail.parse(with_header("From", b"(" * 5000 + b"x" + b")" * 5000 + b" a@b.c"))
    assert parsed.problem == "the message has no usable From address"


@pytest.mark.django_db(databases=[])
def test_parse_decodes_the_start_of_a_megabyte_subject_of_encoded_words():
    words = b"\r\n ".join([b"=?utf-8?q?hello_w=C3=B6rld?="] * 40_000)
    parsed = inbound_mail.parse(with_header("Subject", words))
    assert parsed.subject.startswith("hello wörld")
    assert 0 < len(parsed.subject) <= inbound_mail.HEADER_READ_MAX


@pytest.mark.django_db(databases=[])
def test_parse_reads_a_message_with_thousands_of_headers():
    raw = with_header("X-Filler", b"v").replace(
        b"\r\n\r\n", b"\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(10_000)) + b"\r\n", 1
    )
    parsed = inbound_mail.parse(raw)
    assert (parsed.sender, parsed.problem, parsed.auto_reason) == ("ann@lee.example", "", "")


@pytest.mark.django_db(databases=[])
def test_parse_cleans_header_and_body_text_as_every_other_intake_does():
    raw = message(sender="Ann\x07 Lee <ann@lee.example>", subject="a\x1fb", body="one\x00\ntwo")
    parsed = inbound_mail.parse(raw)
    assert (parsed.from_name, parsed.subject) == ("Ann\ufffd Lee", "a\ufffdb")
    assert parsed.text.startswith("one\ufffd\ntwo")


@pytest.mark.django_db(databases=[])
def test_ingest_email_handles_100000_references_then_an_ordinary_email(
    handraise_env,  # noqa: F811
    tmp_path,
):
    assert run_handraise(handraise_env, "migrate", "-v0").returncode == 0
    hostile = tmp_path / "hostile.eml"
    hostile.write_bytes(
        message(message_id="<hostile@lee.example>", References="<x@y>").replace(
            b"References: <x@y>", b"References: " + many_ids(100_000)
        )
    )
    ordinary = tmp_path / "ordinary.eml"
    ordinary.write_bytes(
        message(sender="Bo <bo@bo.example>", message_id="<plain@bo.example>", body="Hello there")
    )
    result = run_handraise(handraise_env, "ingest-email", str(hostile), str(ordinary), timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith(f"{hostile}: new enquiry ")
    assert lines[1].startswith(f"{ordinary}: new enquiry ")


def parts(count: int, part: bytes = b"Content-Type: text/plain\r\n\r\nx\r\n") -> bytes:
    """A multipart/mixed message of ``count`` parts in all (itself included)."""
    head = b"From: Ann Lee <ann@lee.example>\r\nSubject: Many\r\n"
    head += b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
    return head + b"".join(b"--b\r\n" + part for _ in range(count - 1)) + b"--b--\r\n"


def nested_parts(depth: int) -> bytes:
    raw = b"From: Ann Lee <ann@lee.example>\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n"
    for level in range(1, depth):
        raw += b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (level - 1, level)
    raw += b"--b%d\r\nContent-Type: text/plain\r\n\r\nHello\r\n" % (depth - 1)
    return raw + b"".join(b"--b%d--\r\n" % level for level in reversed(range(depth)))


@pytest.mark.django_db(databases=[])
def test_parse_reads_a_message_of_the_most_parts_and_quarantines_one_of_more_naming_its_sender():
    attachment = b"Content-Disposition: attachment; filename=a.txt\r\n\r\nx\r\n"
    read = inbound_mail.parse(parts(inbound_mail.PARTS_MAX, attachment))
    assert (read.problem, len(read.attachments)) == ("", inbound_mail.PARTS_MAX - 1)

    refused = inbound_mail.parse(parts(50_000, attachment))
    assert refused.problem == f"the message has more than {inbound_mail.PARTS_MAX} MIME parts"
    assert (refused.from_address, refused.subject) == ("ann@lee.example", "Many")


@pytest.mark.django_db(databases=[])
def test_parse_quarantines_multiparts_nested_a_thousand_deep_naming_their_sender():
    parsed = inbound_mail.parse(nested_parts(1000))
    assert parsed.problem == f"the message has more than {inbound_mail.PARTS_MAX} MIME parts"
    assert parsed.from_address == "ann@lee.example"
    assert inbound_mail.parse(nested_parts(20)).text.strip() == "Hello"  # ordinary nesting


@pytest.mark.django_db(databases=[])
def test_parse_quarantines_a_message_whose_content_headers_are_too_long_in_all():
    params = b"; ".join(b"p%d=v" % i for i in range(250))  # under MIME_HEADER_READ_MAX each
    part = b"Content-Type: text/plain; " + params + b"\r\nContent-Disposition: attachment; "
    part += params + b"\r\n\r\nx\r\n"
    parsed = inbound_mail.parse(parts(60, part))
    assert parsed.problem == (
        f"the message's Content-* headers are over {inbound_mail.MIME_HEADERS_MAX} characters"
    )
    assert parsed.from_address == "ann@lee.example"
