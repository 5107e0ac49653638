"""The worker outlives the database going away: a held SQLite lock, a PostgreSQL outage.

``handraise worker`` runs as a child process; the test breaks its database for
a few seconds, gives it back, then stores a submission: the worker, still
running, processes it and the acknowledgement reaches the mail server.
"""

import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests.processes import Served, TcpProxy, post_json

pytestmark = pytest.mark.fault

ENGINE = settings.DATABASES["default"]["ENGINE"]


@pytest.fixture
def worker_env(handraise_env, mail_server):
    handraise_env["HANDRAISE_EMAIL_URL"] = mail_server.url
    handraise_env["HANDRAISE_SQLITE_TIMEOUT"] = "1"
    return handraise_env


class WorkerProcess:
    """``handraise worker`` in its own process group, its output in a file."""

    def __init__(self, env: dict):
        self.log = tempfile.NamedTemporaryFile("w+", prefix="worker-", suffix=".log")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "handraise", "worker"],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text()

    def wait_for_output(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output() and time.monotonic() < deadline:
            assert self.process.poll() is None, f"the worker exited:\n{self.output()}"
            time.sleep(0.1)
        assert text in self.output(), self.output()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def submit_and_wait_for_acknowledgement(server: Served, mail_server, worker: WorkerProcess):
    status, _ = post_json(
        f"{server.url}/f/contact/",
        {"name": "Late Person", "email": "late@example.com", "message": "Still there?"},
    )
    assert status == 201
    deadline = time.monotonic() + 60
    while not mail_server.to("late@example.com") and time.monotonic() < deadline:
        assert worker.process.poll() is None, f"the worker exited:\n{worker.output()}"
        time.sleep(0.1)
    assert mail_server.to("late@example.com"), worker.output()


def assert_stops_promptly_on_sigterm(worker: WorkerProcess) -> None:
    worker.process.send_signal(signal.SIGTERM)
    assert worker.process.wait(timeout=15) == 0, worker.output()


@pytest.mark.skipif(ENGINE != "django.db.backends.sqlite3", reason="SQLite's lock")
def test_worker_survives_a_held_sqlite_lock_and_then_processes_a_submission(
    worker_env, mail_server
):
    database = Path(worker_env["HANDRAISE_DATA_DIR"]) / "handraise.sqlite3"
    with Served(worker_env) as server, WorkerProcess(worker_env) as worker:
        worker.wait_for_output("Starting worker", timeout=60)
        locker = sqlite3.connect(database, isolation_level=None)
        locker.execute("BEGIN IMMEDIATE")
        try:
            time.sleep(5)
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        assert worker.process.poll() is None, worker.output()
        assert "Database unavailable" in worker.output()

        submit_and_wait_for_acknowledgement(server, mail_server, worker)
        assert_stops_promptly_on_sigterm(worker)


@pytest.mark.skipif(ENGINE != "django.db.backends.postgresql", reason="a PostgreSQL outage")
def test_worker_survives_a_postgresql_outage_and_then_processes_a_submission(
    worker_env, mail_server
):
    with Served(worker_env) as server:  # straight to the database: it migrates first
        proxy = TcpProxy(int(settings.DATABASES["default"]["PORT"] or 5432))
        real_url = worker_env["HANDRAISE_DATABASE_URL"]
        proxied = {
            **worker_env,
            "HANDRAISE_DATABASE_URL": real_url.replace(":5432/", f":{proxy.port}/"),
        }
        with WorkerProcess(proxied) as worker:
            worker.wait_for_output("Starting worker", timeout=60)
            time.sleep(1)
            proxy.cut()
            worker.wait_for_output("Database unavailable", timeout=30)
            time.sleep(3)
            proxy.restore()
            assert worker.process.poll() is None, worker.output()

            submit_and_wait_for_acknowledgement(server, mail_server, worker)
            assert_stops_promptly_on_sigterm(worker)
