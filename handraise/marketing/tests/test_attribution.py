"""Attribution against figures worked out by hand, for all five models.

The history (days before NOW; the period is the 90 days up to NOW, the window 90):

- Pat raises a hand twice: enquiry E1 at -40 (visitor id v-pat), enquiry E2 at -12.
  T0 v-pat, guide, at -240 (outside every window); T1 v-pat (never claimed), guide,
  organic search, at -54; T2 Pat and v-pat (found both ways, counted once), case
  study, email, campaign "spring", at -47; T3 Pat, no asset, social, at -40 (the
  moment of E1: it counts); T5 Pat, webinar, event, campaign "june", at -19; T4 Pat,
  webinar, at -11 (after E2: it counts for nothing).
  So E1 has T1, T2, T3 (ages 14, 7, 0 days) and E2 has T1, T2, T3, T5 (ages 42, 35,
  28, 7). Deal D1 came from E1: won at -5 for £1,000.00.
- Quinn: an outbound deal with no touchpoints, won at -20 for £500 (unattributed:
  owner outbound).
- Rae: enquiry E3 at -30 with a touchpoint only at -150 (outside its window); her
  marketing-sourced deal from E3, won at -3 for £250, is unattributed: unknown.
- Sam: a referral deal created at -60 without an enquiry; T7 Sam, webinar, referral,
  at -61. Won at -2 for £2,000.01.
- Left out: a lost deal, a deal won before the period, a deal won in euros, a spam
  enquiry.

Won revenue 3,750.01: 3,000.01 behind touchpoints (D1, D4), 500 outbound, 250 unknown.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from handraise.enquiries.models import Enquiry
from handraise.marketing.attribution import MODEL_KEYS, apportion, attribution
from handraise.marketing.models import Asset, Channel, Touchpoint
from handraise.sales.models import Deal
from handraise.testing.factories import make_closed_deal, make_contact, make_deal, make_enquiry

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
D = Decimal


def days(n: float) -> datetime:
    return NOW + timedelta(days=n)


def touch(*, at: float, asset=None, channel=Channel.DIRECT, contact=None, visitor="", **utm):
    return Touchpoint.objects.create(
        asset=asset,
        channel=channel,
        contact=contact,
        visitor_id=visitor,
        occurred_at=days(at),
        **utm,
    )


def won(title, *, contact, at, value, origin, created, enquiry=None, currency="GBP"):
    deal = make_closed_deal(title, contact=contact, value=value, origin=origin, enquiry=enquiry)
    Deal.objects.filter(pk=deal.pk).update(
        closed_at=days(at), created_at=days(created), stage_entered_at=days(at), currency=currency
    )
    return deal


@pytest.fixture
def history(db):
    guide = Asset.objects.create(kind=Asset.Kind.ARTICLE, title="Pricing guide")
    study = Asset.objects.create(kind=Asset.Kind.CASE_STUDY, title="The mill case study")
    webinar = Asset.objects.create(kind=Asset.Kind.TALK, title="June webinar")

    pat = make_contact("Pat Doe")
    e1 = make_enquiry("Pat Doe", contact=pat, received_at=days(-40), visitor_id="v-pat")
    make_enquiry("Pat Doe", contact=pat, received_at=days(-12))
    touch(at=-240, asset=guide, channel=Channel.ORGANIC_SEARCH, visitor="v-pat")
    touch(at=-54, asset=guide, channel=Channel.ORGANIC_SEARCH, visitor="v-pat")
    touch(
        at=-47,
        asset=study,
        channel=Channel.EMAIL,
        contact=pat,
        visitor="v-pat",
        utm_campaign="spring",
    )
    touch(at=-40, channel=Channel.SOCIAL, contact=pat)
    touch(at=-19, asset=webinar, channel=Channel.EVENT, contact=pat, utm_campaign="june")
    touch(at=-11, asset=webinar, channel=Channel.EVENT, contact=pat, utm_campaign="june")
    won(
        "Pat's review",
        contact=pat,
        at=-5,
        value="1000.00",
        origin="marketing",
        created=-38,
        enquiry=e1,
    )

    quinn = make_contact("Quinn Roe")
    won("Quinn's audit", contact=quinn, at=-20, value="500", origin="outbound", created=-50)

    rae = make_contact("Rae Poe")
    e3 = make_enquiry("Rae Poe", contact=rae, received_at=days(-30))
    touch(at=-150, asset=study, channel=Channel.EMAIL, contact=rae)
    won("Rae's plan", contact=rae, at=-3, value="250", origin="marketing", created=-29, enquiry=e3)

    sam = make_contact("Sam Moe")
    touch(at=-61, asset=webinar, channel=Channel.REFERRAL, contact=sam)
    won("Sam's project", contact=sam, at=-2, value="2000.01", origin="referral", created=-60)

    # Left out of everything.
    lost = make_deal("Lost one", stage_name="Lost", contact=pat, value="900")
    Deal.objects.filter(pk=lost.pk).update(created_at=days(-30), closed_at=days(-4))
    won("Old win", contact=pat, at=-100, value="700", origin="marketing", created=-120)
    won("Euro win", contact=sam, at=-6, value="800", origin="referral", created=-7, currency="EUR")
    make_enquiry("Spammer", received_at=days(-8), status=Enquiry.Status.SPAM)
    return {"guide": guide, "study": study, "webinar": webinar}


def figures(history) -> dict:
    result = attribution(start=days(-90), end=NOW, window_days=90, currency="GBP")
    names = {asset.pk: key for key, asset in history.items()}
    shown = {"totals": result}
    for model in result.models:
        shown[model.key] = {
            "assets": {
                names.get(a.asset_id): (a.enquiries, a.won_deals, a.revenue) for a in model.assets
            },
            "channels": {c.channel: (c.enquiries, c.won_deals, c.revenue) for c in model.channels},
            "campaigns": {
                c.campaign: (c.enquiries, c.won_deals, c.revenue) for c in model.campaigns
            },
            "unattributed": {u.origin: (u.won_deals, u.revenue) for u in model.unattributed},
            "order": [names.get(a.asset_id) for a in model.assets],
        }
    return shown


EXPECTED_ASSETS = {
    "first_touch": {
        "guide": (D("2.00"), D("1.00"), D("1000.00")),
        "study": (D("0.00"), D("0.00"), D("0.00")),
        None: (D("0.00"), D("0.00"), D("0.00")),
        "webinar": (D("0.00"), D("1.00"), D("2000.01")),
    },
    "last_touch": {
        "guide": (D("0.00"), D("0.00"), D("0.00")),
        "study": (D("0.00"), D("0.00"), D("0.00")),
        None: (D("1.00"), D("1.00"), D("1000.00")),
        "webinar": (D("1.00"), D("1.00"), D("2000.01")),
    },
    # E1 a third each, E2 a quarter each: 7/12 = 0.583 to three of them, and the
    # hundredth left over goes to the lowest asset id (the guide).
    "linear": {
        "guide": (D("0.59"), D("0.34"), D("333.34")),
        "study": (D("0.58"), D("0.33"), D("333.33")),
        None: (D("0.58"), D("0.33"), D("333.33")),
        "webinar": (D("0.25"), D("1.00"), D("2000.01")),
    },
    # E1 40/20/40; E2 40/10/10/40.
    "position_based": {
        "guide": (D("0.80"), D("0.40"), D("400.00")),
        "study": (D("0.30"), D("0.20"), D("200.00")),
        None: (D("0.50"), D("0.40"), D("400.00")),
        "webinar": (D("0.40"), D("1.00"), D("2000.01")),
    },
    # E1 ages 14, 7, 0 days: weights 1/4, 1/2, 1, so 1/7, 2/7, 4/7.
    # E2 ages 42, 35, 28, 7: 1/64, 2/64, 4/64, 32/64, so 1/39, 2/39, 4/39, 32/39.
    # Enquiries: guide 1/7 + 1/39 = 0.1685, study 0.3370, none 0.6740, webinar 0.8205.
    # D1's £1,000: 142.857, 285.714, 571.429.
    "time_decay": {
        "guide": (D("0.17"), D("0.14"), D("142.86")),
        "study": (D("0.34"), D("0.29"), D("285.71")),
        None: (D("0.67"), D("0.57"), D("571.43")),
        "webinar": (D("0.82"), D("1.00"), D("2000.01")),
    },
}


def test_five_models_match_the_figures_worked_out_by_hand(history):
    found = figures(history)
    for model in MODEL_KEYS:
        assert found[model]["assets"] == EXPECTED_ASSETS[model], model


def test_channels_follow_their_touchpoints_and_ties_go_to_the_lower_name(history):
    found = figures(history)
    assert found["linear"]["channels"] == {
        "email": (D("0.59"), D("0.34"), D("333.34")),
        "organic_search": (D("0.58"), D("0.33"), D("333.33")),
        "social": (D("0.58"), D("0.33"), D("333.33")),
        "event": (D("0.25"), D("0.00"), D("0.00")),
        "referral": (D("0.00"), D("1.00"), D("2000.01")),
    }
    assert found["first_touch"]["channels"]["organic_search"] == (D("2.00"), D("1"), D("1000"))
    assert found["last_touch"]["channels"]["event"] == (D("1.00"), D("0.00"), D("0.00"))
    assert found["time_decay"]["campaigns"]["june"] == (D("0.82"), D("0.00"), D("0.00"))
    assert found["time_decay"]["campaigns"]["spring"] == (D("0.34"), D("0.29"), D("285.71"))


def test_won_revenue_without_touchpoints_goes_to_the_deal_origin(history):
    found = figures(history)
    for model in MODEL_KEYS:
        assert found[model]["unattributed"] == {
            "outbound": (1, D("500.00")),
            "unknown": (1, D("250.00")),
        }


def test_each_model_adds_up_to_the_won_revenue_exactly(history):
    found = figures(history)
    totals = found["totals"]
    assert totals.won_revenue == D("3750.01")
    assert totals.won_deals == 4
    assert totals.won_deals_with_touchpoints == 2
    assert totals.enquiries == 3
    assert totals.enquiries_with_touchpoints == 2
    assert totals.other_currency_deals == 1
    for model in totals.models:
        unattributed = sum(u.revenue for u in model.unattributed)
        for table in (model.assets, model.channels, model.campaigns):
            assert sum(row.revenue for row in table) + unattributed == D("3750.01")
            assert sum(row.enquiries for row in table) == 2
            assert (
                sum(row.won_deals for row in table) + sum(u.won_deals for u in model.unattributed)
                == 4
            )


def test_top_assets_are_real_assets_largest_revenue_first(history):
    found = figures(history)
    top = found["totals"].model("time_decay").top_assets
    assert [asset.title for asset in top] == [
        "June webinar",
        "The mill case study",
        "Pricing guide",
    ]
    assert found["time_decay"]["order"][-1] == "guide"


def test_a_shorter_window_drops_the_older_touchpoints(history):
    # With 10 days, E1 (and D1) keep T2 and T3 (ages 7 and 0), E2 keeps T5 (age 7);
    # D4's T7 is a day before the deal's creation, so it stays.
    result = attribution(start=days(-90), end=NOW, window_days=10, currency="GBP")
    linear = result.model("linear")
    credits = {a.title: (a.enquiries, a.revenue) for a in linear.assets}
    assert credits == {
        "The mill case study": (D("0.50"), D("500.00")),
        None: (D("0.50"), D("500.00")),
        "June webinar": (D("1.00"), D("2000.01")),
    }


def test_an_empty_period_has_nothing_to_attribute(db):
    result = attribution(start=days(-90), end=NOW, window_days=90, currency="GBP")
    assert result.won_revenue == 0
    assert result.enquiries == 0
    assert all(not m.assets and not m.channels and not m.unattributed for m in result.models)


def test_apportioning_keeps_the_total_to_the_penny():
    parts = apportion(D("100.00"), {"a": 1.0, "b": 1.0, "c": 1.0})
    assert parts == {"a": D("33.34"), "b": D("33.33"), "c": D("33.33")}
    assert apportion(D("0"), {"a": 1.0}) == {"a": D("0.00")}
    assert sum(apportion(D("9999999.99"), {i: 1 / (i + 1) for i in range(7)}).values()) == D(
        "9999999.99"
    )


def test_attribution_takes_three_queries_whatever_the_history(history, django_assert_num_queries):
    # The statement, the assets' titles, the deals in other currencies (and on
    # PostgreSQL the SET LOCAL that turns JIT off for the statement).
    with django_assert_num_queries(4 if connection.vendor == "postgresql" else 3):
        attribution(start=days(-90), end=NOW, window_days=90, currency="GBP")


def test_the_page_the_hand_raise_was_sent_from_is_not_a_touch_before_it(db):
    """The contact page visit that ends each journey is the hand-raise itself: left out
    in the hour before it (whatever its query string or slash), counted before that."""
    article = Asset.objects.create(kind=Asset.Kind.ARTICLE, title="Pricing guide")
    contact_page = Asset.objects.create(kind=Asset.Kind.PAGE, title="Contact")
    ada = make_contact("Ada Lund")
    sent_from = "https://www.acme.example/contact/?utm_source=x#form"
    make_enquiry("Ada Lund", contact=ada, received_at=days(-10), landing_page=sent_from)
    touch(at=-10.5, asset=contact_page, contact=ada, url="https://www.acme.example/contact")
    touch(at=-10.02, asset=article, contact=ada, url="https://www.acme.example/blog/pricing")
    touch(at=-10.01, asset=contact_page, contact=ada, url="https://www.acme.example/contact")

    result = attribution(start=days(-90), end=NOW, window_days=90, currency="GBP")
    last = {a.title: a.enquiries for a in result.model("last_touch").assets if a.enquiries}
    first = {a.title: a.enquiries for a in result.model("first_touch").assets if a.enquiries}
    assert last == {"Pricing guide": D("1.00")}
    assert first == {"Contact": D("1.00")}  # twelve hours before: a visit like any other
