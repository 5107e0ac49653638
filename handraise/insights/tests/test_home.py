"""The home page: the engine's real figures, an empty state, and a fixed query budget."""

import re
from datetime import datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from handraise.accounts.models import BusinessSettings
from handraise.core.money import Money
from handraise.enquiries.models import Enquiry
from handraise.insights.selectors import describe_duration, home_figures
from handraise.marketing.models import Touchpoint
from handraise.testing.factories import make_deal, make_enquiry

# A fixed budget with room for shared plumbing; a query per row (40 of each) blows it.
HOME_QUERY_BUDGET = 12


class _TextById(HTMLParser):
    """Collects the text inside the element with the given id (void elements aside)."""

    def __init__(self, element_id: str):
        super().__init__()
        self.element_id = element_id
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.depth += 1
        elif dict(attrs).get("id") == self.element_id:
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def text_of(response, element_id: str) -> str:
    parser = _TextById(element_id)
    parser.feed(response.content.decode())
    text = " ".join(" ".join(parser.parts).split())
    assert text, f"nothing with id {element_id!r} on the page"
    return text


def ago(**delta) -> datetime:
    return timezone.now() - timedelta(**delta)


@pytest.mark.integration
@pytest.mark.django_db
def test_home_counts_enquiries_received_in_the_last_30_days(teammate_client):
    make_enquiry(received_at=ago(days=2))
    make_enquiry(received_at=ago(days=29))
    make_enquiry(received_at=ago(days=45))

    response = teammate_client.get(reverse("home"))

    assert text_of(response, "figure-enquiries-30") == (
        "Received, last 30 days 2 1 in the 30 days before"
    )


@pytest.mark.integration
@pytest.mark.django_db
def test_home_leaves_spam_out_of_enquiry_counts(teammate_client):
    make_enquiry(received_at=ago(days=2))
    make_enquiry(received_at=ago(days=2), status=Enquiry.Status.SPAM)

    response = teammate_client.get(reverse("home"))

    assert "last 30 days 1 " in text_of(response, "figure-enquiries-30")


@pytest.mark.integration
@pytest.mark.django_db
def test_home_shows_waiting_and_overdue_enquiries(teammate_client):
    make_enquiry(response_due_at=ago(hours=1))
    make_enquiry(response_due_at=ago(hours=-3))
    make_enquiry(response_due_at=ago(hours=5), status=Enquiry.Status.RESPONDED)

    response = teammate_client.get(reverse("home"))

    assert text_of(response, "figure-waiting") == ("Waiting for a first response 2 1 overdue")


@pytest.mark.integration
@pytest.mark.django_db
def test_home_shows_the_median_first_response_time(teammate_client):
    for minutes in (30, 90, 600):
        received = ago(days=3)
        make_enquiry(
            received_at=received,
            first_response_at=received + timedelta(minutes=minutes),
            status=Enquiry.Status.RESPONDED,
        )

    response = teammate_client.get(reverse("home"))

    assert "1 h 30 min" in text_of(response, "figure-median-response")


@pytest.mark.integration
@pytest.mark.django_db
def test_home_shows_the_share_answered_within_target(teammate_client):
    received = ago(days=3)
    due = received + timedelta(hours=1)
    make_enquiry(received_at=received, response_due_at=due, first_response_at=due)
    make_enquiry(
        received_at=received, response_due_at=due, first_response_at=due + timedelta(minutes=1)
    )
    make_enquiry(received_at=received, response_due_at=due)  # past due, still unanswered
    make_enquiry(received_at=ago(minutes=5), response_due_at=ago(minutes=-55))  # still running

    response = teammate_client.get(reverse("home"))

    assert text_of(response, "figure-within-target").startswith(
        "Answered within the response target, last 90 days 33% 1 of 3 enquiries"
    )


@pytest.mark.integration
@pytest.mark.django_db
def test_home_shows_open_pipeline_value_formatted(teammate_client):
    make_deal("Proposal deal", stage_name="Proposal", value="12500.00", days_in_stage=400)
    make_deal("Negotiation deal", stage_name="Negotiation", value="2500.50", days_in_stage=400)
    make_deal(
        "Won deal", stage_name="Won", value="99999", days_in_stage=400, closed_at=ago(days=10)
    )
    make_deal(
        "Lost deal", stage_name="Lost", value="77777", days_in_stage=400, closed_at=ago(days=10)
    )

    response = teammate_client.get(reverse("home"))

    assert text_of(response, "figure-open-deals").startswith("Open deals 2 ")
    assert text_of(response, "figure-open-pipeline").startswith("Open pipeline value £15,000.50")


@pytest.mark.integration
@pytest.mark.django_db
def test_home_shows_won_value_and_win_rate_of_the_last_365_days(teammate_client):
    make_deal("Won deal", stage_name="Won", value="4000", days_in_stage=400, closed_at=ago(days=10))
    make_deal(
        "Won deal", stage_name="Won", value="1000", days_in_stage=400, closed_at=ago(days=200)
    )
    make_deal(
        "Won deal", stage_name="Won", value="8000", days_in_stage=400, closed_at=ago(days=380)
    )
    make_deal(
        "Lost deal", stage_name="Lost", value="500", days_in_stage=400, closed_at=ago(days=30)
    )

    response = teammate_client.get(reverse("home"))

    assert text_of(response, "figure-won") == "Won, last 365 days £5,000 2 deals won"
    assert text_of(response, "figure-win-rate") == "Win rate, last 365 days 67% 2 won of 3 closed"


@pytest.mark.integration
@pytest.mark.django_db
def test_home_shows_touchpoints_of_the_last_30_days(teammate_client):
    Touchpoint.objects.create(visitor_id="v1", occurred_at=ago(days=1))
    Touchpoint.objects.create(visitor_id="v1", occurred_at=ago(days=40))

    response = teammate_client.get(reverse("home"))

    assert text_of(response, "figure-touchpoints").startswith("Touchpoints, last 30 days 1 ")


@pytest.mark.integration
@pytest.mark.django_db
def test_home_shows_the_source_mix_of_the_last_90_days(teammate_client):
    make_enquiry(channel=Enquiry.Channel.EMAIL)
    make_enquiry(channel=Enquiry.Channel.FORM)
    make_enquiry(channel=Enquiry.Channel.FORM)
    make_enquiry(channel=Enquiry.Channel.FORM)
    make_enquiry(channel=Enquiry.Channel.PHONE, received_at=ago(days=120))

    response = teammate_client.get(reverse("home"))

    assert text_of(response, "source-mix") == ("Channel Enquiries Share Web form 3 75% Email 1 25%")


@pytest.mark.integration
@pytest.mark.django_db
def test_home_escapes_what_it_shows(teammate_client):
    BusinessSettings.objects.filter(pk=1).update(name="<script>alert(1)</script>")

    response = teammate_client.get(reverse("home"))

    assert b"<script>alert(1)" not in response.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content


@pytest.mark.integration
@pytest.mark.django_db
def test_home_on_a_fresh_database_says_what_to_do_next(teammate_client):
    response = teammate_client.get(reverse("home"))

    assert "handraise demo" in text_of(response, "main")
    assert b'id="figure-enquiries-30"' not in response.content


@pytest.mark.integration
@pytest.mark.django_db
def test_home_query_count_does_not_grow_with_data(teammate_client, django_assert_max_num_queries):
    for day in range(40):
        received = ago(days=day, hours=1)
        make_enquiry(
            received_at=received,
            response_due_at=received + timedelta(hours=2),
            first_response_at=received + timedelta(hours=day % 5),
            channel=Enquiry.Channel.values[day % 6],
        )
        stage = ["Proposal", "Won", "Lost"][day % 3]
        make_deal(
            f"{stage} deal",
            stage_name=stage,
            value="100",
            days_in_stage=400,
            closed_at=None if stage == "Proposal" else ago(days=day),
        )
        Touchpoint.objects.create(visitor_id=f"v{day}", occurred_at=received)

    with django_assert_max_num_queries(HOME_QUERY_BUDGET):
        response = teammate_client.get(reverse("home"))

    assert response.status_code == 200


@pytest.mark.integration
@pytest.mark.django_db
def test_teammate_sees_home_without_the_admin_link(teammate_client):
    response = teammate_client.get(reverse("home"))

    assert response.status_code == 200
    assert b"Tom" in response.content
    assert f'href="{reverse("admin:index")}"'.encode() not in response.content


@pytest.mark.integration
@pytest.mark.django_db
def test_owner_sees_the_admin_link(owner_client):
    response = owner_client.get(reverse("home"))

    assert f'href="{reverse("admin:index")}"'.encode() in response.content


@pytest.mark.integration
@pytest.mark.django_db
def test_home_page_has_no_inline_script_or_style(owner_client):
    make_enquiry()

    content = owner_client.get(reverse("home")).content.decode()

    assert "<script>" not in content
    assert "style=" not in content
    assert "<style" not in content
    assert not re.search(r"<[^>]*\son[a-z]+\s*=", content)  # no onclick= and friends


@pytest.mark.unit
@pytest.mark.django_db
def test_median_of_an_even_count_is_the_mean_of_the_middle_two():
    for minutes in (10, 20, 40, 1000):
        received = ago(days=1)
        make_enquiry(received_at=received, first_response_at=received + timedelta(minutes=minutes))

    assert home_figures().median_first_response == timedelta(minutes=30)


@pytest.mark.unit
@pytest.mark.django_db
def test_amounts_in_different_currencies_are_never_added_together():
    make_deal(
        "Proposal deal", stage_name="Proposal", value="1000", days_in_stage=400, currency="GBP"
    )
    make_deal(
        "Proposal deal", stage_name="Proposal", value="3000", days_in_stage=400, currency="USD"
    )

    assert home_figures().open_pipeline == (
        Money("USD", Decimal("3000.00")),
        Money("GBP", Decimal("1000.00")),
    )


@pytest.mark.unit
@pytest.mark.django_db
def test_enquiry_closed_as_not_a_lead_without_reply_is_not_a_missed_target():
    received = ago(days=3)
    due = received + timedelta(hours=1)
    make_enquiry(received_at=received, response_due_at=due, first_response_at=due)
    make_enquiry(received_at=received, response_due_at=due, status=Enquiry.Status.NOT_A_LEAD)

    figures = home_figures()

    assert (figures.answered_within_target, figures.answered_judged) == (1, 1)


@pytest.mark.unit
@pytest.mark.django_db
def test_win_rate_is_absent_when_nothing_closed():
    make_deal("Proposal deal", stage_name="Proposal", value="1000", days_in_stage=400)

    assert home_figures().win_rate_percent is None


@pytest.mark.unit
@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (timedelta(seconds=20), "under a minute"),
        (timedelta(minutes=45), "45 min"),
        (timedelta(hours=3), "3 h"),
        (timedelta(hours=3, minutes=5), "3 h 5 min"),
        (timedelta(days=1), "1 day"),
        (timedelta(days=2, hours=4, minutes=10), "2 days 4 h"),
    ],
)
def test_durations_read_as_a_person_would_say_them(duration, text):
    assert describe_duration(duration) == text


@pytest.mark.unit
@pytest.mark.parametrize(
    ("money", "text"),
    [
        (Money("GBP", Decimal("15000.50")), "£15,000.50"),
        (Money("EUR", Decimal("1000.00")), "€1,000"),
        (Money("CHF", Decimal("250")), "CHF 250"),
    ],
)
def test_money_is_shown_with_its_currency(money, text):
    assert str(money) == text
