"""The Import page: an owner uploads a CSV, checks its columns, and the worker imports it."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from handraise.contacts.models import Contact
from handraise.core.clock import now
from handraise.imports.jobs import Progress
from handraise.imports.models import ImportJob
from handraise.imports.selectors import job_state
from handraise.sales.models import Deal

# The worker runs in this process, closing connections between jobs as it does in
# production: the tests need real transactions, not one rolled back at the end.
pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

HUBSPOT = (
    "Record ID,First Name,Last Name,Email,Phone Number,Company Name,Lifecycle Stage\n"
    "101,Ada,Lovelace,ada@example.com,020 7946 0000,Analytical Engines,customer\n"
    "102,Grace,Hopper,grace@example.com,,US Navy,<script>alert('x')</script>\n"
)
Status = ImportJob.Status


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    """Each test keeps its uploads and rejects in a data dir of its own."""
    settings.DATA_DIR = tmp_path
    return tmp_path


def csv_file(text: str, name: str = "hubspot-contacts.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def upload(client, text: str = HUBSPOT, *, kind: str = "contacts", name="hubspot-contacts.csv"):
    return client.post(reverse("import-page"), {"kind": kind, "file": csv_file(text, name)})


def uploaded(client, text: str = HUBSPOT, **options) -> ImportJob:
    response = upload(client, text, **options)
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportJob.objects.get()


def start(client, job: ImportJob, form: dict) -> None:
    response = client.post(reverse("import-job", args=[job.pk]), form)
    assert response.status_code == 302, response.content.decode()[:3000]


def detected(client, job: ImportJob) -> dict:
    """The columns form as first shown: every select at what the aliases found."""
    page = client.get(reverse("import-job", args=[job.pk]))
    form = page.context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.pop("dry_run")
    return data


def run_worker() -> None:
    call_command("worker", "--batch", verbosity=0)


def test_the_import_page_is_for_owners_only(teammate_client, owner_client):
    job = uploaded(owner_client)

    assert teammate_client.get(reverse("import-page")).status_code == 403
    assert upload(teammate_client).status_code == 403
    for name in ("import-job", "import-job-rejects", "import-job-progress"):
        assert teammate_client.get(reverse(name, args=[job.pk])).status_code == 403
    assert teammate_client.post(reverse("import-job", args=[job.pk]), {}).status_code == 403
    assert ImportJob.objects.count() == 1


def test_owners_find_the_import_page_in_the_navigation(owner_client, teammate_client):
    link = f'href="{reverse("import-page")}"'

    assert link in owner_client.get(reverse("home")).content.decode()
    assert link not in teammate_client.get(reverse("home")).content.decode()


def test_an_upload_shows_each_column_as_it_will_be_read_with_the_first_rows_escaped(
    owner_client,
):
    job = uploaded(owner_client)

    page = owner_client.get(reverse("import-job", args=[job.pk]))

    html = page.content.decode()
    form = page.context["form"]
    assert page.status_code == 200
    assert form["column_1"].value() == "first_name"
    assert form["column_3"].value() == "email"
    assert form["column_5"].value() == "organisation"
    assert form["column_6"].value() == ""  # Lifecycle Stage: not imported
    assert "Analytical Engines" in html and "grace@example.com" in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "<script>alert" not in html
    assert job.status == Status.UPLOADED and job.rows_total == 2
    assert Contact.objects.count() == 0  # nothing is imported before the owner says so


def test_the_whole_import_runs_in_the_worker_and_the_job_shows_done(owner_client, data_dir):
    job = uploaded(owner_client)
    start(owner_client, job, detected(owner_client, job))
    job.refresh_from_db()
    assert job.status == Status.QUEUED and Contact.objects.count() == 0

    run_worker()

    job.refresh_from_db()
    assert job.status == Status.DONE
    assert job.rows_done == 2 and job.rejected_count == 0
    assert job.summary == (
        "hubspot-contacts.csv: imported 2 contacts (2 new, 0 already here, "
        "0 possible duplicates to review, 0 rejected)."
    )
    names = sorted(Contact.objects.values_list("name", flat=True))
    assert names == ["Ada Lovelace", "Grace Hopper"]
    page = owner_client.get(reverse("import-job", args=[job.pk])).content.decode()
    assert "imported 2 contacts" in page
    assert 'max="2" value="2"' in page
    assert job.stored_path == "" and not list(data_dir.glob("imports/*/*.csv"))


def test_a_changed_mapping_is_what_the_worker_imports(owner_client):
    job = uploaded(owner_client)
    form = detected(owner_client, job)
    # Company Name left out; Lifecycle Stage read as the notes.
    form.update(column_5="", column_6="notes")

    start(owner_client, job, form)
    run_worker()

    ada = Contact.objects.get(name="Ada Lovelace")
    assert ada.organisation is None
    assert ada.notes == "customer"


def test_one_field_chosen_for_two_columns_is_refused_on_the_page(owner_client):
    job = uploaded(owner_client)
    form = detected(owner_client, job)
    form.update(column_6="first_name")

    page = owner_client.post(reverse("import-job", args=[job.pk]), form)

    assert page.status_code == 200
    assert "First name can be read from one column only" in page.content.decode()
    job.refresh_from_db()
    assert job.status == Status.UPLOADED


def test_leaving_out_every_needed_column_says_so_and_starts_nothing(owner_client):
    job = uploaded(owner_client)
    form = {name: "" for name in detected(owner_client, job)}

    page = owner_client.post(reverse("import-job", args=[job.pk]), form)

    html = page.content.decode()
    assert page.status_code == 200
    assert "no column holds a name, email or phone" in html
    assert "hubspot-contacts.csv" in html and str(job.stored_path) not in html
    job.refresh_from_db()
    assert job.status == Status.UPLOADED


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is not a text file"),
        (b"", "The submitted file is empty"),
        (b"   \n\n", "is empty"),
        (b"Colour,Size\nred,large\n", "no column holds a name, email or phone"),
    ],
    ids=["binary", "zero-bytes", "blank", "no-needed-column"],
)
def test_a_file_that_cannot_be_imported_gets_its_reason_and_nothing_is_kept(
    owner_client, data_dir, content, reason
):
    response = owner_client.post(
        reverse("import-page"),
        {"kind": "contacts", "file": SimpleUploadedFile("people.csv", content)},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert reason in html
    assert str(data_dir) not in html  # the file is named as the owner knows it
    assert ImportJob.objects.count() == 0
    assert not list(data_dir.glob("imports/*/*"))


def test_a_file_over_the_limit_is_refused_before_it_is_read(owner_client, settings, data_dir):
    settings.IMPORT_MAX_BYTES = 1024

    response = upload(owner_client, HUBSPOT + "103,Alan,Turing,alan@example.com,,,\n" * 3000)

    assert response.status_code == 413
    assert "That file is over 1.0\xa0KB" in response.content.decode()
    assert ImportJob.objects.count() == 0
    assert not list(data_dir.glob("imports/*/*"))


def test_the_rejected_rows_download_with_their_line_and_reason(owner_client):
    text = HUBSPOT + "103,Alan,Turing,not-an-address,,,\n"
    job = uploaded(owner_client, text)
    start(owner_client, job, detected(owner_client, job))
    run_worker()
    job.refresh_from_db()

    response = owner_client.get(reverse("import-job-rejects", args=[job.pk]))

    assert job.rejected_count == 1
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert 'filename="hubspot-contacts.rejects.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["line", "reason", "Record ID"]
    assert rows[1][0] == "4"
    assert "'not-an-address' is not a valid email address" in rows[1][1]
    assert rows[1][2:5] == ["103", "Alan", "Turing"]
    page = owner_client.get(reverse("import-job", args=[job.pk])).content.decode()
    assert "Download the 1 rejected row" in page


def test_a_dry_run_counts_what_would_happen_and_imports_nothing(owner_client):
    job = uploaded(owner_client)
    form = detected(owner_client, job)
    form["dry_run"] = "on"

    start(owner_client, job, form)
    run_worker()

    job.refresh_from_db()
    assert job.status == Status.DONE
    assert "would import 2 contacts" in job.summary
    assert Contact.objects.count() == 0


def test_the_progress_partial_polls_until_the_job_is_done(owner_client):
    job = uploaded(owner_client)
    start(owner_client, job, detected(owner_client, job))
    url = reverse("import-job-progress", args=[job.pk])

    waiting = owner_client.get(url, headers={"HX-Request": "true"}).content.decode()
    run_worker()
    done = owner_client.get(url, headers={"HX-Request": "true"}).content.decode()

    assert 'hx-trigger="every 1s"' in waiting and "Waiting for the worker" in waiting
    assert "<progress" in waiting
    assert "hx-trigger" not in done and "imported 2 contacts" in done


def test_a_job_whose_worker_died_shows_interrupted_and_runs_again(owner_client, settings):
    job = uploaded(owner_client)
    start(owner_client, job, detected(owner_client, job))
    # A worker claimed it, then died: the heartbeat stopped long ago.
    stale = now() - timedelta(seconds=settings.IMPORT_STALLED_AFTER + 5)
    ImportJob.objects.filter(pk=job.pk).update(
        status=Status.RUNNING, started_at=stale, heartbeat_at=stale, rows_done=1
    )

    page = owner_client.get(reverse("import-job", args=[job.pk])).content.decode()
    again = owner_client.post(reverse("import-job-again", args=[job.pk]))
    run_worker()

    assert "Interrupted" in page and "Run it again" in page
    assert again.status_code == 302
    job.refresh_from_db()
    assert job.status == Status.DONE and job.attempts == 1
    assert Contact.objects.count() == 2


def test_a_running_job_cannot_be_started_twice(owner_client):
    job = uploaded(owner_client)
    start(owner_client, job, detected(owner_client, job))
    ImportJob.objects.filter(pk=job.pk).update(status=Status.RUNNING, heartbeat_at=now())

    owner_client.post(reverse("import-job-again", args=[job.pk]))

    job.refresh_from_db()
    assert job.status == Status.RUNNING


def test_the_list_of_past_imports_costs_the_same_few_queries_however_long(
    owner_client, owner, teammate, django_assert_max_num_queries
):
    for i in range(15):
        ImportJob.objects.create(
            user=owner if i % 2 else teammate,
            kind="contacts",
            file_name=f"file-{i}.csv",
            status=Status.DONE,
            summary=f"file-{i}.csv: imported {i} contacts.",
            rows_total=i,
            rows_done=i,
            created_at=now(),
        )

    with django_assert_max_num_queries(6):
        page = owner_client.get(reverse("import-page"))

    assert page.status_code == 200
    assert "file-14.csv: imported 14 contacts." in page.content.decode()


def test_an_upload_nobody_confirmed_is_deleted_after_a_day(owner_client, data_dir):
    job = uploaded(owner_client)
    ImportJob.objects.filter(pk=job.pk).update(created_at=now() - timedelta(days=2))
    fresh = ImportJob.objects.create(kind="contacts", file_name="new.csv", created_at=now())

    call_command("worker", "--batch", verbosity=0)  # periodic jobs run at a batch's start

    assert list(ImportJob.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not list(data_dir.glob("imports/*/*"))


def test_two_columns_with_alike_names_must_be_read_alike(owner_client):
    job = uploaded(owner_client, "Name,Email,E-mail\nAda,ada@example.com,a@example.com\n")
    form = detected(owner_client, job)
    form["column_2"] = ""

    page = owner_client.post(reverse("import-job", args=[job.pk]), form)

    assert "have names too alike to be told apart" in page.content.decode()
    job.refresh_from_db()
    assert job.status == Status.UPLOADED


def test_deals_are_imported_from_the_page_with_the_origin_chosen(owner_client):
    text = (
        "Record ID,Deal Name,Deal Stage,Amount,Create Date,Associated Contact,Contact email\n"
        "9001,Process review,Contract sent,12500,2024-01-10,Ada Lovelace,ada@example.com\n"
    )
    job = uploaded(owner_client, text, kind="deals", name="deals.csv")
    form = detected(owner_client, job)
    assert form["origin"] == Deal.Origin.OUTBOUND
    form["origin"] = Deal.Origin.REFERRAL

    start(owner_client, job, form)
    run_worker()

    job.refresh_from_db()
    assert job.status == Status.DONE, job.error
    deal = Deal.objects.get()
    assert (deal.title, deal.origin, deal.contact.name) == (
        "Process review",
        Deal.Origin.REFERRAL,
        "Ada Lovelace",
    )


def test_a_dry_runs_progress_is_seen_while_it_runs(owner_client):
    job = uploaded(owner_client)
    ImportJob.objects.filter(pk=job.pk).update(
        status=Status.RUNNING, dry_run=True, heartbeat_at=now() - timedelta(hours=1)
    )
    job.refresh_from_db()
    progress = Progress(job)

    progress.tick()
    progress.write()

    state = job_state(job)
    assert state.rows_done == 1 and not state.interrupted
    assert ImportJob.objects.get(pk=job.pk).rows_done == 0  # nothing written to its row


def test_a_file_of_several_megabytes_is_kept_on_disk_and_only_its_start_is_shown(
    owner_client, settings, data_dir
):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # Django's own cut-off plays no part here
    rows = "".join(f"{n},Person {n},,p{n}@example.com,,,\n" for n in range(100_000))
    job = uploaded(owner_client, HUBSPOT + rows)

    page = owner_client.get(reverse("import-job", args=[job.pk]))

    stored = data_dir / job.stored_path
    assert stored.stat().st_size == job.file_size > 3_000_000
    assert job.rows_total == 100_002
    assert page.context["lines"] == [2, 3, 4, 5, 6]
