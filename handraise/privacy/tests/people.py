"""Two people with a whole history each, made through the services a real one goes through.

Ann is the person who asks for her data (and then to be forgotten); Bob is
everybody else, whose data must neither leak into Ann's export nor be touched
by her erasure. Every piece of Ann's data carries a marker a test can look for.
"""

import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile

from handraise.contacts.models import Contact, MergeSuggestion
from handraise.core.clock import business_today, now
from handraise.enquiries import answering, email_ingest, spool
from handraise.enquiries.models import Enquiry, Form
from handraise.enquiries.submissions import process_received_submissions, receive_submission
from handraise.marketing.models import Asset, Touchpoint
from handraise.sales.services import send_proposal
from handraise.testing.factories import make_closed_deal, make_deal

ANN_EMAIL = "ann@acme.example"
ANN_VISITOR = "v-7f3a9c"  # her browser (no marker in it: Bob shares it)
# What must be gone after her erasure, wherever it was (compared case-insensitively).
# Her visitor id is not among them: a browser she shared with Bob is his too, and his
# rows keep it (test_erase checks hers and the anonymous ones lost it).
ANN_TRACES = (
    "Ann Lee",
    ANN_EMAIL,
    "79460123",  # her phone, in E.164 (+442079460123) or as typed ("020 7946 0123")
    "7946 0123",
    "ANN-",  # the markers in what she wrote
    "Acme Ltd",
    "linkedin.com/in/ann",
    "ann-subscriber-991",
)
# A PDF that says who it was for, as a proposal does.
PDF = b"%PDF-1.4\n% ANN-PDF: for Ann Lee, Acme Ltd\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
BOB_TRACES = ("Bob Stone", "bob@other.example", "BOB-", "v-bob-browser")


@dataclass(frozen=True)
class World:
    ann: Contact
    bob: Contact
    ann_enquiry: Enquiry
    ann_spool_file: Path
    bob_spool_file: Path


def spooled(name: str, email: str, text: str) -> Path:
    """A submission waiting on disk, as intake leaves it while the database is down."""
    return spool.write(
        {
            "public_id": str(uuid.uuid4()),
            "form": "contact",
            "received_at": now().isoformat(),
            "payload": {"name": name, "email": email, "message": text},
            "idempotency_key": None,
            "remote_addr": None,
            "user_agent": "test",
            "origin": "",
            "quarantine_reason": "",
        }
    )


def submit(**payload: str) -> Enquiry:
    form = Form.objects.get(slug="contact")
    result = receive_submission(form=form, payload=payload, user_agent="Firefox test")
    process_received_submissions()
    return Enquiry.objects.get(submission__public_id=result.public_id)


def make_world(owner) -> World:
    article = Asset.objects.create(kind=Asset.Kind.ARTICLE, title="Closing the books faster")
    # Read before she raised her hand, from her browser, with her address in the link.
    Touchpoint.objects.create(
        visitor_id=ANN_VISITOR,
        asset=article,
        url=f"https://biz.example/pricing?email={ANN_EMAIL}",
        referrer="https://www.linkedin.com/in/ann-lee",
        utm_source="newsletter",
        utm_content="ann-subscriber-991",
        occurred_at=now() - timedelta(days=3),
    )
    ann_enquiry = submit(
        name="Ann Lee",
        email=" Ann@Acme.example",
        phone="020 7946 0123",
        company="Acme Ltd",
        message="ANN-FORM: can you review our month-end close?",
        hr_visitor=ANN_VISITOR,
    )
    ann = ann_enquiry.contact
    Contact.objects.filter(pk=ann.pk).update(
        job_title="Finance director", notes="ANN-NOTE: prefers calls after 4pm"
    )
    # After the hand-raise her browser keeps reading: anonymous, but hers.
    Touchpoint.objects.create(
        visitor_id=ANN_VISITOR,
        asset=article,
        url="https://biz.example/case-studies",
        occurred_at=now() - timedelta(hours=1),
    )
    answering.reply_by_email(
        enquiry=ann_enquiry,
        user=owner,
        subject="Your month-end close",
        body="ANN-REPLY: happy to help, Ann Lee.",
        token="reply-ann-1",
    )
    answering.log_call(
        enquiry=ann_enquiry,
        user=owner,
        notes="ANN-CALL: twelve people in finance",
        signal_kind="question",
        signal_text="ANN-SIGNAL: do you work with charities?",
    )
    mail = EmailMessage()
    mail["From"] = f"Ann Lee <{ANN_EMAIL}>"
    mail["To"] = "hello@business.example"
    mail["Subject"] = "ANN-EMAIL subject"
    mail["Message-ID"] = "<ann-1@acme.example>"
    mail.set_content("ANN-EMAIL: the figures you asked for are attached.")
    email_ingest.ingest_email(raw=bytes(mail), source="test")
    make_closed_deal(
        "Acme Ltd month-end review",
        contact=ann,
        value="12000",
        enquiry=ann_enquiry,
        outcome_note="ANN-OUTCOME: chose us over her accountant",
    )
    audit = make_deal("Acme Ltd audit prep", contact=ann, next_step="ANN-NEXT: call Ann Lee")
    send_proposal(
        deal=audit,
        user=owner,
        amount=Decimal("8000"),
        currency="GBP",
        sent_at=now(),
        next_step="ANN-NEXT: walk Ann Lee through it",
        next_step_due=business_today() + timedelta(days=2),
        document=SimpleUploadedFile("Quote for Ann Lee.pdf", PDF, content_type="application/pdf"),
        note="ANN-PROPOSAL: three options",
    )
    # She wrote again from a mail tool that looked like spam: held back, never an enquiry.
    receive_submission(
        form=Form.objects.get(slug="contact"),
        payload={"name": "Ann Lee", "email": "ANN@acme.example", "message": "ANN-HELD: hi"},
        quarantine_reason="too many links",
    )
    # An owner once corrected her in the admin: its history names her.
    LogEntry.objects.create(
        user=owner,
        content_type=ContentType.objects.get_for_model(Contact),
        object_id=str(ann.pk),
        object_repr="Ann Lee",
        action_flag=CHANGE,
        change_message="Changed name (was Ann Lee).",
    )

    bob_enquiry = submit(
        name="Bob Stone",
        email="bob@other.example",
        message="BOB-FORM: a quote for payroll, please",
        hr_visitor="v-bob-browser",
    )
    bob = bob_enquiry.contact
    # The same browser as Ann (a shared office computer), but linked to Bob: his.
    Touchpoint.objects.create(
        visitor_id=ANN_VISITOR,
        contact=bob,
        url="https://biz.example/BOB-SHARED",
        occurred_at=now() - timedelta(hours=2),
    )
    answering.reply_by_email(
        enquiry=bob_enquiry,
        user=owner,
        subject="Your payroll quote",
        body="BOB-REPLY: here it is, Bob Stone.",
        token="reply-bob-1",
    )
    make_closed_deal("BOB-DEAL payroll", contact=bob, value="3000")
    MergeSuggestion.objects.create(contact=ann, candidate=bob, score=60, reason="test")
    return World(
        ann=ann,
        bob=bob,
        ann_enquiry=ann_enquiry,
        ann_spool_file=spooled("Ann Lee", "ANN@acme.example ", "ANN-SPOOL: still there?"),
        bob_spool_file=spooled("Bob Stone", "bob@other.example", "BOB-SPOOL: hello"),
    )
