"""``handraise report``: the JSON document against docs/report.schema.json, the
terminal summary, and --period."""

import json
from datetime import timedelta
from io import StringIO
from pathlib import Path

import jsonschema
import pytest
from django.core.management import CommandError, call_command

from handraise.core.clock import now
from handraise.marketing.models import Asset, Channel, Touchpoint
from handraise.sales.models import Deal
from handraise.testing.factories import make_closed_deal, make_contact, make_enquiry

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[3] / "docs" / "report.schema.json").read_text()
)


@pytest.fixture
def history(db):
    guide = Asset.objects.create(kind=Asset.Kind.ARTICLE, title="Pricing guide <b>&")
    pat = make_contact("Pat Doe")
    enquiry = make_enquiry("Pat Doe", contact=pat, received_at=now() - timedelta(days=20))
    for days, asset, channel in [(30, guide, Channel.EMAIL), (25, None, Channel.SOCIAL)]:
        Touchpoint.objects.create(
            contact=pat,
            asset=asset,
            channel=channel,
            occurred_at=now() - timedelta(days=days),
            utm_campaign="spring",
        )
    make_closed_deal("Review", contact=pat, enquiry=enquiry, value="1200.50", days_ago=5)
    make_closed_deal(
        "Referred",
        contact=make_contact("Quinn"),
        value="300",
        origin=Deal.Origin.REFERRAL,
        days_ago=200,
    )


def run_report(*arguments: str) -> str:
    out = StringIO()
    call_command("report", *arguments, stdout=out)
    return out.getvalue()


def test_json_report_matches_the_schema(history):
    document = json.loads(run_report("--json"))
    validator = jsonschema.Draft202012Validator(
        SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    validator.validate(document)
    attribution = document["attribution"]
    assert attribution["window_days"] == 90
    linear = attribution["models"]["linear"]
    assert linear["assets"] == [
        {
            "title": "Pricing guide <b>&",
            "kind": "article",
            "enquiries": 0.5,
            "won_deals": 0.5,
            "revenue": "600.25",
        },
        {"title": None, "kind": None, "enquiries": 0.5, "won_deals": 0.5, "revenue": "600.25"},
    ]
    assert attribution["models"]["first_touch"]["channels"][0] == {
        "channel": "email",
        "enquiries": 1,
        "won_deals": 1,
        "revenue": "1200.50",
    }
    assert linear["unattributed"] == []  # the referral was won before the period


def test_a_longer_period_takes_in_the_older_win_as_unattributed_referral(history):
    document = json.loads(run_report("--json", "--period", "365"))
    jsonschema.validate(document, SCHEMA, cls=jsonschema.Draft202012Validator)
    for model in document["attribution"]["models"].values():
        assert model["unattributed"] == [
            {"origin": "referral", "won_deals": 1, "revenue": "300.00"}
        ]
        assert sum(float(a["revenue"]) for a in model["assets"]) == pytest.approx(1200.50)


def test_an_empty_database_still_gives_a_valid_document(db):
    document = json.loads(run_report("--json"))
    jsonschema.validate(document, SCHEMA, cls=jsonschema.Draft202012Validator)
    assert document["attribution"]["models"]["time_decay"]["assets"] == []


def test_the_schema_refuses_a_document_without_attribution():
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"verdict": "aligned"}, SCHEMA, cls=jsonschema.Draft202012Validator)


def test_terminal_summary_names_the_top_assets_of_each_model(history):
    text = run_report()
    assert "Won: £1,200.50 from 1 deal;" in text
    assert "Linear:         1. Pricing guide <b>& (Article) £600.25" in text
    assert "Time decay:" in text
    assert "Top channels by revenue:" in text


@pytest.mark.parametrize("period", ["0", "-5", "99999"])
def test_a_period_out_of_range_is_one_clear_error(db, period):
    with pytest.raises(CommandError, match="--period must be 1 to 3650 days"):
        run_report("--period", period)
