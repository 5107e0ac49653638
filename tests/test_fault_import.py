"""An import running while prospects submit the web form: every hand-raise is kept.

The import writes in batches, each one transaction; a submission arriving
meanwhile waits for one batch at most, or is spooled to disk if the database
stays busy, and is processed afterwards. Some of the people submitting are in
the file too: they end up as one contact each, whichever came first.
"""

import csv
import subprocess
import sys

import pytest

from tests.processes import Served, handraise_json, post_json
from tests.test_faults import SUBMISSION_IDS, drain, submission

pytestmark = pytest.mark.fault

ROWS = 6000
SUBMISSIONS = 200


def contacts_for(submitted: int) -> str:
    """Code for ``handraise shell``: how many contacts, and how many hold a submitter's email."""
    return f"""
import json
from handraise.contacts.models import Contact, ContactEmail
emails = [f"person{{i}}@example.com" for i in range({submitted})]
print(json.dumps({{
    "contacts": Contact.objects.count(),
    "submitters": ContactEmail.objects.filter(email__in=emails).count(),
    "submitters_contacts": ContactEmail.objects.filter(email__in=emails)
        .values("contact").distinct().count(),
}}))
"""


def write_file(path) -> None:
    """ROWS people; every tenth of the first submitters is in the file too."""
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["Full name", "E-mail", "Mobile", "Company"])
        for n in range(ROWS):
            email = f"person{n}@example.com" if n < SUBMISSIONS and n % 10 == 0 else ""
            writer.writerow(
                [f"Imported {n}", email or f"imported{n}@example.org", "", f"Firm {n % 50}"]
            )


def test_an_import_during_a_burst_of_submissions_loses_none_of_them(
    handraise_env, mail_server, tmp_path
):
    handraise_env["HANDRAISE_INTAKE_RATE_LIMIT"] = "100000/m"
    handraise_env["HANDRAISE_EMAIL_URL"] = mail_server.url
    path = tmp_path / "people.csv"
    write_file(path)
    # With its worker, so submitters are resolved while the import resolves its rows.
    with Served(handraise_env, worker=True) as server:
        importer = subprocess.Popen(
            [sys.executable, "-m", "handraise", "import", "contacts", str(path)],
            env=handraise_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        # Submissions all the while the import runs, and at least SUBMISSIONS of them.
        answers = []
        while importer.poll() is None or len(answers) < SUBMISSIONS:
            answers.append(post_json(f"{server.url}/f/contact/", submission(len(answers))))
        output = server.output()
    printed = importer.stdout.read()
    assert importer.returncode == 0, printed
    assert f"imported {ROWS:,} contacts" in printed
    assert [status for status, _ in answers] == [201] * len(answers), output
    drain(handraise_env)  # the spooled and queued submissions, processed
    stored = handraise_json(handraise_env, SUBMISSION_IDS)
    assert stored["unprocessed"] == 0
    assert {body["id"] for _, body in answers} == set(stored["ids"])
    people = handraise_json(handraise_env, contacts_for(len(answers)))
    # Each submitter is one contact, also the twenty who were in the file as well.
    assert people["submitters"] == people["submitters_contacts"] == len(answers)
    assert people["contacts"] == ROWS + len(answers) - SUBMISSIONS // 10
