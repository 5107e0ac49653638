"""The Marketing overview: the publishing cadence and what each asset preceded, on
constructed histories whose figures are worked out by hand, and the page itself."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from handraise.core.clock import business_today, now
from handraise.enquiries.models import Enquiry
from handraise.marketing.models import Asset, Touchpoint
from handraise.marketing.overview import asset_performance, publishing_cadence
from handraise.sales.tests.reading import text
from handraise.testing.factories import make_closed_deal, make_contact, make_deal

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

LONDON = ZoneInfo("Europe/London")
MOMENT = datetime(2026, 6, 15, 12, tzinfo=UTC)
# Session, user, business settings, cadence (2), reach, preceded, the assets, the count,
# and on PostgreSQL the SET LOCAL that turns JIT off for reach and preceded.
OVERVIEW_QUERY_BUDGET = 10


def published(title: str, day: date, kind: str = Asset.Kind.ARTICLE, **fields) -> Asset:
    at = datetime.combine(day, time(12), tzinfo=LONDON)
    return Asset.objects.create(kind=kind, title=title, published_at=at, **fields)


# --- the cadence ------------------------------------------------------------------------


def test_the_cadence_gives_the_gaps_their_median_and_the_days_since_the_last():
    today = date(2026, 6, 15)
    published("Before the year", today - timedelta(days=400))
    published("First of the year", today - timedelta(days=300))
    published("Second", today - timedelta(days=290))
    published("Same day", today - timedelta(days=290))
    published("Third", today - timedelta(days=260))
    published("Latest", today - timedelta(days=4))
    Asset.objects.create(kind="article", title="Draft, no date")
    published("Scheduled", today + timedelta(days=3))

    cadence = publishing_cadence(moment=MOMENT, zone=LONDON)

    assert cadence.days_since_last == 4 and cadence.last_title == "Latest"
    assert cadence.publications == 5
    # From the last one before the year: 100, 10, 0, 30, 256 days.
    assert [gap.days for gap in cadence.gaps] == [100, 10, 0, 30, 256]
    assert cadence.gaps[0].title == "First of the year"
    assert cadence.median_gap == 30 and cadence.longest_gap == 256


def test_an_even_number_of_gaps_has_the_mean_of_the_middle_two_as_median():
    today = date(2026, 6, 15)
    for days_ago in (40, 30, 10, 9, 0):  # gaps 10, 20, 1, 9
        published(f"{days_ago} days ago", today - timedelta(days=days_ago))
    cadence = publishing_cadence(moment=MOMENT, zone=LONDON)
    assert cadence.median_gap == 9.5 and cadence.days_since_last == 0


def test_one_publication_has_no_gap_yet():
    published("Only one", date(2026, 6, 1))
    cadence = publishing_cadence(moment=MOMENT, zone=LONDON)
    assert cadence.days_since_last == 14 and cadence.gaps == [] and cadence.median_gap is None


def test_no_assets_is_an_empty_cadence():
    cadence = publishing_cadence(moment=MOMENT, zone=LONDON)
    assert not cadence.has_assets and cadence.days_since_last is None and cadence.gaps == []


def test_the_days_are_counted_at_the_business_not_in_utc():
    # 23:30 in Los Angeles on 10 June is already 11 June in UTC.
    zone = ZoneInfo("America/Los_Angeles")
    Asset.objects.create(
        kind="article",
        title="Late evening",
        published_at=datetime(2026, 6, 10, 23, 30, tzinfo=zone),
    )
    cadence = publishing_cadence(moment=MOMENT, zone=zone)  # 05:00 on 15 June there
    assert cadence.last_published_on == date(2026, 6, 10) and cadence.days_since_last == 5


# --- what each asset preceded -----------------------------------------------------------


def touch(asset, at, *, contact=None, visitor="") -> Touchpoint:
    return Touchpoint.objects.create(
        asset=asset, contact=contact, visitor_id=visitor, occurred_at=at
    )


def enquiry(contact, at, *, visitor="", status=Enquiry.Status.RESPONDED) -> Enquiry:
    return Enquiry.objects.create(
        channel=Enquiry.Channel.FORM,
        contact=contact,
        received_at=at,
        visitor_id=visitor,
        status=status,
    )


@pytest.fixture
def history():
    """Three assets and four hand-raises, worked out by hand in the tests below.

    Ann (visitor v-ann) enquires 10 days ago; she read A 5 days before as a known
    contact, B the day before under her visitor id only (never claimed), C 100 days
    before (outside the 90-day window) and C again an hour after. Her deal was won 2
    days ago, £5,000. Bob enquires 20 days ago after reading A 2 days before (the touch
    carries both his contact and visitor id: it counts once); his deal is still open.
    Cy enquired 60 days ago (before a 30-day period) after reading A the day before;
    his £2,000 deal was won 5 days ago. A spam enquiry after a touch on C counts for
    nothing.
    """
    moment = now()
    a = Asset.objects.create(kind="article", title="Asset A")
    b = Asset.objects.create(kind="case_study", title="Asset B")
    c = Asset.objects.create(kind="talk", title="Asset C")
    ann, bob, cy, spammer = (make_contact(n) for n in ("Ann", "Bob", "Cy", "Spam Bot"))
    ann_raised = moment - timedelta(days=10)
    ann_enquiry = enquiry(ann, ann_raised, visitor="v-ann")
    touch(a, ann_raised - timedelta(days=5), contact=ann)
    touch(b, ann_raised - timedelta(days=1), visitor="v-ann")
    touch(c, ann_raised - timedelta(days=100), contact=ann)
    touch(c, ann_raised + timedelta(hours=1), contact=ann, visitor="v-ann")
    make_closed_deal("Ann's review", contact=ann, enquiry=ann_enquiry, value="5000", days_ago=2)
    bob_raised = moment - timedelta(days=20)
    bob_enquiry = enquiry(bob, bob_raised, visitor="v-bob")
    touch(a, bob_raised - timedelta(days=2), contact=bob, visitor="v-bob")
    make_deal("Bob's review", contact=bob, enquiry=bob_enquiry, value="9000")
    cy_raised = moment - timedelta(days=60)
    cy_enquiry = enquiry(cy, cy_raised)
    touch(a, cy_raised - timedelta(days=1), contact=cy)
    make_closed_deal("Cy's review", contact=cy, enquiry=cy_enquiry, value="2000", days_ago=5)
    spam_raised = moment - timedelta(days=3)
    enquiry(spammer, spam_raised, status=Enquiry.Status.SPAM)
    touch(c, spam_raised - timedelta(hours=1), contact=spammer)
    return {"moment": moment, "a": a, "b": b, "c": c}


def figures(performance, asset):
    return next(row for row in performance.assets if row.asset_id == asset.pk)


def test_an_asset_preceded_the_enquiries_touched_in_the_window_before_the_hand_raise(history):
    performance = asset_performance(moment=history["moment"], days=30, currency="GBP")

    a, b, c = (figures(performance, history[name]) for name in "abc")
    assert (a.enquiries, a.won_deals, a.revenue) == (2, 2, Decimal("7000.00"))
    assert (b.enquiries, b.won_deals, b.revenue) == (1, 1, Decimal("5000.00"))
    # Too early for the window, after the hand-raise, or before spam: nothing.
    assert (c.enquiries, c.won_deals, c.revenue) == (0, 0, Decimal("0.00"))
    assert performance.enquiries == 2 and performance.enquiries_preceded == 2


def test_reach_counts_touches_and_distinct_visitors_in_the_period(history):
    performance = asset_performance(moment=history["moment"], days=30, currency="GBP")
    a, b, c = (figures(performance, history[name]) for name in "abc")
    # A: Ann's (no visitor id) and Bob's touch; Cy's was 61 days ago.
    assert (a.touchpoints, a.visitors) == (2, 1)
    assert (b.touchpoints, b.visitors) == (1, 1)
    assert (c.touchpoints, c.visitors) == (2, 1)  # after Ann's hand-raise, and the spam's


def test_a_longer_period_takes_in_the_earlier_enquiry(history):
    performance = asset_performance(moment=history["moment"], days=90, currency="GBP")
    a = figures(performance, history["a"])
    assert (a.enquiries, a.won_deals, a.revenue) == (3, 2, Decimal("7000.00"))
    assert performance.enquiries == 3


def test_a_longer_window_reaches_the_early_touch(history, settings):
    settings.ATTRIBUTION_WINDOW_DAYS = 120
    performance = asset_performance(moment=history["moment"], days=30, currency="GBP")
    c = figures(performance, history["c"])
    assert (c.enquiries, c.won_deals, c.revenue) == (1, 1, Decimal("5000.00"))
    assert performance.window_days == 120


def test_revenue_in_another_currency_is_not_added_to_the_business_currency(history):
    performance = asset_performance(moment=history["moment"], days=30, currency="EUR")
    assert figures(performance, history["a"]).revenue == 0
    assert figures(performance, history["a"]).enquiries == 2


def test_the_assets_sort_by_revenue_by_default_and_by_reach_on_request(history):
    moment = history["moment"]
    by_revenue = asset_performance(moment=moment, days=30, currency="GBP")
    assert [row.title for row in by_revenue.assets] == ["Asset A", "Asset B", "Asset C"]
    by_touches = asset_performance(moment=moment, days=30, currency="GBP", sort="touchpoints")
    assert [row.title for row in by_touches.assets][-1] == "Asset B"


# --- the page ---------------------------------------------------------------------------


def test_the_overview_shows_the_cadence_and_each_asset_figures(teammate_client, history):
    today = business_today()
    published("Written last week", today - timedelta(days=7))
    published("Written a month ago", today - timedelta(days=37))

    response = teammate_client.get("/marketing/", {"days": 30})

    page = text(response)
    assert response.status_code == 200
    assert "Days since the last publication 7" in page
    assert "Median gap between publications 30 days" in page
    assert "Asset A Article 2 1 2 2 £7,000" in page
    assert '<rect class="chart-bar"' in response.content.decode()
    assert "The gaps as a table" in page and "Written last week" in page


def test_an_overview_with_no_assets_says_what_to_do(teammate_client):
    page = text(teammate_client.get("/marketing/"))
    assert "Nothing published yet" in page and "add an asset" in page
    assert "No assets yet" in page


@pytest.mark.parametrize("days", ["7", "abc", "-1", "<script>", "99999999999999999999"])
def test_a_period_not_offered_falls_back_to_90_days(teammate_client, days):
    response = teammate_client.get("/marketing/", {"days": days, "sort": days, "page": days})
    assert response.status_code == 200
    assert '<option value="90" selected>' in response.content.decode()


def test_the_period_choice_is_kept(teammate_client):
    page = teammate_client.get("/marketing/", {"days": "365"}).content.decode()
    assert '<option value="365" selected>' in page


def test_links_to_the_marketing_pages_that_exist(teammate_client):
    page = teammate_client.get("/marketing/").content.decode()
    assert 'href="/marketing/assets/"' in page  # the others appear once their parts exist


def test_the_overview_costs_the_same_queries_with_many_assets(
    teammate_client, history, django_assert_max_num_queries
):
    moment = history["moment"]
    Asset.objects.bulk_create(
        Asset(kind="article", title=f"Extra {n}", published_at=moment - timedelta(days=n))
        for n in range(60)
    )
    extra = list(Asset.objects.filter(title__startswith="Extra"))
    Touchpoint.objects.bulk_create(
        Touchpoint(asset=asset, visitor_id=f"v{n}", occurred_at=moment - timedelta(days=1))
        for n, asset in enumerate(extra)
    )
    with django_assert_max_num_queries(OVERVIEW_QUERY_BUDGET):
        first = teammate_client.get("/marketing/")
    with django_assert_max_num_queries(OVERVIEW_QUERY_BUDGET):
        second = teammate_client.get("/marketing/", {"page": 2, "sort": "touchpoints"})
    assert "Page 1 of 3" in text(first) and "Page 2 of 3" in text(second)
