"""An import whose worker dies half-way shows it, and running it again adds the rest
and nobody twice.

The job is made as the Import page makes it (``jobs.receive_upload``, then
``jobs.start_job``) in the child's own database, and ``handraise worker`` runs
it. Once its progress shows rows done the worker is either killed outright
(SIGKILL: the job is shown as interrupted once its heartbeat is stale) or told
twice to stop (SIGTERM, SIGTERM: the job says at once that it was stopped).
"""

import json
import signal
import subprocess
import sys
import time

import pytest

from tests.processes import Served, handraise_json, post_json, run_handraise, wait_for
from tests.test_faults import acknowledgements_per_enquirer, submission

pytestmark = pytest.mark.fault

ROWS = 20_000  # seconds of work even on a fast machine, so the kill lands mid-import


def make_job(rows: int = ROWS) -> str:
    return f"""
from django.core.files.uploadedfile import SimpleUploadedFile
from handraise.imports import jobs
rows = "".join(f"Person {{n}},person{{n}}@example.com\\n" for n in range({rows}))
upload = SimpleUploadedFile("people.csv", ("Name,Email\\n" + rows).encode())
job = jobs.receive_upload(user=None, kind="contacts", upload=upload)
jobs.start_job(job=job, overrides=[], date_order="", dry_run=False, origin="")
print(job.pk)
"""


STATE = """
import json
from handraise.contacts.models import Contact
from handraise.imports.models import ImportJob
from handraise.imports.selectors import job_state
job = ImportJob.objects.get()
state = job_state(job)
print(json.dumps({"status": job.status, "rows_done": job.rows_done,
    "interrupted": state.interrupted, "can_run_again": state.can_run_again,
    "contacts": Contact.objects.count(), "summary": job.summary, "error": job.error}))
"""


def state(env: dict) -> dict:
    return handraise_json(env, STATE)


def start_import_and_worker(env: dict) -> subprocess.Popen:
    assert run_handraise(env, "migrate", "-v0").returncode == 0
    made = run_handraise(env, "shell", "-v0", "-c", make_job())
    assert made.returncode == 0, made.stderr
    worker = subprocess.Popen(
        [sys.executable, "-m", "handraise", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    running = wait_for(lambda: state(env)["rows_done"] > 0, timeout=120, interval=0.1)
    if not running:
        worker.kill()
        worker.wait()
    assert running, state(env)
    return worker


def run_it_again(env: dict, stopped: dict) -> None:
    again = handraise_json(
        env,
        "from handraise.imports import jobs\n"
        "from handraise.imports.models import ImportJob\n"
        "print(int(jobs.run_again(job=ImportJob.objects.get())))",
    )
    ran = run_handraise(env, "worker", "--batch", timeout=300)
    finished = state(env)

    assert again == 1
    assert ran.returncode == 0, ran.stderr
    assert finished["status"] == "done", json.dumps(finished)
    assert finished["contacts"] == ROWS
    assert f"{ROWS:,} contacts ({ROWS - stopped['contacts']:,} new" in finished["summary"]


def test_a_killed_import_is_interrupted_and_running_it_again_adds_nobody_twice(handraise_env):
    env = {**handraise_env, "HANDRAISE_IMPORT_STALLED_AFTER": "3"}
    worker = start_import_and_worker(env)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    time.sleep(4)  # past HANDRAISE_IMPORT_STALLED_AFTER

    killed = state(env)

    assert killed["status"] == "running" and killed["interrupted"], killed
    assert killed["can_run_again"] and killed["contacts"] < ROWS, killed
    run_it_again(env, killed)


def test_an_import_whose_worker_is_told_twice_to_stop_says_so_at_once(handraise_env):
    worker = start_import_and_worker(handraise_env)
    # The first SIGTERM stops the import between two rows (its batch rolled back), the
    # second ends the worker at once: either way the job says it was stopped.
    worker.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    worker.send_signal(signal.SIGTERM)
    worker.wait(timeout=60)

    stopped = state(handraise_env)

    assert stopped["status"] == "failed", stopped
    assert stopped["error"] == "The worker was stopped during the import.", stopped
    assert stopped["can_run_again"] and stopped["contacts"] < ROWS, stopped
    run_it_again(handraise_env, stopped)


def test_a_long_import_never_holds_up_an_acknowledgement(handraise_env, mail_server):
    env = {**handraise_env, "HANDRAISE_EMAIL_URL": mail_server.url}
    assert run_handraise(env, "migrate", "-v0").returncode == 0
    # Long enough that the import is surely still going when the acknowledgement is out.
    assert run_handraise(env, "shell", "-v0", "-c", make_job(100_000)).returncode == 0
    with Served(env, worker=True) as server:
        running = wait_for(lambda: state(env)["rows_done"] > 0, timeout=120, interval=0.1)
        assert running, state(env)
        status, _ = post_json(f"{server.url}/f/contact/", submission(1))
        acknowledged = wait_for(
            lambda: acknowledgements_per_enquirer(mail_server), timeout=60, interval=0.1
        )
        during = state(env)
        finished = wait_for(lambda: state(env)["status"] == "done", timeout=300, interval=0.5)
    assert status == 201 and acknowledged == {"person1@example.com": 1}
    # The acknowledgement went out while the import was still going, not after it.
    assert during["status"] == "running" and during["contacts"] < 100_000, during
    assert finished
