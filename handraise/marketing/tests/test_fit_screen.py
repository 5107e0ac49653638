"""The fit screen: which channels, sources, campaigns and assets bring enquiries that fit."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from handraise.core.clock import now
from handraise.enquiries.models import Enquiry
from handraise.marketing.fit_sources import fit_sources
from handraise.marketing.models import Asset, Channel, Touchpoint
from handraise.testing.factories import make_enquiry

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

URL = "/marketing/fit/"
# Session, user, business settings, then one query per grouping and one for asset titles.
FIT_SCREEN_QUERY_BUDGET = 9


def enquiry(name, *, days_ago=5, fit=None, **fields) -> Enquiry:
    at = now() - timedelta(days=days_ago)
    return make_enquiry(
        name,
        email=f"{name.split()[0].lower()}@example.com",
        received_at=at,
        fit_score=fit,
        **fields,
    )


def touch(on: Enquiry, *, days_before, asset=None, channel=Channel.DIRECT) -> Touchpoint:
    return Touchpoint.objects.create(
        contact=on.contact,
        asset=asset,
        channel=channel,
        occurred_at=on.received_at - timedelta(days=days_before),
    )


@pytest.fixture
def history():
    article = Asset.objects.create(kind=Asset.Kind.ARTICLE, title="Cutting lead times")
    old_talk = Asset.objects.create(kind=Asset.Kind.TALK, title="An old talk")
    e1 = enquiry("Ann Lee", fit=80, utm_campaign="spring")
    touch(e1, days_before=6, asset=article, channel=Channel.SOCIAL)
    touch(e1, days_before=5, asset=article, channel=Channel.SOCIAL)  # one enquiry, counted once
    e2 = enquiry("Ben Hall", fit=40, utm_campaign="spring")
    touch(e2, days_before=10, asset=article, channel=Channel.ORGANIC_SEARCH)
    touch(e2, days_before=100, asset=old_talk)  # outside the 90-day window
    touch(e2, days_before=-1, asset=old_talk)  # after the hand-raise
    enquiry("Cy Dee", fit=60, channel=Enquiry.Channel.PHONE)  # the threshold is a fit
    enquiry("Di Eve", fit=None, channel=Enquiry.Channel.EMAIL)  # not scored
    enquiry("Ed Fox", fit=10)
    enquiry("Flo Gee", fit=90, status=Enquiry.Status.SPAM)  # spam is no enquiry
    enquiry("Gus Ho", fit=70, days_ago=200)  # outside 90 days, inside 365
    return {"article": article}


def row(groups, label):
    [group] = [g for g in groups if g.label == label]
    return (group.enquiries, group.scored, group.fitting, group.share, group.median)


def test_figures_per_channel_on_a_constructed_history(history):
    report = fit_sources(days=90)
    assert (report.enquiries, report.fitting, report.share) == (5, 2, 50)
    assert row(report.channels, "Web form") == (3, 3, 1, 33, 40.0)
    assert row(report.channels, "Phone") == (1, 1, 1, 100, 60.0)
    assert row(report.channels, "Email") == (1, 0, 0, None, None)
    assert [g.label for g in report.channels] == ["Web form", "Email", "Phone"]


def test_figures_per_source_campaign_and_asset(history):
    report = fit_sources(days=90)
    assert row(report.sources, "Social") == (1, 1, 1, 100, 80.0)
    assert row(report.sources, "Organic search") == (1, 1, 0, 0, 40.0)
    assert row(report.sources, "No touch recorded") == (3, 2, 1, 50, 35.0)
    assert row(report.campaigns, "spring") == (2, 2, 1, 50, 60.0)
    assert row(report.campaigns, "No campaign") == (3, 2, 1, 50, 35.0)
    assert [(g.label, g.kind) for g in report.assets] == [("Cutting lead times", "Article")]
    assert row(report.assets, "Cutting lead times") == (2, 2, 1, 50, 60.0)


def test_a_longer_period_takes_older_enquiries_in(history):
    report = fit_sources(days=365)
    assert row(report.channels, "Web form") == (4, 4, 2, 50, 55.0)


def test_the_page_shows_chart_and_table_for_a_teammate(teammate_client, history):
    response = teammate_client.get(URL, {"days": "90"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<svg" in page and "1 of 3 fit" in page
    cells = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "Web form 3 1 33% 40" in cells
    assert "Cutting lead times (Article) 2 1 50% 60" in cells


def test_the_owner_sees_it_too_and_the_url_has_its_name(owner_client, history):
    assert reverse("marketing-fit") == URL
    assert owner_client.get(URL).status_code == 200


def test_an_outsider_sees_nothing(outsider_client, history):
    response = outsider_client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("days", ["7", "abc", "-1", "99999999999999999999", "<script>"])
def test_an_unknown_period_falls_back_to_90_days(teammate_client, history, days):
    response = teammate_client.get(URL, {"days": days})
    assert response.status_code == 200
    assert 'aria-current="page">Last 90 days' in response.content.decode()


def test_campaign_and_asset_names_are_shown_escaped(teammate_client):
    hostile = Asset.objects.create(kind=Asset.Kind.AD, title="<img src=x onerror=alert(1)>")
    e = enquiry("Ann Lee", fit=70, utm_campaign="<script>alert(1)</script>")
    touch(e, days_before=1, asset=hostile)
    page = teammate_client.get(URL).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert "&lt;img src=x" in page and "<img src=x" not in page


def test_an_empty_period_says_so(teammate_client):
    page = teammate_client.get(URL).content.decode()
    assert "No enquiries in the last 90 days." in page


def test_the_query_count_does_not_grow_with_the_history(
    teammate_client, history, django_assert_max_num_queries
):
    for i in range(30):
        e = enquiry(f"Person{i} X", fit=i * 3, utm_campaign=f"campaign {i % 7}")
        touch(e, days_before=2, asset=history["article"], channel=Channel.EMAIL)
    with django_assert_max_num_queries(FIT_SCREEN_QUERY_BUDGET):
        response = teammate_client.get(URL)
    assert response.status_code == 200
