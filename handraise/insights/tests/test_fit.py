"""The fit score's rules on constructed profiles: weights, ranges, not stated, regions, words."""

from decimal import Decimal

import pytest

from handraise.insights.fit import (
    FIT_THRESHOLD,
    FitFacts,
    ProfileTerms,
    budget_in,
    fits,
    region_of,
    score_fit,
)

pytestmark = [pytest.mark.unit]

FULL = ProfileTerms(
    industries=("Manufacturing", "Logistics"),
    min_employees=20,
    max_employees=200,
    regions=("GB", "IE"),
    min_deal_value=Decimal(8000),
    keywords=("lead time", "backlog"),
)


def test_a_perfect_match_scores_100_with_a_reason_per_criterion():
    fit = score_fit(
        FULL,
        FitFacts(
            industry="Manufacturing",
            employees=81,
            region="GB",
            text="Our lead time is slipping; budget about £12,000.",
        ),
    )
    assert fit.score == 100
    assert fit.reasons == (
        "manufacturing: a target sector",
        "81 people: inside 20–200",
        "GB: a target region",
        "budget 12,000: at least 8,000",
        "mentions “lead time”",
    )


def test_nothing_stated_earns_half_of_every_weight():
    fit = score_fit(FULL, FitFacts())
    assert fit.score == 50
    assert fit.reasons_text == (
        "sector not stated; size not stated; region not stated; budget not stated; "
        "no message to match keywords"
    )


def test_everything_wrong_scores_zero():
    fit = score_fit(
        FULL,
        FitFacts(industry="Retail", employees=5000, region="US", text="£500 for a logo"),
    )
    assert fit.score == 0
    assert "retail: not a target sector" in fit.reasons
    assert "5000 people: outside 20–200" in fit.reasons
    assert "US: outside GB, IE" in fit.reasons
    assert "budget 500: below 8,000" in fit.reasons
    assert "mentions none of the profile's keywords" in fit.reasons


def test_the_example_of_the_issue_sector_and_size_match_budget_not_stated():
    terms = ProfileTerms(
        industries=("Manufacturing",),
        min_employees=20,
        max_employees=200,
        min_deal_value=Decimal(5000),
    )
    fit = score_fit(terms, FitFacts(industry="Manufacturing", employees=81, text="Hello"))
    assert fit.reasons_text == (
        "manufacturing: a target sector; 81 people: inside 20–200; budget not stated"
    )
    # (35 + 30 + 5) of 75
    assert fit.score == 93


@pytest.mark.parametrize(
    ("employees", "share"),
    [(19, 0), (20, 30), (200, 30), (201, 0), (None, 15)],
)
def test_size_range_edges_count_as_inside(employees, share):
    terms = ProfileTerms(min_employees=20, max_employees=200, regions=("GB",))
    fit = score_fit(terms, FitFacts(employees=employees, region="GB"))
    # region earns its 15 of 15; size earns `share` of 30
    assert fit.score == round(100 * (15 + share) / 45)


def test_an_open_ended_size_is_described_as_such():
    assert score_fit(ProfileTerms(min_employees=50), FitFacts(employees=10)).reasons == (
        "10 people: outside 50 or more",
    )
    assert score_fit(ProfileTerms(max_employees=10), FitFacts(employees=1)).reasons == (
        "1 person: inside up to 10",
    )


@pytest.mark.parametrize(
    ("industry", "matches"),
    [
        ("Logistics", True),
        ("logistics", True),
        ("Food manufacturing", True),
        ("Manufacturing services", True),
        ("Remanufacturing", False),
        ("Retail", False),
    ],
)
def test_industries_match_whole_words_case_apart(industry, matches):
    fit = score_fit(ProfileTerms(industries=("Manufacturing", "Logistics")), FitFacts(industry))
    assert fit.score == (100 if matches else 0)


def test_keywords_match_inside_the_message_case_apart():
    terms = ProfileTerms(keywords=("Lead time", "backlog", "overtime"))
    fit = score_fit(terms, FitFacts(text="The BACKLOG grows and overtime too"))
    assert fit.score == 100
    assert fit.reasons == ("mentions “backlog”, “overtime”",)


def test_a_profile_with_no_criteria_gives_no_score():
    fit = score_fit(ProfileTerms(), FitFacts(industry="Manufacturing"))
    assert fit.score is None
    assert not fits(fit.score)


def test_the_threshold_is_inclusive():
    assert fits(FIT_THRESHOLD) and not fits(FIT_THRESHOLD - 1)


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("budget £8,000", Decimal(8000)),
        ("around €12k or $3,000", Decimal(12000)),
        ("9000 GBP max", Decimal(9000)),
        ("we have 40 staff and 3 sites", None),
        ("", None),
    ],
)
def test_budget_is_the_largest_amount_with_a_currency(text, amount):
    assert budget_in(text) == amount


def test_region_comes_from_the_phone_then_the_domain():
    assert region_of(phones=["+447700900123"], domains=["acme.de"]) == "GB"
    assert region_of(phones=["not a number"], domains=["https://www.acme.co.uk/about"]) == "GB"
    assert region_of(domains=["ann@acme.ie"]) == "IE"
    assert region_of(domains=["ann@gmail.com", ""]) == ""


def test_a_huge_hostile_message_is_read_only_at_its_start():
    text = "£" + "9" * 20 + " " + "backlog " * 200_000
    fit = score_fit(FULL, FitFacts(text=text))
    assert fit.score is not None
