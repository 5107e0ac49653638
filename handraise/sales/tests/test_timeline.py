"""The timeline: one chronological story of a person, on the deal page and the contact page."""

from datetime import timedelta

import pytest

from handraise.core.clock import now
from handraise.insights.models import Signal
from handraise.marketing.models import Asset, Touchpoint
from handraise.sales import selectors
from handraise.sales.models import Activity
from handraise.sales.tests.reading import text
from handraise.testing.factories import log, make_contact, make_deal, make_enquiry

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

# The four sources (touchpoints, enquiries, activities, signals), one query each.
TIMELINE_QUERIES = 6  # the visitor ids, then touchpoints, enquiries, activities, signals, imports


def story(contact, *, deal=None, days_ago: float = 10):
    """Read an article as an anonymous visitor, enquire, get a call, raise an objection."""
    start = now() - timedelta(days=days_ago)
    article = Asset.objects.create(kind="article", title="Closing the books in 3 days")
    Touchpoint.objects.create(
        visitor_id="v-ann", asset=article, utm_campaign="spring-finance", occurred_at=start
    )
    enquiry = make_enquiry(
        "Ann Lee",
        contact=contact,
        visitor_id="v-ann",
        message="Can you help with our month end?",
        received_at=start + timedelta(days=1),
    )
    Activity.objects.create(
        kind=Activity.Kind.CALL,
        direction=Activity.Direction.OUTBOUND,
        contact=contact,
        deal=deal,
        enquiry=enquiry,
        subject="Discovery call",
        occurred_at=start + timedelta(days=2),
    )
    Signal.objects.create(
        kind=Signal.Kind.OBJECTION,
        text="Worried about the cost of switching",
        contact=contact,
        deal=deal,
        captured_at=start + timedelta(days=3),
    )
    return enquiry


def test_the_timeline_runs_from_what_they_read_to_what_they_objected_to():
    contact = make_contact("Ann Lee")
    story(contact)
    entries = selectors.timeline(contact=contact).entries
    assert [entry.kind for entry in entries] == ["touchpoint", "enquiry", "activity", "signal"]
    assert entries[0].item.asset.title == "Closing the books in 3 days"
    assert entries[-1].item.text == "Worried about the cost of switching"


def test_the_deal_page_shows_the_story_in_order(teammate_client):
    contact = make_contact("Ann Lee")
    deal = make_deal(contact=contact)
    story(contact, deal=deal)
    page = text(teammate_client.get(f"/deals/{deal.pk}/"))
    order = [
        "Visited Closing the books in 3 days (Article) via Direct, campaign spring-finance",
        "Raised their hand: Web form enquiry",
        "Can you help with our month end?",
        "Call (from us): Discovery call",
        "Objection: Worried about the cost of switching",
    ]
    positions = [page.index(words) for words in order]
    assert positions == sorted(positions)


def test_a_deal_timeline_leaves_out_the_persons_other_deals():
    contact = make_contact("Ann Lee")
    deal, other = make_deal("This one", contact=contact), make_deal("Other", contact=contact)
    log(deal, "About this deal")
    log(other, "About the other deal")
    Activity.objects.create(
        kind=Activity.Kind.NOTE, contact=contact, subject="About the person", occurred_at=now()
    )
    subjects = [e.item.subject for e in selectors.timeline(contact=contact, deal=deal).entries]
    assert subjects == ["About this deal", "About the person"]
    everything = [e.item.subject for e in selectors.timeline(contact=contact).entries]
    assert len(everything) == 3


def test_touchpoints_of_other_visitors_stay_out():
    contact = make_contact("Ann Lee")
    story(contact)
    Touchpoint.objects.create(visitor_id="v-someone-else", url="/pricing/", occurred_at=now())
    touchpoints = [e for e in selectors.timeline(contact=contact).entries if e.kind == "touchpoint"]
    assert len(touchpoints) == 1


def test_the_timeline_costs_six_queries_whatever_its_length(django_assert_num_queries):
    contact = make_contact("Ann Lee")
    deal = make_deal(contact=contact)
    story(contact, deal=deal)
    for n in range(80):
        log(deal, f"Call {n}", days_ago=n / 10)
    with django_assert_num_queries(TIMELINE_QUERIES):
        page = selectors.timeline(contact=contact, deal=deal, limit=50)
    assert len(page.entries) == 50 and page.earlier
    with django_assert_num_queries(TIMELINE_QUERIES):
        selectors.timeline(contact=contact, deal=deal, limit=50, before=page.earlier)


def test_paging_back_shows_every_entry_once_even_when_many_share_a_moment():
    contact = make_contact("Ann Lee")
    moment = now() - timedelta(hours=1)
    for n in range(7):
        Activity.objects.create(
            kind=Activity.Kind.NOTE, contact=contact, subject=f"Note {n}", occurred_at=moment
        )
        Signal.objects.create(
            kind=Signal.Kind.QUESTION, text=f"Question {n}", contact=contact, captured_at=moment
        )
    seen, before, pages = [], "", 0
    while True:
        page = selectors.timeline(contact=contact, limit=3, before=before)
        seen = [(e.kind, e.item.pk) for e in page.entries] + seen
        pages += 1
        if not page.earlier:
            break
        before = page.earlier
    assert len(seen) == len(set(seen)) == 14
    assert pages == 5
    # Oldest first across pages: at one moment, what we did comes before what they said.
    assert [kind for kind, _ in seen] == ["activity"] * 7 + ["signal"] * 7


def test_the_deal_page_pages_back_through_a_long_timeline(teammate_client):
    deal = make_deal()
    for n in range(selectors.TIMELINE_LIMIT + 5):
        log(deal, f"Call number {n}", days_ago=(100 - n))
    response = teammate_client.get(f"/deals/{deal.pk}/")
    latest = text(response)
    assert "Call number 54 " in latest and "Call number 4 " not in latest
    earlier = selectors.timeline(contact=deal.contact, deal=deal).earlier
    assert f'href="?before={earlier}#timeline"' in response.content.decode()
    older = text(teammate_client.get(f"/deals/{deal.pk}/", {"before": earlier}))
    assert "Call number 4 " in older and "Call number 5 " not in older
    assert "Back to the latest" in older


def test_the_timelines_earlier_link_answers_htmx_with_the_section_alone(teammate_client):
    deal = make_deal()
    for n in range(selectors.TIMELINE_LIMIT + 1):
        log(deal, f"Call number {n}", days_ago=(100 - n))
    earlier = selectors.timeline(contact=deal.contact, deal=deal).earlier
    response = teammate_client.get(
        f"/deals/{deal.pk}/", {"before": earlier}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert 'id="timeline"' in body and "Call number 0" in body


@pytest.mark.parametrize("before", ["garbage", "9" * 40, "-1-1-1", "99999999999999999-2-5", ""])
def test_a_cursor_that_makes_no_sense_shows_the_latest_entries(teammate_client, before):
    deal = make_deal()
    log(deal, "The only call")
    response = teammate_client.get(f"/deals/{deal.pk}/", {"before": before})
    assert response.status_code == 200
    page = text(response)
    assert "The only call" in page or "Nothing recorded yet" in page
