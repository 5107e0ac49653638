"""Signals captured while logging a conversation: quick tags and free text, on a deal
and in the Inbox, and where they show up afterwards."""

import pytest

from handraise.insights.models import QuickTag, Signal, Theme
from handraise.sales.models import Activity
from handraise.sales.tests.reading import text
from handraise.sales.tests.test_deal_page import activity_post
from handraise.testing.factories import make_deal, make_enquiry

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def tag(label: str) -> QuickTag:
    return QuickTag.objects.get(label=label)


def test_a_new_business_starts_with_quick_tags_of_every_kind():
    kinds = set(QuickTag.objects.filter(is_active=True).values_list("kind", flat=True))
    assert kinds == set(Signal.Kind.values)
    assert tag("Too expensive").kind == Signal.Kind.OBJECTION


def test_the_deal_pages_log_form_offers_the_quick_tags(teammate_client):
    deal = make_deal()
    QuickTag.objects.filter(label="Came recommended").update(is_active=False)
    page = text(teammate_client.get(f"/deals/{deal.pk}/"))
    assert "What they asked or objected to" in page
    assert "Too expensive (objection)" in page and "What does it cost? (question)" in page
    assert "Came recommended" not in page


def test_a_call_logged_with_tags_and_words_records_signals_on_the_deal(teammate_client, teammate):
    deal = make_deal()
    response = teammate_client.post(
        f"/deals/{deal.pk}/activities/",
        activity_post(
            quick_tags=[tag("Too expensive").pk, tag("How long does it take?").pk],
            signal_kind="competitor",
            signal_text="Also talking to Smith & Co",
        ),
    )
    assert response.status_code == 302
    activity = Activity.objects.get(deal=deal)
    signals = {(s.kind, s.text) for s in Signal.objects.filter(deal=deal, activity=activity)}
    assert signals == {
        ("objection", "Too expensive"),
        ("question", "How long does it take?"),
        ("competitor", "Also talking to Smith & Co"),
    }
    assert set(Signal.objects.values_list("captured_by", flat=True)) == {teammate.pk}
    assert set(Signal.objects.values_list("contact", flat=True)) == {deal.contact_id}
    page = text(teammate_client.get(f"/deals/{deal.pk}/"))
    assert "Objection: Too expensive" in page
    assert "Competitor mention: Also talking to Smith & Co" in page


def test_a_quick_tag_linked_to_a_theme_files_its_signals_there(teammate_client):
    theme = Theme.objects.create(name="Price worries")
    QuickTag.objects.filter(label="Too expensive").update(theme=theme)
    deal = make_deal()
    teammate_client.post(
        f"/deals/{deal.pk}/activities/", activity_post(quick_tags=[tag("Too expensive").pk])
    )
    assert Signal.objects.get(deal=deal).theme == theme


def test_words_without_a_kind_are_answered_422_and_nothing_is_logged(teammate_client):
    deal = make_deal()
    response = teammate_client.post(
        f"/deals/{deal.pk}/activities/", activity_post(signal_text="Asked about VAT")
    )
    assert response.status_code == 422
    assert "Say whether it was a question, an objection, praise or a competitor." in text(response)
    assert 'value="Asked about VAT"' in response.content.decode()  # what they typed is kept
    assert not Activity.objects.filter(deal=deal).exists() and not Signal.objects.exists()


@pytest.mark.parametrize("bad", ["999999", "abc", "9" * 40])
def test_a_quick_tag_that_does_not_exist_is_answered_422(teammate_client, bad):
    deal = make_deal()
    response = teammate_client.post(f"/deals/{deal.pk}/activities/", activity_post(quick_tags=bad))
    assert response.status_code == 422
    assert not Signal.objects.exists()


def test_a_retired_quick_tag_cannot_be_ticked(teammate_client):
    deal = make_deal()
    retired = tag("Too expensive")
    QuickTag.objects.filter(pk=retired.pk).update(is_active=False)
    response = teammate_client.post(
        f"/deals/{deal.pk}/activities/", activity_post(quick_tags=[retired.pk])
    )
    assert response.status_code == 422 and not Signal.objects.exists()


def test_a_double_submitted_call_records_its_signals_once(teammate_client):
    deal = make_deal()
    form = activity_post(quick_tags=[tag("Too expensive").pk])
    teammate_client.post(f"/deals/{deal.pk}/activities/", form)
    teammate_client.post(f"/deals/{deal.pk}/activities/", form)
    assert Signal.objects.filter(deal=deal).count() == 1


def test_a_call_logged_from_the_inbox_records_its_signals(teammate_client):
    enquiry = make_enquiry("Cara Diaz")
    response = teammate_client.post(
        f"/inbox/{enquiry.pk}/call/",
        {
            "notes": "Wants it before year end",
            "quick_tags": [tag("What does it cost?").pk],
            "signal_kind": "praise",
            "signal_text": "Loved the case study on Acme",
        },
    )
    assert response.status_code == 302
    signals = Signal.objects.filter(contact=enquiry.contact, activity__enquiry=enquiry)
    assert {(s.kind, s.text, s.deal_id) for s in signals} == {
        ("question", "What does it cost?", None),
        ("praise", "Loved the case study on Acme", None),
    }
    contact_page = text(teammate_client.get(f"/contacts/{enquiry.contact_id}/"))
    assert "Praise: Loved the case study on Acme" in contact_page


def test_a_meeting_logged_from_the_inbox_of_a_converted_enquiry_files_signals_on_its_deal(
    teammate_client,
):
    enquiry = make_enquiry("Cara Diaz")
    deal = make_deal(contact=enquiry.contact, enquiry=enquiry)
    response = teammate_client.post(
        f"/inbox/{enquiry.pk}/meeting/",
        {
            "when": "2026-01-05T10:00",
            "held": "1",
            "quick_tags": [tag("Not the right time").pk],
        },
    )
    assert response.status_code == 302
    assert Signal.objects.get().deal == deal


def test_inbox_words_without_a_kind_are_answered_422(teammate_client):
    enquiry = make_enquiry("Cara Diaz")
    response = teammate_client.post(
        f"/inbox/{enquiry.pk}/call/", {"notes": "", "signal_text": "Asked about VAT"}
    )
    assert response.status_code == 422
    assert "Say whether it was a question" in text(response)
    assert not Activity.objects.exists() and not Signal.objects.exists()
