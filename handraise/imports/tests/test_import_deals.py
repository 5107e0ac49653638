"""`handraise import deals FILE.csv`: another tool's pipeline history, kept as history."""

import csv
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from handraise.contacts.models import Contact
from handraise.core.models import OutgoingEmail
from handraise.imports.tests.importing import run, write
from handraise.sales.models import Activity, CadenceEnrolment, Deal

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

HUBSPOT_DEALS = (
    "Record ID,Deal Name,Deal Stage,Amount,Close Date,Create Date,Deal owner,"
    "Associated Contact,Contact email,Associated Company\n"
    '9001,Process review,Closed won,"12,500.00",2024-03-28,2024-01-10,Olive Green,'
    "Ada Lovelace,ada@example.com,Analytical Engines\n"
    "9002,Ops audit,closedlost,4000,2024-05-02,2024-02-01,Olive Green,"
    "Grace Hopper,grace@example.com,US Navy\n"
    "9003,Second phase,Contract sent,8000,2026-12-20,2024-06-01,,"
    "Ada Lovelace,ada@example.com,Analytical Engines\n"
)
PIPEDRIVE_DEALS = (
    "Deal - ID;Deal - Title;Deal - Value;Deal - Currency;Deal - Stage;Deal - Status;"
    "Deal - Contact person;Deal - Organization;Deal - Deal created;Deal - Won time;"
    "Deal - Lost time;Deal - Lost reason\n"
    "17;Bookkeeping;2.500,00;EUR;Proposal Made;lost;Alan Turing;Bletchley Park;"
    "2023-09-01 10:00:00;;2023-10-15 16:30:00;Price\n"
    "18;Payroll;900;EUR;Negotiations Started;open;Alan Turing;Bletchley Park;"
    "2023-11-01 09:00:00;;;\n"
)


def board() -> list[tuple]:
    return [
        (d.title, d.stage.name, d.value, d.currency, d.contact.name, d.closed_at)
        for d in Deal.objects.select_related("stage", "contact").order_by("title")
    ]


def test_a_hubspot_deals_export_lands_on_the_board_with_its_own_dates(tmp_path):
    code, out = run("deals", str(write(tmp_path, HUBSPOT_DEALS, "deals.csv")))

    assert code == 0, out
    assert board() == [
        (
            "Ops audit",
            "Lost",
            Decimal("4000.00"),
            "GBP",
            "Grace Hopper",
            datetime(2024, 5, 1, 23, tzinfo=UTC),
        ),
        (
            "Process review",
            "Won",
            Decimal("12500.00"),
            "GBP",
            "Ada Lovelace",
            datetime(2024, 3, 28, tzinfo=UTC),
        ),
        ("Second phase", "Negotiation", Decimal("8000.00"), "GBP", "Ada Lovelace", None),
    ]
    second = Deal.objects.get(title="Second phase")
    assert second.created_at == datetime(2024, 5, 31, 23, tzinfo=UTC)  # midnight in London (BST)
    assert str(second.next_step_due) == "2026-12-20"  # an open deal's close date is expected
    assert Contact.objects.count() == 2  # Ada's two deals share her
    assert "imported 3 deals (0 already here, 2 new contacts" in out


def test_a_pipedrive_export_with_semicolons_and_decimal_commas(tmp_path):
    code, out = run("deals", str(write(tmp_path, PIPEDRIVE_DEALS, "deals.csv")))

    assert code == 0, out
    bookkeeping = Deal.objects.get(title="Bookkeeping")
    assert (bookkeeping.stage.name, bookkeeping.value, bookkeeping.currency) == (
        "Lost",
        Decimal("2500.00"),
        "EUR",
    )
    assert bookkeeping.outcome_reason.label == "Price"  # one of our own reasons
    assert bookkeeping.closed_at == datetime(2023, 10, 15, 15, 30, tzinfo=UTC)
    assert Deal.objects.get(title="Payroll").stage.name == "Negotiation"


def test_importing_the_same_deals_again_adds_nothing(tmp_path):
    path = write(tmp_path, HUBSPOT_DEALS, "deals.csv")
    run("deals", str(path))
    before = board()

    code, out = run("deals", str(path))

    assert code == 0
    assert board() == before
    assert "imported 0 deals (3 already here, 0 new contacts" in out


def test_imported_history_sends_nothing_enrols_nothing_and_logs_nothing(tmp_path):
    run("deals", str(write(tmp_path, HUBSPOT_DEALS, "deals.csv")))

    assert OutgoingEmail.objects.count() == 0
    assert CadenceEnrolment.objects.count() == 0
    assert Activity.objects.count() == 0


def test_an_owner_without_an_account_gets_one_that_cannot_sign_in(tmp_path, owner):
    run("deals", str(write(tmp_path, HUBSPOT_DEALS, "deals.csv")))

    olive = Deal.objects.get(title="Process review").owner
    assert (olive.first_name, olive.last_name, olive.is_active) == ("Olive", "Green", False)
    assert not olive.has_usable_password()
    assert Deal.objects.get(title="Ops audit").owner == olive  # one account for both rows
    assert get_user_model().objects.count() == 2


def test_an_owner_who_has_an_account_is_that_user(tmp_path, owner):
    # The owner fixture is "Olive" with the username "owner".
    text = "Deal name,Deal stage,Deal owner,Contact\nAudit,Proposal,owner,Ann Lee\n"

    run("deals", str(write(tmp_path, text, "deals.csv")))

    assert Deal.objects.get().owner == owner


def test_bad_deal_rows_are_rejected_with_their_reason_and_the_rest_import(tmp_path):
    text = (
        "Deal name,Deal stage,Amount,Currency,Close date,Create date,Contact\n"
        "Good,Proposal,100,,,2024-01-01,Ann Lee\n"
        ",Proposal,100,,,2024-01-01,Ann Lee\n"
        "Won without a date,Won,100,,,,Ann Lee\n"
        "Strange stage,Maybe later,100,,,2024-01-01,Ann Lee\n"
        "Backwards,Lost,100,,2023-01-01,2024-01-01,Ann Lee\n"
        "Bad amount,Proposal,lots,,,2024-01-01,Ann Lee\n"
        "Bad currency,Proposal,100,pounds,,2024-01-01,Ann Lee\n"
        "Nobody,Proposal,100,,,2024-01-01,\n"
    )
    path = write(tmp_path, text, "deals.csv")

    code, _ = run("deals", str(path))

    assert code == 1
    assert [d[0] for d in board()] == ["Good"]
    with (tmp_path / "deals.rejects.csv").open(newline="") as rejects:
        reasons = {row[2]: row[1] for row in list(csv.reader(rejects))[1:]}
    assert reasons[""] == "This deal has no title."
    assert reasons["Won without a date"] == "A won deal needs the date it closed."
    assert "not one of our stages (Enquiry, Conversation, Proposal" in reasons["Strange stage"]
    assert "closed before it was created" in reasons["Backwards"]
    assert reasons["Bad amount"] == "'lots' is not an amount."
    assert "three-letter currency code" in reasons["Bad currency"]
    assert "names no contact" in reasons["Nobody"]


def test_the_currency_comes_from_the_amounts_symbol_when_there_is_no_column(tmp_path):
    text = (
        "Deal name,Deal stage,Amount,Contact\nUS work,Proposal,$1200,Ann Lee\nEU,Proposal,€90,Ann\n"
    )

    run("deals", str(write(tmp_path, text, "deals.csv")))

    assert {d.title: d.currency for d in Deal.objects.all()} == {"US work": "USD", "EU": "EUR"}


def test_origin_comes_from_a_source_column_or_the_origin_option(tmp_path):
    text = "Deal name,Contact,Source\nA,Ann,Referral\nB,Ben,\n"

    run("deals", str(write(tmp_path, text, "deals.csv")), "--origin", "marketing")

    assert dict(Deal.objects.values_list("title", "origin")) == {"A": "referral", "B": "marketing"}


def test_a_dry_run_of_deals_writes_nothing(tmp_path):
    code, out = run("deals", str(write(tmp_path, HUBSPOT_DEALS, "deals.csv")), "--dry-run")

    assert code == 0
    assert Deal.objects.count() == 0 and Contact.objects.count() == 0
    assert "would import 3 deals" in out


def test_the_deal_and_the_person_say_on_their_timelines_which_file_they_came_from(
    tmp_path, teammate_client
):
    run("deals", str(write(tmp_path, HUBSPOT_DEALS, "hubspot-deals.csv")))
    deal = Deal.objects.get(title="Process review")

    deal_page = teammate_client.get(f"/deals/{deal.pk}/").content.decode()
    contact_page = teammate_client.get(f"/contacts/{deal.contact_id}/").content.decode()

    for page in (deal_page, contact_page):
        assert "this deal from" in " ".join(page.split())
        assert "this person from" in " ".join(page.split())
        assert "hubspot-deals.csv" in page
