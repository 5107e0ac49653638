"""Faults, with real processes: no submission answered with success is ever lost.

Each test runs ``handraise serve`` (and workers) as separate processes on their
own database, breaks something for real (SIGKILL, a held SQLite lock, the
database's network going away, a worker killed mid-send), then counts: every
submission answered with success is in the database, each enquirer got exactly
one acknowledgement (by Message-ID), nothing is left stuck, and what went wrong
was shown to the owner while it lasted.
"""

import html
import http.client
import http.cookiejar
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings

from tests.processes import Served, TcpProxy, handraise_json, post_json, run_handraise

pytestmark = pytest.mark.fault

SUBMISSION_IDS = (
    "import json; from handraise.enquiries.models import Submission as S;"
    "print(json.dumps({'ids': [str(i) for i in S.objects.values_list('public_id', flat=True)],"
    "'unprocessed': S.objects.exclude(status='processed').count()}))"
)


@pytest.fixture
def fault_env(handraise_env, mail_server):
    handraise_env["HANDRAISE_EMAIL_URL"] = mail_server.url
    handraise_env["HANDRAISE_INTAKE_RATE_LIMIT"] = "100000/m"
    return handraise_env


def submission(i: int) -> dict:
    return {"name": f"Person {i}", "email": f"person{i}@example.com", "message": f"Hello #{i}"}


def drain(env: dict) -> None:
    """Run the worker until the queue is empty: replays the spool, processes, sends."""
    for _ in range(3):  # processing enqueues sends; a second pass sends them
        result = run_handraise(env, "worker", "--batch")
        assert result.returncode == 0, result.stderr


def acknowledgements_per_enquirer(mail_server) -> Counter:
    unique = {
        (str(m["To"]), m["Message-ID"]) for m in mail_server.messages if "Thanks" in m["Subject"]
    }
    return Counter(to for to, _ in unique)


def test_sigkill_during_a_burst_loses_no_answered_submission(fault_env, mail_server):
    answered: list[str] = []
    lock = threading.Lock()
    server = Served(fault_env)

    def client(offset: int) -> None:
        for i in range(offset, offset + 60):
            try:
                status, body = post_json(f"{server.url}/f/contact/", submission(i), timeout=10)
            except (OSError, http.client.HTTPException):
                return  # the server is gone (maybe mid-answer): these were never answered
            if status == 201:
                with lock:
                    answered.append(body["id"])

    threads = [threading.Thread(target=client, args=(n * 1000,)) for n in range(4)]
    for thread in threads:
        thread.start()
    while len(answered) < 40:
        time.sleep(0.01)
    server.kill(signal.SIGKILL)
    for thread in threads:
        thread.join()

    drain(fault_env)
    stored = handraise_json(fault_env, SUBMISSION_IDS)
    assert len(answered) >= 40
    assert set(answered) <= set(stored["ids"])
    assert stored["unprocessed"] == 0
    per_person = acknowledgements_per_enquirer(mail_server)
    assert len(per_person) == len(stored["ids"]) and set(per_person.values()) == {1}


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="SQLite's lock; PostgreSQL's outage is the next test",
)
def test_locked_sqlite_sends_submissions_to_the_spool_and_they_are_replayed_once(
    fault_env, mail_server
):
    database = Path(fault_env["HANDRAISE_DATA_DIR"]) / "handraise.sqlite3"
    with Served(fault_env) as server:
        locker = sqlite3.connect(database, isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
        try:
            results = [post_json(f"{server.url}/f/contact/", submission(i)) for i in range(5)]
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        spooled = list((Path(fault_env["HANDRAISE_DATA_DIR"]) / "spool").glob("*.json"))
    assert [status for status, _ in results] == [201] * 5
    assert len(spooled) == 5

    drain(fault_env)
    drain(fault_env)  # a second replay must not duplicate anything
    stored = handraise_json(fault_env, SUBMISSION_IDS)
    assert sorted(stored["ids"]) == sorted(body["id"] for _, body in results)
    assert not list((Path(fault_env["HANDRAISE_DATA_DIR"]) / "spool").glob("*.json"))
    assert set(acknowledgements_per_enquirer(mail_server).values()) == {1}


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="a PostgreSQL outage",
)
def test_postgresql_outage_during_a_burst_spools_and_replays_exactly_once(fault_env, mail_server):
    real_url = fault_env["HANDRAISE_DATABASE_URL"]
    proxy = TcpProxy(int(settings.DATABASES["default"]["PORT"] or 5432))
    fault_env["HANDRAISE_DATABASE_URL"] = real_url.replace(":5432/", f":{proxy.port}/")
    with Served(fault_env) as server:
        before = [post_json(f"{server.url}/f/contact/", submission(i)) for i in range(3)]
        proxy.cut()
        during = [post_json(f"{server.url}/f/contact/", submission(i)) for i in range(3, 8)]
        proxy.restore()
        after = [post_json(f"{server.url}/f/contact/", submission(i)) for i in range(8, 10)]
    answered = before + during + after
    assert [status for status, _ in answered] == [201] * 10
    assert len(list((Path(fault_env["HANDRAISE_DATA_DIR"]) / "spool").glob("*.json"))) == 5

    fault_env["HANDRAISE_DATABASE_URL"] = real_url
    drain(fault_env)
    stored = handraise_json(fault_env, SUBMISSION_IDS)
    assert sorted(stored["ids"]) == sorted(body["id"] for _, body in answered)
    assert stored["unprocessed"] == 0
    assert set(acknowledgements_per_enquirer(mail_server).values()) == {1}


def test_worker_killed_mid_send_still_yields_exactly_one_acknowledgement(fault_env, mail_server):
    fault_env["HANDRAISE_EMAIL_TIMEOUT"] = "3"
    fault_env["HANDRAISE_EMAIL_STALLED_AFTER"] = "5"
    with Served(fault_env) as server:
        status, _ = post_json(f"{server.url}/f/contact/", submission(1))
    assert status == 201

    mail_server.delay_replies(seconds=3)  # the message arrives; the "250 OK" comes late
    worker = subprocess.Popen(
        [sys.executable, "-m", "handraise", "worker"], env=fault_env, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 60
        while not mail_server.to("person1@example.com") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert mail_server.to("person1@example.com"), "the worker never started sending"
        worker.send_signal(signal.SIGKILL)  # dies before it hears the server's answer
        worker.wait()
    finally:
        if worker.poll() is None:
            worker.kill()
    mail_server.delay_replies(seconds=0)

    time.sleep(6)  # past EMAIL_STALLED_AFTER: the send is now known to be orphaned
    drain(fault_env)
    state = handraise_json(
        fault_env,
        "import json; from handraise.core.models import OutgoingEmail as E;"
        "print(json.dumps(list(E.objects.filter(kind='acknowledgement')"
        ".values_list('status', flat=True))))",
    )
    assert state == ["sent"]
    deliveries = mail_server.to("person1@example.com")
    assert len({m["Message-ID"] for m in deliveries}) == 1  # one acknowledgement
    assert 1 <= len(deliveries) <= 2  # the retry re-sent the same message at most once


class OwnerPages:
    """The owner signed in to a served Handraise, reading pages as a browser would fetch them."""

    def __init__(self, base_url: str, *, username: str, password: str) -> None:
        self.base_url = base_url
        cookies = urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        self.opener = urllib.request.build_opener(cookies)
        login = self.read("/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login).group(1)
        form = {"username": username, "password": password, "csrfmiddlewaretoken": token}
        with self.opener.open(f"{base_url}/login/", data=urlencode(form).encode(), timeout=30):
            pass
        assert "Log out" in self.read("/"), "the owner could not sign in"

    def read(self, path: str) -> str:
        with self.opener.open(f"{self.base_url}{path}", timeout=30) as response:
            return response.read().decode()

    def trouble_notice(self, path: str) -> str:
        """The "Needs attention" notice of a page as text, or "" when there is none."""
        found = re.search(r'<div class="trouble" role="alert">(.*?)</div>', self.read(path), re.S)
        return visible_text(found.group(1)) if found else ""


def visible_text(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def wait_until(condition, *, timeout: float, failure):
    """Poll ``condition`` until it is truthy; past the deadline, fail with ``failure()``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.25)
    raise AssertionError(failure())


OUTBOX_STATE = """
import json
from collections import Counter
from django.db.models import Min
from handraise.core.models import OutgoingEmail as E
from handraise.enquiries.models import Enquiry
acknowledgements = E.objects.filter(kind="acknowledgement")
print(json.dumps({
    "statuses": Counter(E.objects.values_list("status", flat=True)),
    "fewest_attempts": acknowledgements.aggregate(m=Min("attempts"))["m"],
    "enquiries": Enquiry.objects.count(),
}))
"""


def test_smtp_server_down_for_a_while_then_back_sends_each_acknowledgement_once(
    fault_env, mail_server
):
    mail_server.stop()  # nothing listens on the configured port now
    # Retry every 2 s, 40 times: the outage below is far shorter than the 80 s this
    # tolerates, and the server's return is noticed within seconds.
    fault_env["HANDRAISE_EMAIL_RETRY_AFTER"] = ",".join(["2"] * 40)
    owner = {"username": "olive", "password": "plum-orchard-4821"}
    people = 30
    emails = 2 * people  # an acknowledgement each, and the owner told of each enquiry

    with Served(fault_env, worker=True) as server:
        created = run_handraise(
            fault_env,
            "createuser",
            owner["username"],
            "--owner",
            "--email",
            "olive@example.com",
            "--password-stdin",
            input=owner["password"] + "\n",
        )
        assert created.returncode == 0, created.stderr
        answered: list[str] = []
        refused: list[str] = []
        lock = threading.Lock()

        def client(offset: int) -> None:
            for i in range(offset, offset + people // 3):
                try:
                    status, body = post_json(f"{server.url}/f/contact/", submission(i))
                except (OSError, http.client.HTTPException) as error:
                    status, body = error, None
                with lock:
                    if status == 201:
                        answered.append(body["id"])
                    else:
                        refused.append(f"submission {i}: {status} {body}")

        threads = [threading.Thread(target=client, args=(n * 100,)) for n in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert refused == []  # the outage is invisible to the enquirers
        assert len(answered) == people

        pages = OwnerPages(server.url, **owner)
        retrying = f"{emails} emails could not be sent yet and will be retried"
        notice = wait_until(
            lambda: retrying in (text := pages.trouble_notice("/")) and text,
            timeout=90,
            failure=lambda: (
                f"Home never said {retrying!r}; it shows: {pages.trouble_notice('/')!r}"
            ),
        )
        assert notice.startswith("Needs attention:")
        assert "check the mail settings (HANDRAISE_EMAIL_URL)" in notice
        assert retrying in pages.trouble_notice("/inbox/")
        assert mail_server.messages == []

        mail_server.start()  # back, on the same port
        wait_until(
            lambda: (
                len(acknowledgements_per_enquirer(mail_server)) == people
                and not pages.trouble_notice("/")
                and not pages.trouble_notice("/inbox/")
            ),
            timeout=90,
            failure=lambda: (
                f"after the server came back: "
                f"{len(acknowledgements_per_enquirer(mail_server))} of {people} enquirers "
                f"acknowledged; Home still shows {pages.trouble_notice('/')!r}"
            ),
        )
        inbox = visible_text(pages.read("/inbox/"))
        assert f"{people} waiting for a first response, soonest due first." in inbox

    stored = handraise_json(fault_env, SUBMISSION_IDS)
    assert sorted(stored["ids"]) == sorted(answered)
    assert stored["unprocessed"] == 0
    outbox = handraise_json(fault_env, OUTBOX_STATE)
    assert outbox["enquiries"] == people
    assert outbox["statuses"] == {"sent": emails}  # none pending, none failed
    assert outbox["fewest_attempts"] >= 2  # every acknowledgement failed before it went
    per_person = acknowledgements_per_enquirer(mail_server)
    everyone = {f"person{n * 100 + i}@example.com" for n in range(3) for i in range(people // 3)}
    assert per_person == Counter(everyone)  # each enquirer exactly once, by Message-ID
    deliveries = [m for m in mail_server.messages if "Thanks" in m["Subject"]]
    assert len(deliveries) == people  # no acknowledgement delivered twice
    notifications = [m for m in mail_server.messages if "New enquiry from" in m["Subject"]]
    assert len(notifications) == people
