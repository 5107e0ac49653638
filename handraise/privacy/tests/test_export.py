"""Exporting one person's data: the owner's download holds all of theirs and nobody else's."""

import json
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from handraise.accounts.models import BusinessSettings
from handraise.core.clock import now
from handraise.marketing.models import Touchpoint
from handraise.privacy.tests.people import ANN_EMAIL, ANN_VISITOR, BOB_TRACES, make_world
from handraise.testing.factories import log, make_deal

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

# Session, user, business settings, the contact, then one read per kind of record:
# the same however long the person's history is.
EXPORT_QUERY_BUDGET = 32


def download(client, contact) -> dict:
    response = client.get(f"/contacts/{contact.pk}/export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    return json.loads(response.content)


def test_the_export_holds_what_she_typed_sent_read_and_was_sent(owner, owner_client):
    world = make_world(owner)

    document = download(owner_client, world.ann)

    assert document["contact"]["name"] == "Ann Lee"
    assert document["contact"]["emails"] == [{"email": ANN_EMAIL, "primary": True}]
    assert document["contact"]["phones"][0]["number"] == "+442079460123"
    assert document["contact"]["organisation"]["name"] == "Acme Ltd"
    assert document["contact"]["notes"].startswith("ANN-NOTE")
    [enquiry] = [e for e in document["enquiries"] if e["channel"] == "Web form"]
    posted = enquiry["submission"]["fields_as_posted"]
    assert posted["message"].startswith("ANN-FORM") and posted["email"] == " Ann@Acme.example"
    [raw_email] = document["inbound_emails"]
    assert raw_email["raw_encoding"] == "utf-8" and "ANN-EMAIL: the figures" in raw_email["raw"]
    assert document["visitor_ids"] == [ANN_VISITOR]
    urls = [t["url"] for t in document["touchpoints"]]
    assert f"https://biz.example/pricing?email={ANN_EMAIL}" in urls
    assert "https://biz.example/case-studies" in urls  # read after, anonymously, from her browser
    sent = [e for e in document["emails_to_or_about_them"] if e["to"] == ANN_EMAIL]
    assert any(e["body"].startswith("ANN-REPLY") for e in sent)
    assert any(e["kind"] == "acknowledgement" for e in sent)
    [call] = [a for a in document["activities"] if a["kind"] == "Call"]
    assert call["body"].startswith("ANN-CALL") and call["signals"][0]["text"].startswith("ANN-SIG")
    assert {d["title"] for d in document["deals"]} == {
        "Acme Ltd month-end review",
        "Acme Ltd audit prep",
    }
    assert document["spooled_submissions"][0]["payload"]["message"].startswith("ANN-SPOOL")
    [held] = document["submissions_not_in_an_enquiry"]
    assert held["fields_as_posted"]["message"] == "ANN-HELD: hi"
    [proposal] = [p for d in document["deals"] for p in d["proposals"]]
    assert proposal["document_name"] == "Quote for Ann Lee.pdf" and proposal["amount"] == "8000.00"


def test_the_export_holds_nothing_of_another_person(owner, owner_client):
    world = make_world(owner)

    text = owner_client.get(f"/contacts/{world.ann.pk}/export/").content.decode()

    for trace in BOB_TRACES:
        assert trace.lower() not in text.lower()
    # Bob's page view from the browser he shared with Ann is his, not hers.
    assert "BOB-SHARED" not in text


def test_times_are_iso_8601_on_the_business_clock_with_their_offset(owner, owner_client):
    BusinessSettings.objects.filter(pk=BusinessSettings.load().pk).update(time_zone="Asia/Tokyo")
    world = make_world(owner)

    document = download(owner_client, world.ann)

    received = datetime.fromisoformat(document["enquiries"][0]["received_at"])
    assert received.utcoffset() == timedelta(hours=9)
    assert document["time_zone"] == "Asia/Tokyo"
    assert document["exported_at"].endswith("+09:00")


def test_the_download_is_named_by_id_not_by_the_person(owner, owner_client):
    world = make_world(owner)

    response = owner_client.get(f"/contacts/{world.ann.pk}/export/")

    assert f"handraise-person-{world.ann.pk}-" in response["Content-Disposition"]
    assert "ann" not in response["Content-Disposition"].lower()


def test_a_teammate_may_not_export_a_person(owner, teammate_client):
    world = make_world(owner)

    assert teammate_client.get(f"/contacts/{world.ann.pk}/export/").status_code == 403


def test_signed_out_the_export_asks_to_sign_in(owner, outsider_client):
    world = make_world(owner)

    response = outsider_client.get(f"/contacts/{world.ann.pk}/export/")

    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_long_history_costs_no_more_queries(owner, owner_client, django_assert_max_num_queries):
    world = make_world(owner)
    with CaptureQueriesContext(connection) as short_history:
        download(owner_client, world.ann)
    for number in range(15):
        deal = make_deal(f"Deal {number}", contact=world.ann)
        log(deal, f"Call {number}")
        Touchpoint.objects.create(contact=world.ann, url=f"/page/{number}", occurred_at=now())

    with django_assert_max_num_queries(len(short_history)):
        document = download(owner_client, world.ann)

    assert len(document["deals"]) == 17 and len(document["activities"]) >= 17
    assert len(short_history) <= EXPORT_QUERY_BUDGET
