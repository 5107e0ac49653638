"""Each contact's original source and the latest source before each hand-raise, on their pages."""

import re
from datetime import timedelta

import pytest

from handraise.core.clock import now
from handraise.enquiries.models import Enquiry
from handraise.marketing.models import Asset, Channel, Touchpoint
from handraise.marketing.sources import contact_sources, original_source
from handraise.testing.factories import make_contact, make_enquiry

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).strip()


def at(days_ago: float):
    return now() - timedelta(days=days_ago)


@pytest.fixture
def person():
    """Two hand-raises: the first after an article and a post, the second after a newsletter."""
    contact = make_contact("Ann Lee")
    article = Asset.objects.create(kind=Asset.Kind.ARTICLE, title="Cutting lead times")
    post = Asset.objects.create(kind=Asset.Kind.SOCIAL_POST, title="Backlog thread")
    newsletter = Asset.objects.create(kind=Asset.Kind.NEWSLETTER, title="March letter")
    touchpoint = Touchpoint.objects.create
    touchpoint(contact=contact, asset=article, channel=Channel.ORGANIC_SEARCH, occurred_at=at(60))
    touchpoint(
        contact=contact,
        asset=post,
        channel=Channel.SOCIAL,
        utm_source="linkedin",
        utm_campaign="spring",
        occurred_at=at(40),
    )
    first = make_enquiry("Ann Lee", contact=contact, received_at=at(39))
    touchpoint(contact=contact, asset=newsletter, channel=Channel.EMAIL, occurred_at=at(3))
    second = make_enquiry("Ann Lee", contact=contact, received_at=at(2))
    return contact, first, second


def test_the_original_source_is_the_earliest_touchpoint(person):
    contact, _first, _second = person
    source = original_source(contact_id=contact.pk)
    assert (source.channel, source.asset_title, source.from_touchpoint) == (
        "Organic search",
        "Cutting lead times",
        True,
    )


def test_with_no_touchpoint_the_original_source_is_the_first_enquiry():
    contact = make_contact("Ben Hall")
    make_enquiry("Ben Hall", contact=contact, received_at=at(10), utm_campaign="later")
    make_enquiry(
        "Ben Hall",
        contact=contact,
        received_at=at(20),
        channel=Enquiry.Channel.PHONE,
        utm_campaign="autumn",
        utm_source="flyer",
    )
    source = original_source(contact_id=contact.pk)
    assert (source.channel, source.utm_text, source.from_touchpoint) == (
        "Phone",
        "autumn (flyer)",
        False,
    )


def test_the_latest_source_before_each_hand_raise(person):
    contact, first, second = person
    sources = contact_sources(contact_id=contact.pk, enquiries=[second, first])
    latest = {enquiry.pk: source for enquiry, source in sources.before}
    assert (latest[first.pk].asset_title, latest[first.pk].utm_text) == (
        "Backlog thread",
        "spring (linkedin)",
    )
    assert latest[second.pk].asset_title == "March letter"


def test_a_touch_outside_the_window_is_not_the_latest_source(settings):
    settings.ATTRIBUTION_WINDOW_DAYS = 7
    contact = make_contact("Cy Dee")
    Touchpoint.objects.create(contact=contact, channel=Channel.SOCIAL, occurred_at=at(30))
    enquiry = make_enquiry("Cy Dee", contact=contact, received_at=at(1), utm_campaign="x")
    [(_, source)] = contact_sources(contact_id=contact.pk, enquiries=[enquiry]).before
    assert (source.from_touchpoint, source.utm_campaign) == (False, "x")


def test_the_contact_page_shows_both_sources(teammate_client, person):
    contact, _first, _second = person
    page = text(teammate_client.get(f"/contacts/{contact.pk}/"))
    assert "Original source Organic search · Cutting lead times (Article)" in page
    assert "Latest source before it: Email · March letter (Newsletter)" in page
    assert (
        "Latest source before it: Social · Backlog thread (Social post) · campaign spring" in page
    )


def test_the_enquiry_page_shows_both_sources(teammate_client, person):
    _contact, first, _second = person
    page = text(teammate_client.get(f"/inbox/{first.pk}/"))
    assert "Original source Organic search · Cutting lead times" in page
    assert "Latest before this enquiry Social · Backlog thread (Social post)" in page


def test_sources_are_shown_escaped(teammate_client):
    contact = make_contact("Di Eve")
    hostile = Asset.objects.create(kind=Asset.Kind.AD, title="<script>alert(1)</script>")
    Touchpoint.objects.create(
        contact=contact, asset=hostile, utm_campaign="<b>x</b>", occurred_at=at(2)
    )
    enquiry = make_enquiry("Di Eve", contact=contact, received_at=at(1))
    for url in (f"/contacts/{contact.pk}/", f"/inbox/{enquiry.pk}/"):
        page = teammate_client.get(url).content.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<b>x</b>" not in page


def test_the_contact_page_query_count_does_not_grow_with_enquiries(
    teammate_client, person, django_assert_max_num_queries
):
    contact, _first, _second = person
    for days in range(3, 30):
        make_enquiry("Ann Lee", contact=contact, received_at=at(days + 0.5))
    with django_assert_max_num_queries(20):
        response = teammate_client.get(f"/contacts/{contact.pk}/")
    assert text(response).count("Latest source before it") == 20  # the page's limit
