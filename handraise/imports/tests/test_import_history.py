"""`handraise import enquiries|assets|touchpoints|signals|... FILE.csv`, each on its own."""

import csv
import json
from datetime import UTC, datetime, timedelta

import pytest

from handraise.accounts.models import BusinessSettings
from handraise.core.models import OutgoingEmail
from handraise.enquiries.models import Enquiry, Form
from handraise.enquiries.response_clock import sound_response_alarms
from handraise.imports.tests.importing import run, write
from handraise.insights.models import IdealClientProfile, Signal, Theme
from handraise.marketing.models import Asset, Touchpoint
from handraise.sales.models import Cadence, Stage

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

FORM_TOOL_ENQUIRIES = (
    "Submission ID,Submitted at,Name,Email,Phone,Company,Message\n"
    "s1,2024-03-04T10:15:00+00:00,Ada Lovelace,Ada@Example.com,020 7946 0123,Engines Ltd,"
    '"Can you help with our month-end?"\n'
    "s2,2024-03-05T11:00:00+00:00,Grace Hopper,grace@example.com,,,Quote please\n"
)


def rejects(path) -> dict[str, str]:
    with path.with_suffix(".rejects.csv").open(newline="") as stream:
        return {row[0]: row[1] for row in list(csv.reader(stream))[1:]}


def test_imported_enquiries_keep_their_times_and_never_acknowledge_notify_or_alarm(tmp_path):
    code, out = run("enquiries", str(write(tmp_path, FORM_TOOL_ENQUIRIES, "enquiries.csv")))

    assert code == 0, out
    ada = Enquiry.objects.get(from_name="Ada Lovelace")
    assert ada.received_at == datetime(2024, 3, 4, 10, 15, tzinfo=UTC)
    assert ada.created_at == ada.received_at
    assert ada.from_email == "Ada@Example.com"  # as typed
    assert ada.contact.primary_email == "ada@example.com"
    assert ada.channel == Enquiry.Channel.FORM and ada.status == Enquiry.Status.OPEN
    assert sound_response_alarms() == 0
    assert OutgoingEmail.objects.count() == 0
    assert "imported 2 enquiries (0 already here, 2 new contacts, 0 rejected)" in out


def test_an_open_enquiry_from_history_has_its_alarms_marked_as_past(tmp_path):
    text = (
        "Received,Channel,Status,Name given,Email given,Response due\n"
        "2024-03-04T10:15:00+00:00,email,open,Ada,ada@example.com,2024-03-04T11:15:00+00:00\n"
    )

    run("enquiries", str(write(tmp_path, text, "enquiries.csv")))

    enquiry = Enquiry.objects.get()
    assert enquiry.escalated_at == enquiry.response_due_at
    assert enquiry.reminded_at == enquiry.response_due_at - timedelta(minutes=15)
    assert sound_response_alarms() == 0


def test_importing_the_same_enquiries_again_adds_nothing(tmp_path):
    path = write(tmp_path, FORM_TOOL_ENQUIRIES, "enquiries.csv")
    run("enquiries", str(path))

    code, out = run("enquiries", str(path))

    assert code == 0
    assert Enquiry.objects.count() == 2
    assert "imported 0 enquiries (2 already here, 0 rejected)" in out


def test_enquiry_rows_that_cannot_be_imported_are_rejected_with_their_reason(tmp_path):
    text = (
        "Received,Channel,Name given,Contact id,First response,Fit score\n"
        "2024-03-04T10:15:00+00:00,carrier pigeon,Ada,,,\n"
        ",form,Ada,,,\n"
        "2024-03-04T10:15:00+00:00,form,,77,,\n"
        "2024-03-04T10:15:00+00:00,form,Ada,,2024-03-01T10:00:00+00:00,\n"
        "2024-03-04T10:15:00+00:00,form,Ada,,,140\n"
    )
    path = write(tmp_path, text, "enquiries.csv")

    code, _ = run("enquiries", str(path))

    assert code == 1
    assert Enquiry.objects.count() == 0
    reasons = rejects(path)
    assert "'carrier pigeon' is not a channel we know" in reasons["2"]
    assert reasons["3"] == "This enquiry has no date it was received."
    assert reasons["4"] == "No imported contact has the id '77': import the contacts first."
    assert reasons["5"].startswith("The first response came before the enquiry")
    assert reasons["6"] == "A fit score is from 0 to 100."


def test_assets_then_touchpoints_from_an_analytics_export(tmp_path):
    assets = (
        "Post ID,Post type,Title,Permalink,Date published,Themes\n"
        "p1,Blog post,Month-end in a day,https://example.com/month-end/,2024-01-10,"
        '"Speed\nPrice"\n'
    )
    visits = (
        "Timestamp,Client ID,Page location,Page title,Default channel group,Session source\n"
        "2024-02-01T09:00:00+00:00,v1,https://example.com/month-end/,Month-end in a day,"
        "Organic search,google\n"
        "2024-02-01T09:05:00+00:00,v1,https://example.com/contact/,,Paid Shopping,google\n"
        "2024-02-01T09:05:00+00:00,v1,https://example.com/contact/,,Paid Shopping,google\n"
    )
    run("assets", str(write(tmp_path, assets, "assets.csv")))

    code, out = run("touchpoints", str(write(tmp_path, visits, "visits.csv")))

    assert code == 0, out
    asset = Asset.objects.get()
    assert asset.kind == Asset.Kind.ARTICLE
    assert asset.published_at == datetime(2024, 1, 10, tzinfo=UTC)  # London is on GMT then
    assert sorted(theme.name for theme in asset.themes.all()) == ["Price", "Speed"]
    first, second = Touchpoint.objects.order_by("occurred_at")
    assert (first.asset, first.channel, first.utm_source) == (asset, "organic_search", "google")
    assert (second.asset, second.channel) == (None, "other")  # a group we do not have
    assert "imported 2 touchpoints (1 already here, 0 rejected)" in out


def test_touchpoints_imported_again_add_nothing(tmp_path):
    visits = "When,Visitor ID,URL\n2024-02-01T09:00:00Z,v1,/a\n2024-02-02T09:00:00Z,v2,/b\n"
    path = write(tmp_path, visits, "touchpoints.csv")
    run("touchpoints", str(path))

    code, out = run("touchpoints", str(path))

    assert code == 0
    assert Touchpoint.objects.count() == 2
    assert "imported 0 touchpoints (2 already here, 0 rejected)" in out


def test_signals_join_their_theme_by_name_and_keep_their_date(tmp_path):
    text = (
        "Captured,Kind,Text,Contact,Contact email,Theme\n"
        "2024-02-01T09:00:00+00:00,objection,Too dear,Ada Lovelace,ada@example.com,Price\n"
        "2024-02-01T09:00:00+00:00,rumour,Heard a thing,Ada Lovelace,ada@example.com,\n"
    )
    path = write(tmp_path, text, "signals.csv")

    code, _ = run("signals", str(path))

    assert code == 1
    signal = Signal.objects.get()
    assert (signal.kind, signal.text, signal.theme.name) == ("objection", "Too dear", "Price")
    assert signal.captured_at == datetime(2024, 2, 1, 9, tzinfo=UTC)
    assert signal.contact.primary_email == "ada@example.com"
    assert "'rumour' is not a kind of signal we know" in rejects(path)["3"]


def test_the_business_setup_comes_in_by_name_and_again_changes_nothing(tmp_path):
    stages = "name,position,probability,won,lost,stale after days\nDiscovery,1,20,no,no,5\n"
    cadences = (
        "cadence,enrol on stage,step,business days after,step kind,subject,body\n"
        "Chase,Discovery,0,2,email,Any news?,Hello {{ first_name }}\n"
        "Chase,Discovery,1,5,call,Ring them,\n"
    )
    forms = 'slug,name,fields,active\nquote,Quote form,"{""email"": ""required""}",yes\n'
    for kind, text in (("stages", stages), ("cadences", cadences), ("forms", forms)):
        run(kind, str(write(tmp_path, text, f"{kind}.csv")))

    code, out = run("cadences", str(tmp_path / "cadences.csv"))

    assert code == 0, out
    stage = Stage.objects.get(name="Discovery")
    assert (stage.probability, stage.stale_after_days) == (20, 5)
    cadence = Cadence.objects.get(name="Chase")
    assert cadence.enrol_on_stage == stage
    assert [(s.business_days_after, s.kind) for s in cadence.steps.all()] == [
        (2, "email"),
        (5, "call"),
    ]
    assert Form.objects.get(slug="quote").fields == {"email": "required"}
    assert "imported 2 cadence steps of 2 cadences (0 rejected)" in out


def test_a_form_with_fields_nobody_could_answer_is_rejected(tmp_path):
    forms = 'slug,name,fields\nquote,Quote form,"{""email"": ""hidden""}"\n'
    path = write(tmp_path, forms, "forms.csv")

    code, _ = run("forms", str(path))

    assert code == 1
    assert not Form.objects.filter(slug="quote").exists()
    assert "require an email or a phone" in rejects(path)["2"]


def test_settings_json_replaces_the_business_settings_and_profiles(tmp_path):
    document = {
        "business": {"name": "Northbank", "time_zone": "Europe/Paris", "currency": "EUR"},
        "business_hours": [{"weekday": 0, "opens": "08:00:00", "closes": "12:00:00"}],
        "outcome_reasons": [{"outcome": "lost", "label": "Too far", "position": 9}],
        "ideal_client_profiles": [{"name": "Makers", "industries": ["Food"], "min_employees": 5}],
    }
    path = write(tmp_path, json.dumps(document), "settings.json")

    code, out = run("settings", str(path))

    assert code == 0, out
    business = BusinessSettings.load()
    assert (business.name, business.time_zone, business.currency) == (
        "Northbank",
        "Europe/Paris",
        "EUR",
    )
    assert business.response_target_minutes == 60  # left out: kept
    assert IdealClientProfile.objects.get(name="Makers").industries == ["Food"]
    assert "the business's settings and hours, 1 outcome reason, 1 ideal client profile" in out


def test_settings_that_the_settings_page_would_refuse_are_rejected(tmp_path):
    path = write(tmp_path, json.dumps({"business": {"time_zone": "Mars/Olympus"}}), "s.json")

    code, _ = run("settings", str(path))

    assert code == 1
    assert BusinessSettings.load().time_zone == "Europe/London"


def test_a_folder_without_settings_keeps_the_install_s_own(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    write(folder, "name,description\nPrice,What it costs\n", "themes.csv")
    BusinessSettings.objects.filter(pk=1).update(name="Ours")

    code, out = run(str(folder))

    assert code == 0, out
    assert BusinessSettings.load().name == "Ours"
    assert Theme.objects.get().description == "What it costs"
    assert out.strip().splitlines()[-1].endswith("imported 1 theme (1 new, 0 updated, 0 rejected).")


def test_a_folder_with_rejected_rows_exits_1_with_each_file_s_rejects_beside_it(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    write(folder, "name,probability\nDiscovery,120\n", "stages.csv")

    code, out = run(str(folder))

    assert code == 1
    assert "imported 0 stages (0 new, 0 updated, 1 rejected)" in out
    assert "from 0 to 100" in rejects(folder / "stages.csv")["2"]


def test_a_kind_that_is_neither_a_kind_nor_a_folder_is_refused(tmp_path):
    with pytest.raises(Exception, match="is not a folder"):
        run(str(tmp_path / "nowhere"))
