"""The attribution page: who sees it, what it shows, and that no choice breaks it."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse

from handraise.core.clock import now
from handraise.marketing.models import Asset, Channel, Touchpoint
from handraise.sales.models import Deal
from handraise.testing.factories import make_closed_deal, make_contact, make_enquiry

URL = reverse("marketing-attribution")
NAUGHTY = json.loads(
    (Path(__file__).resolve().parents[3] / "tests" / "data" / "blns.json").read_text()
)


def touch(contact, *, days_ago, asset=None, channel=Channel.EMAIL, campaign=""):
    Touchpoint.objects.create(
        contact=contact,
        asset=asset,
        channel=channel,
        utm_campaign=campaign,
        occurred_at=now() - timedelta(days=days_ago),
    )


@pytest.fixture
def history(db):
    """Five assets; per deal one touchpoint, so every model agrees on the order:
    the guide (£5,000), the study (£3,000), the webinar (£2,000), the post (£500);
    the newsletter brought an enquiry only. A referral is won without touchpoints."""
    titles = ["Pricing guide", "Mill case study", "June webinar", "A post", "Newsletter <b>"]
    assets = [Asset.objects.create(kind=Asset.Kind.ARTICLE, title=title) for title in titles]
    for asset, value in zip(assets[:4], ["5000", "3000", "2000", "500"], strict=True):
        person = make_contact(f"Buyer of {asset.title}")
        enquiry = make_enquiry(person.name, contact=person, received_at=now() - timedelta(days=20))
        touch(person, days_ago=25, asset=asset, campaign="spring")
        make_closed_deal(asset.title, contact=person, enquiry=enquiry, value=value, days_ago=3)
    reader = make_contact("Reader")
    make_enquiry("Reader", contact=reader, received_at=now() - timedelta(days=10))
    touch(reader, days_ago=12, asset=assets[4], channel=Channel.SOCIAL)
    make_closed_deal(
        "Referred",
        contact=make_contact("Friend"),
        value="750",
        origin=Deal.Origin.REFERRAL,
        days_ago=4,
    )
    return assets


def test_owner_sees_the_top_three_assets_of_each_model(owner_client, history):
    response = owner_client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Which three assets brought the most revenue, by each model" in page
    table = page.split('id="top-assets-table"')[1].split("</table>")[0]
    # Five models, each with the guide 1st, the study 2nd and the webinar 3rd.
    assert table.count('<span class="top-place">1st</span>') == 5
    assert table.count('<span class="top-place">3rd</span>') == 5
    assert "A post" not in table
    assert (
        table.index("Pricing guide") < table.index("Mill case study") < table.index("June webinar")
    )
    assert "£5,000" in table
    assert "<svg" in page and "1st: Pricing guide, £5,000" in page


def test_unattributed_revenue_channels_and_enquiries_are_shown(owner_client, history):
    page = owner_client.get(URL).content.decode()
    unattributed = page.split('id="unattributed"')[1].split("</table>")[0]
    assert "Referral" in unattributed and "£750" in unattributed
    enquiries = page.split('id="channel-enquiries"')[1].split("</table>")[0]
    assert "Social" in enquiries
    assert "Newsletter &lt;b&gt;" in page  # a title is text, never markup
    assert "Newsletter <b>" not in page
    assert "spring" in page.split('id="campaign-revenue"')[1]


def test_teammate_sees_the_page_too(teammate_client, history):
    assert teammate_client.get(URL).status_code == 200


def test_outsider_is_sent_to_sign_in_and_sees_nothing(outsider_client, history):
    response = outsider_client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert b"Pricing guide" not in response.content


def test_the_page_takes_a_bounded_number_of_queries(
    owner_client, history, django_assert_max_num_queries
):
    owner_client.get(URL)  # warm the session and settings
    with django_assert_max_num_queries(10):
        response = owner_client.get(URL, {"period": 365, "window": 30})
    assert response.status_code == 200
    more = [Asset.objects.create(kind=Asset.Kind.PAGE, title=f"Page {n}") for n in range(30)]
    for asset in more:
        person = make_contact(f"Reader of {asset.title}")
        make_enquiry(person.name, contact=person, received_at=now() - timedelta(days=5))
        touch(person, days_ago=6, asset=asset)
    with django_assert_max_num_queries(10):
        response = owner_client.get(URL, {"page": 2})
    assert "Page 2 of 2" in response.content.decode()


def test_choices_change_the_period_and_the_window(owner_client, history):
    page = owner_client.get(URL, {"period": 30, "window": 7}).content.decode()
    assert "(30 days)" in page
    assert "up to 7 days before each hand-raise count" in page
    assert '<option value="7" selected>' in page
    assert '<option value="30" selected>Last 30 days' in page
    # Every deal's touchpoint is 5 days before its enquiry: a 7-day window keeps them.
    assert "Pricing guide" in page


def test_the_form_shows_the_configured_window_when_only_the_period_is_chosen(
    owner_client, history, settings
):
    settings.ATTRIBUTION_WINDOW_DAYS = 45
    page = owner_client.get(URL, {"period": 365}).content.decode()
    assert '<option value="45" selected>45 days before the hand-raise' in page
    assert "up to 45 days before each hand-raise count" in page


def test_an_empty_period_says_so(owner_client, db):
    page = owner_client.get(URL).content.decode()
    assert "Nothing to attribute in this period" in page


def test_unknown_choices_fall_back_to_the_defaults_with_a_message(owner_client, history):
    response = owner_client.get(URL, {"period": "7", "window": "abc"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "That choice was not understood" in page
    assert "(90 days)" in page


def test_naughty_strings_in_every_choice_never_break_the_page(owner_client, history):
    for text in NAUGHTY:
        response = owner_client.get(URL, {"period": text, "window": text, "page": text})
        assert response.status_code == 200, text
