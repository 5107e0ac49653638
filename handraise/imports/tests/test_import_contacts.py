"""`handraise import contacts FILE.csv` on the exports small businesses have."""

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError

from handraise.accounts.models import BusinessSettings
from handraise.contacts.models import Contact, ContactEmail, ContactPhone, MergeSuggestion
from handraise.core.text import clean_text
from handraise.imports import runner
from handraise.imports.mapping import CONTACT_ALIASES, MappingError, map_columns, parse_overrides
from handraise.imports.tests.importing import run, write

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

BLNS = Path(__file__).resolve().parents[3] / "tests" / "data" / "blns.json"

HUBSPOT = (
    "Record ID,First Name,Last Name,Email,Phone Number,Company Name,Job Title,Create Date,"
    "Lifecycle Stage\n"
    "101,Ada,Lovelace,ADA@Example.com,020 7946 0000,Analytical Engines,Director,"
    "2021-03-04 10:00,customer\n"
    "102,Grace,Hopper,grace@example.com,,US Navy,,2020-01-02,lead\n"
)
PIPEDRIVE = (
    "Person - Name,Person - Organization,Person - Email - Work,Person - Email - Home,"
    "Person - Phone - Mobile,Person - Person created\n"
    "Alan Turing,Bletchley Park,alan@bletchley.example,alan@home.example,07700 900123,"
    "2019-06-23 09:15:00\n"
)
GOOGLE = (
    "First Name,Middle Name,Last Name,Organization Name,Organization Title,E-mail 1 - Label,"
    "E-mail 1 - Value,Phone 1 - Label,Phone 1 - Value,Notes\n"
    "Katherine,G.,Johnson,NASA,Mathematician,* Work,kj@nasa.example ::: k@home.example,"
    "Mobile,+1 202 555 0143,Orbits\n"
)
MAILCHIMP = (
    "Email Address,First Name,Last Name,Address,Phone Number,OPTIN_TIME,MEMBER_RATING\n"
    "hedy@lamarr.example,Hedy,Lamarr,,,2018-11-09 12:00:00,4\n"
)
PLAIN = "Full name;E-mail;Mobile;Company\nMary Somerville;mary@example.com;07700 900456;\n"


def people() -> list[tuple]:
    return [
        (
            c.name,
            sorted(c.emails.values_list("email", flat=True)),
            sorted(c.phones.values_list("number", flat=True)),
            c.organisation.name if c.organisation else "",
            c.job_title,
        )
        for c in Contact.objects.order_by("name")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            HUBSPOT,
            [
                (
                    "Ada Lovelace",
                    ["ada@example.com"],
                    ["+442079460000"],
                    "Analytical Engines",
                    "Director",
                ),
                ("Grace Hopper", ["grace@example.com"], [], "US Navy", ""),
            ],
        ),
        (
            PIPEDRIVE,
            [
                (
                    "Alan Turing",
                    ["alan@bletchley.example", "alan@home.example"],
                    ["+447700900123"],
                    "Bletchley Park",
                    "",
                )
            ],
        ),
        (
            GOOGLE,
            [
                (
                    "Katherine G. Johnson",
                    ["k@home.example", "kj@nasa.example"],
                    ["+12025550143"],
                    "NASA",
                    "Mathematician",
                )
            ],
        ),
        (MAILCHIMP, [("Hedy Lamarr", ["hedy@lamarr.example"], [], "", "")]),
        (PLAIN, [("Mary Somerville", ["mary@example.com"], ["+447700900456"], "", "")]),
    ],
    ids=["hubspot", "pipedrive", "google contacts", "mailchimp", "plain spreadsheet"],
)
def test_each_common_export_is_read_without_a_mapping(tmp_path, text, expected):
    code, out = run("contacts", str(write(tmp_path, text)))

    assert code == 0, out
    assert people() == expected


def test_the_created_date_in_the_file_becomes_the_contacts(tmp_path):
    run("contacts", str(write(tmp_path, HUBSPOT)))

    ada = Contact.objects.get(name="Ada Lovelace")
    # No zone in the file, so the business's: Europe/London, on GMT in early March.
    assert ada.created_at == datetime(2021, 3, 4, 10, 0, tzinfo=UTC)


def test_a_time_without_a_zone_is_the_businesss_local_time(tmp_path):
    BusinessSettings.objects.filter(pk=1).update(time_zone="America/New_York")
    path = write(tmp_path, "Name,Email,Created\nAnn,ann@example.com,2024-07-01 09:00\n")

    run("contacts", str(path))

    assert Contact.objects.get().created_at == datetime(2024, 7, 1, 13, 0, tzinfo=UTC)


def test_importing_the_same_file_twice_changes_nothing(tmp_path):
    path = write(tmp_path, HUBSPOT + PLAIN.replace(";", ",").split("\n", 1)[1])
    run("contacts", str(path))
    before = people()

    code, out = run("contacts", str(path))

    assert code == 0
    assert people() == before
    assert "0 new, 3 already here" in out


def test_a_person_without_email_or_phone_is_matched_by_the_same_name_and_organisation(tmp_path):
    path = write(tmp_path, "Name,Company\nAnn Lee,Lee & Co\nAnn Lee,Other Ltd\n")
    run("contacts", str(path))
    run("contacts", str(path))

    assert people() == [("Ann Lee", [], [], "Lee & Co", ""), ("Ann Lee", [], [], "Other Ltd", "")]


def test_a_row_that_looks_like_an_existing_person_becomes_a_merge_suggestion_never_a_merge(
    tmp_path,
):
    run("contacts", str(write(tmp_path, "Name,Email,Company\nJonathan Smith,j@a.example,Acme\n")))

    _, out = run(
        "contacts",
        str(write(tmp_path, "Name,Email,Company\nJonathon Smith,js@b.example,Acme\n", "b.csv")),
    )

    assert Contact.objects.count() == 2
    suggestion = MergeSuggestion.objects.get()
    assert {suggestion.contact.name, suggestion.candidate.name} == {
        "Jonathan Smith",
        "Jonathon Smith",
    }
    assert "1 possible duplicate to review" in out


def test_a_dry_run_says_what_would_happen_and_writes_nothing(tmp_path):
    path = write(tmp_path, HUBSPOT + "103,No,Address,not-an-email,,,,,\n")

    code, out = run("contacts", str(path), "--dry-run")

    assert Contact.objects.count() == 0
    assert "would import 2 contacts (2 new" in out
    assert "line 4: 'not-an-email' is not a valid email address" in out
    assert not (tmp_path / "people.rejects.csv").exists()
    assert code == 1


@pytest.fixture(params=["checked here", "checked in a second process"])
def checking(request, monkeypatch):
    """Both ways rows are checked: in the importing process, or (for long files) in a
    second one while the first writes (``batches.run_rows(check_elsewhere=True)``)."""
    if request.param == "checked in a second process":
        monkeypatch.setattr(runner, "CHECK_ELSEWHERE_FROM", 0)
    return request.param


def test_bad_rows_go_to_the_rejects_file_with_line_and_reason_and_the_rest_import(
    tmp_path, checking
):
    text = (
        "Name,Email,Phone,Created\n"
        "Good One,good@example.com,,\n"
        "Bad Mail,=HYPERLINK(x)@,,\n"
        ",,,\n"
        "Bad Phone,,12,\n"
        "Nobody,,,\n"
        ",,,2024-01-01\n"
        "Ambiguous,amb@example.com,,03/04/2024\n"
        "Wide,wide@example.com,,,extra\n"
        "Good Two,two@example.com,,25/12/2023\n"
    )
    path = write(tmp_path, text)

    code, out = run("contacts", str(path))

    assert code == 1
    names = sorted(Contact.objects.values_list("name", flat=True))
    assert names == ["Good One", "Good Two", "Nobody"]
    with (tmp_path / "people.rejects.csv").open(newline="") as rejects:
        rows = list(csv.reader(rejects))
    assert rows[0] == ["line", "reason", "Name", "Email", "Phone", "Created"]
    assert [(row[0], row[2]) for row in rows[1:]] == [
        ("3", "Bad Mail"),
        ("5", "Bad Phone"),
        ("7", ""),
        ("8", "Ambiguous"),
        ("9", "Wide"),
    ]
    reasons = {row[2]: row[1] for row in rows[1:]}
    assert "--date-order" in reasons["Ambiguous"]
    assert "header names 4 columns" in reasons["Wide"]
    assert "no name, email address or phone number" in reasons[""]
    # What a spreadsheet would run as a formula is written as text.
    assert rows[1][3].startswith("'=")
    assert "3 imported" not in out and "imported 3 contacts" in out and "5 rejected" in out


def test_rows_checked_in_a_second_process_are_written_in_order_across_batches(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(runner, "CHECK_ELSEWHERE_FROM", 0)
    bad = {4: "Bad Phone,,12", 700: "Bad Mail,x@,", 1203: "Last Bad,,,too,many"}
    lines = ["Name,Email,Phone"] + [
        bad.get(line, f"Person {line},person{line}@example.com,")  # line 1 is the header
        for line in range(2, 1300)
    ]
    path = write(tmp_path, "\n".join(lines) + "\nPerson 2,PERSON2@example.com,\n")

    code, out = run("contacts", str(path))

    assert code == 1
    assert "imported 1,296 contacts (1,295 new, 1 already here" in out
    with (tmp_path / "people.rejects.csv").open(newline="") as rejects:
        rows = list(csv.reader(rejects))[1:]
    assert [(row[0], row[2]) for row in rows] == [
        ("4", "Bad Phone"),
        ("700", "Bad Mail"),
        ("1203", "Last Bad"),
    ]
    assert "not a valid phone number" in rows[0][1]
    assert "not a valid email address" in rows[1][1]
    assert "header names 3 columns" in rows[2][1]
    assert Contact.objects.filter(name="Person 1299").exists()


def test_date_order_settles_ambiguous_dates(tmp_path):
    path = write(tmp_path, "Name,Email,Created\nAnn,ann@example.com,03/04/2024\n")

    code, _ = run("contacts", str(path), "--date-order", "dmy")

    assert code == 0
    london = ZoneInfo("Europe/London")
    assert Contact.objects.get().created_at == datetime(2024, 4, 3, tzinfo=london)


def test_map_names_a_column_the_aliases_do_not_know(tmp_path):
    path = write(tmp_path, "Who,Where to write\nAnn Lee,ann@example.com\n")

    code, _ = run("contacts", str(path), "--map", "Who=name", "--map", "where to write=email")

    assert code == 0
    assert people() == [("Ann Lee", ["ann@example.com"], [], "", "")]


@pytest.mark.parametrize(
    ("pairs", "says"),
    [
        (["Who=colour"], "colour, which is not a field here"),
        (["Nope=name"], "a column the file does not have: nope"),
        (["Who"], 'should look like --map "Their column=email"'),
    ],
)
def test_a_wrong_map_is_refused_with_what_to_write_instead(pairs, says):
    with pytest.raises(MappingError, match=says):
        map_columns(["Who"], CONTACT_ALIASES, parse_overrides(pairs))


def test_a_file_without_any_column_we_know_says_how_to_map_one(tmp_path):
    path = write(tmp_path, "Colour,Size\nred,big\n")

    with pytest.raises(CommandError, match="no column holds a name, email or phone"):
        run("contacts", str(path))


def test_a_kind_we_do_not_have_says_which_we_do(tmp_path):
    with pytest.raises(CommandError, match="'invoices' is not a kind of file; choose from"):
        run("invoices", str(write(tmp_path, PLAIN)))


def test_duplicate_email_columns_are_all_kept_and_a_second_name_column_is_ignored(tmp_path):
    path = write(tmp_path, "Name,Email,Name,Email\nAnn Lee,a@x.example,Someone Else,b@x.example\n")

    code, out = run("contacts", str(path))

    assert code == 0
    assert people() == [("Ann Lee", ["a@x.example", "b@x.example"], [], "", "")]
    assert "Not imported: Name" in out


def test_the_naughty_strings_come_back_intact_as_names(tmp_path):
    # A name is one line of at most 200 characters; the cleaning every edge applies
    # (core.text) turns line breaks into spaces and unstorable characters into U+FFFD.
    names = [clean_text(s[:200]).strip() for s in json.loads(BLNS.read_text())]
    names = [name for name in names if name]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Name", "Email"])
    for i, name in enumerate(names):
        writer.writerow([name, f"n{i}@example.com"])
    path = write(tmp_path, buffer.getvalue())

    code, _ = run("contacts", str(path))

    stored = dict(ContactEmail.objects.values_list("email", "contact__name"))
    assert code == 0
    assert [stored[f"n{i}@example.com"] for i in range(len(names))] == names


def test_phones_shared_with_an_existing_contact_are_not_duplicated(tmp_path):
    run("contacts", str(write(tmp_path, "Name,Phone\nReception,020 7946 0000\n")))
    run("contacts", str(write(tmp_path, "Name,Phone\nReception,+44 20 7946 0000\n", "b.csv")))

    assert ContactPhone.objects.count() == 1


def test_a_later_file_fills_blanks_but_never_overwrites_what_is_here(tmp_path):
    run(
        "contacts",
        str(
            write(tmp_path, "Name,Email,Job title,Created\nAnn,ann@x.example,Director,2022-05-01\n")
        ),
    )

    run(
        "contacts",
        str(
            write(
                tmp_path,
                "Name,Email,Job title,Notes,Created\n"
                "Ann,ann@x.example,CEO,Met at a fair,2020-01-01\n",
                "later.csv",
            )
        ),
    )

    ann = Contact.objects.get()
    assert (ann.job_title, ann.notes) == ("Director", "Met at a fair")
    assert ann.created_at.date().isoformat() == "2020-01-01"  # the earliest date is history's
