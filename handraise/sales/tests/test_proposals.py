"""Proposals: sending one from the deal page, what it does to the deal, and its document."""

import io
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from handraise.accounts.models import BusinessSettings
from handraise.core.clock import now
from handraise.sales import services
from handraise.sales.models import Activity, Proposal
from handraise.sales.tests.reading import text
from handraise.sales.tests.test_deal_page import DEAL_PAGE_QUERY_BUDGET
from handraise.testing.factories import make_closed_deal, make_deal, today

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def zipped(*entries: tuple[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries:
            archive.writestr(name, content, compress_type=zipfile.ZIP_STORED)
    return buffer.getvalue()


DOCX = zipped(("[Content_Types].xml", "<Types/>"), ("word/document.xml", "<w:document/>"))
ODT = zipped(("mimetype", "application/vnd.oasis.opendocument.text"), ("content.xml", "<x/>"))


def proposal_post(**fields) -> dict:
    local = now().astimezone(BusinessSettings.load().zone)
    return {
        "amount": "6000",
        "currency": "GBP",
        "sent_at": local.strftime("%Y-%m-%dT%H:%M"),
        "link": "",
        "note": "Three options, middle one recommended",
        "next_step": "Call to walk through it",
        "next_step_due": (today() + timedelta(days=2)).isoformat(),
        **fields,
    }


def upload(name: str = "Quote for Acme.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def send(deal, user=None, **fields):
    values = {
        "deal": deal,
        "user": user,
        "amount": Decimal("6000"),
        "currency": "GBP",
        "sent_at": now(),
        "next_step": "Call to walk through it",
        "next_step_due": today() + timedelta(days=2),
        "link": "https://docs.example.com/quote",
        **fields,
    }
    return services.send_proposal(**values)


# --- what sending one does --------------------------------------------------------------


def test_sending_a_proposal_moves_the_deal_to_proposal_with_its_value_and_next_step(teammate):
    deal = make_deal(stage_name="Conversation", value="0")
    proposal = send(deal, teammate)
    deal.refresh_from_db()
    assert deal.stage.name == "Proposal" and deal.value == Decimal("6000")
    assert (deal.next_step, deal.next_step_due) == (
        "Call to walk through it",
        today() + timedelta(days=2),
    )
    assert proposal.activity.kind == Activity.Kind.PROPOSAL
    assert proposal.activity.subject == "Proposal sent: £6,000"
    assert Activity.objects.filter(
        deal=deal, subject="Moved from Conversation to Proposal"
    ).exists()


def test_a_revised_proposal_never_moves_a_deal_backwards(teammate):
    deal = make_deal(stage_name="Negotiation")
    send(deal, teammate, amount=Decimal("5200"), next_step="Wait for the board")
    deal.refresh_from_db()
    assert deal.stage.name == "Negotiation" and deal.value == Decimal("5200")
    assert deal.next_step == "Wait for the board"
    assert not Activity.objects.filter(deal=deal, subject__startswith="Moved").exists()


def test_a_proposal_needs_a_next_step(teammate):
    deal = make_deal()
    with pytest.raises(services.ValidationError) as error:
        send(deal, teammate, next_step="", next_step_due=None)
    assert "next_step" in error.value.message_dict
    assert not Proposal.objects.exists()


def test_the_same_proposal_submitted_twice_is_one(teammate):
    deal = make_deal()
    moment = now()
    first, second = send(deal, teammate, sent_at=moment), send(deal, teammate, sent_at=moment)
    assert first == second and Proposal.objects.count() == 1


def test_a_closed_deal_takes_no_proposal(teammate):
    deal = make_closed_deal()
    with pytest.raises(services.InvalidMove):
        send(deal, teammate)


# --- the deal page's form ---------------------------------------------------------------


def test_a_proposal_sent_from_the_deal_page_shows_in_its_timeline(teammate_client, media):
    deal = make_deal(stage_name="Conversation")
    response = teammate_client.post(
        f"/deals/{deal.pk}/proposals/", proposal_post(document=upload())
    )
    assert response.status_code == 302
    proposal = Proposal.objects.get(deal=deal)
    assert proposal.document_name == "Quote for Acme.pdf"
    assert proposal.document_type == "application/pdf"
    stored = media / proposal.document.name
    assert stored.read_bytes() == PDF and stored.suffix == ".pdf"
    assert "Acme" not in proposal.document.name  # stored under a name of its own
    page = text(teammate_client.get(f"/deals/{deal.pk}/"))
    assert "Proposal recorded." in page
    assert "Proposal (from us): Proposal sent: £6,000" in page
    assert "Download Quote for Acme.pdf" in page
    assert "Three options, middle one recommended" in page
    assert "Proposal ·" in page  # the deal's stage now


def test_a_proposal_with_a_link_links_to_it(teammate_client):
    deal = make_deal()
    teammate_client.post(
        f"/deals/{deal.pk}/proposals/", proposal_post(link="https://docs.example.com/q?a=1&b=2")
    )
    body = teammate_client.get(f"/deals/{deal.pk}/").content.decode()
    assert (
        '<a href="https://docs.example.com/q?a=1&amp;b=2" rel="noopener noreferrer nofollow">'
        in (body)
    )


@pytest.mark.parametrize(
    ("name", "content"), [("proposal.docx", DOCX), ("proposal.odt", ODT), ("noext", PDF)]
)
def test_word_and_opendocument_files_are_accepted_by_their_content(teammate_client, name, content):
    deal = make_deal()
    response = teammate_client.post(
        f"/deals/{deal.pk}/proposals/", proposal_post(document=upload(name, content))
    )
    assert response.status_code == 302
    assert Proposal.objects.get(deal=deal).document.name.endswith(
        {"proposal.docx": ".docx", "proposal.odt": ".odt", "noext": ".pdf"}[name]
    )


def test_an_oversized_document_is_refused_with_the_limit(teammate_client, settings):
    settings.PROPOSAL_MAX_BYTES = 1024
    deal = make_deal()
    big = (PDF + b"0" * 4096)[:4096]
    response = teammate_client.post(
        f"/deals/{deal.pk}/proposals/", proposal_post(document=upload(content=big))
    )
    assert response.status_code == 422
    assert "That file is 4.0 KB; the largest accepted is 1.0 KB." in text(response)
    assert "choose the document again" in text(response)
    assert not Proposal.objects.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("proposal.pdf", b"<html><script>alert(1)</script></html>"),
        ("proposal.docx", zipped(("a.txt", "not a document"))),
        ("proposal.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00"),
        ("proposal.pdf", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
    ],
)
def test_a_file_that_is_not_a_document_is_refused_whatever_its_name(teammate_client, name, content):
    deal = make_deal()
    response = teammate_client.post(
        f"/deals/{deal.pk}/proposals/", proposal_post(document=upload(name, content))
    )
    assert response.status_code == 422
    assert "Attach a PDF, Word (.docx) or OpenDocument (.odt) file" in text(response)
    assert not Proposal.objects.exists()


def test_an_empty_file_is_refused(teammate_client):
    deal = make_deal()
    response = teammate_client.post(
        f"/deals/{deal.pk}/proposals/", proposal_post(document=upload(content=b""))
    )
    assert response.status_code == 422 and not Proposal.objects.exists()


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "ftp://files.example.com/q.pdf", "not a link", "https://"]
)
def test_a_link_that_is_not_http_or_https_is_refused(teammate_client, link):
    deal = make_deal()
    response = teammate_client.post(f"/deals/{deal.pk}/proposals/", proposal_post(link=link))
    assert response.status_code == 422
    assert "Give a link that starts with https:// or http://." in text(response)
    assert not Proposal.objects.exists()


def test_a_proposal_needs_a_link_or_a_document(teammate_client):
    deal = make_deal()
    response = teammate_client.post(f"/deals/{deal.pk}/proposals/", proposal_post())
    assert response.status_code == 422
    assert "Give a link to the proposal or attach the document." in text(response)


@pytest.mark.parametrize(
    "fields",
    [
        {"amount": "-5"},
        {"amount": "lots"},
        {"amount": "9" * 40},
        {"currency": "pounds"},
        {"sent_at": "yesterday"},
        {"next_step": ""},
        {"next_step_due": "2001-01-01"},
    ],
)
def test_nonsense_in_the_proposal_form_is_answered_422(teammate_client, fields):
    deal = make_deal()
    response = teammate_client.post(
        f"/deals/{deal.pk}/proposals/", proposal_post(link="https://x.example/q", **fields)
    )
    assert response.status_code == 422 and not Proposal.objects.exists()


def test_a_proposal_dated_in_the_future_is_refused(teammate_client):
    deal = make_deal()
    later = (now() + timedelta(days=2)).astimezone(BusinessSettings.load().zone)
    response = teammate_client.post(
        f"/deals/{deal.pk}/proposals/",
        proposal_post(link="https://x.example/q", sent_at=later.strftime("%Y-%m-%dT%H:%M")),
    )
    assert response.status_code == 422
    assert "Record a proposal once it is sent" in text(response)


def test_a_closed_deals_page_offers_no_proposal_form_and_refuses_one(teammate_client):
    deal = make_closed_deal("Signed")
    assert "Send a proposal" not in text(teammate_client.get(f"/deals/{deal.pk}/"))
    response = teammate_client.post(
        f"/deals/{deal.pk}/proposals/", proposal_post(link="https://x.example/q")
    )
    assert response.status_code == 422 and "cannot be reopened" in text(response)


def test_the_deal_page_costs_the_same_with_many_proposals(
    teammate_client, teammate, django_assert_max_num_queries
):
    deal = make_deal()
    for n in range(12):
        send(deal, teammate, amount=Decimal(1000 + n), sent_at=now() - timedelta(hours=n))
    with django_assert_max_num_queries(DEAL_PAGE_QUERY_BUDGET):
        response = teammate_client.get(f"/deals/{deal.pk}/")
    assert text(response).count("Proposal sent: £") == 12


# --- the document -----------------------------------------------------------------------


def document_url(proposal) -> str:
    return f"/deals/{proposal.deal_id}/proposals/{proposal.pk}/document/"


def test_the_document_downloads_as_an_attachment_for_a_signed_in_user(teammate):
    deal = make_deal()
    proposal = send(deal, teammate, document=upload("Quote for Acme.pdf"), link="")

    client = Client()
    client.force_login(teammate)
    response = client.get(document_url(proposal))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="Quote for Acme.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF


def test_the_document_needs_a_sign_in(outsider_client, teammate):
    proposal = send(make_deal(), teammate, document=upload(), link="")
    response = outsider_client.get(document_url(proposal))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_hostile_file_name_is_shown_escaped_and_downloads_under_a_safe_name(
    teammate_client, teammate
):
    deal = make_deal()
    name = '<img src=x onerror=alert(1)>"\r\nSet-Cookie: x=1;.pdf'
    proposal = send(deal, teammate, document=upload(name), link="")
    body = teammate_client.get(f"/deals/{deal.pk}/").content.decode()
    assert "<img src=x" not in body and "&lt;img src=x onerror=alert(1)&gt;" in body
    response = teammate_client.get(document_url(proposal))
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert "\n" not in disposition and "\r" not in disposition
    assert disposition.startswith("attachment;") and disposition.endswith('.pdf"')


def test_a_document_of_another_deal_or_none_at_all_is_not_found(teammate_client, teammate):
    with_document = send(make_deal("One"), teammate, document=upload(), link="")
    link_only = send(make_deal("Two"), teammate)
    other = make_deal("Three")
    assert teammate_client.get(document_url(link_only)).status_code == 404
    wrong_deal = f"/deals/{other.pk}/proposals/{with_document.pk}/document/"
    assert teammate_client.get(wrong_deal).status_code == 404


def test_a_document_gone_from_the_disk_is_not_found(teammate_client, teammate, media):
    proposal = send(make_deal(), teammate, document=upload(), link="")
    (media / proposal.document.name).unlink()
    assert teammate_client.get(document_url(proposal)).status_code == 404
