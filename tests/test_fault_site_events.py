"""The site script's promise under a kill: every event ``POST /t/`` answered 204 is in
the database after ``handraise serve`` and its web servers are killed mid-burst
(SIGKILL, no chance to flush anything), on SQLite and PostgreSQL alike."""

import http.client
import json
import secrets
import signal
import threading

import pytest

from tests.processes import Served, handraise_json, run_handraise, wait_for

pytestmark = pytest.mark.fault

SITE = "https://www.acme-studio.example"
BROWSER = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
STORED_IDS = (
    "import json\n"
    "from handraise.marketing.models import Touchpoint\n"
    "print(json.dumps(list(Touchpoint.objects.exclude(event_id=None)"
    ".values_list('event_id', flat=True))))\n"
)


@pytest.fixture
def fault_env(handraise_env):
    handraise_env["HANDRAISE_TRACK_RATE_LIMIT"] = "100000000/m"
    migrated = run_handraise(handraise_env, "migrate", "-v0")
    assert migrated.returncode == 0, migrated.stderr
    registered = run_handraise(
        handraise_env,
        "shell",
        "-v0",
        "-c",
        "from handraise.accounts.services import update_website_addresses\n"
        f"update_website_addresses(addresses={SITE!r})\n",
    )
    assert registered.returncode == 0, registered.stderr
    return handraise_env


def send_until_refused(port: int, answered: list[str], lock: threading.Lock) -> None:
    """Events back to back on one keep-alive connection until the server is gone."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        while True:
            event_id = secrets.token_urlsafe(16)
            body = {"id": event_id, "visitor": secrets.token_hex(16), "url": f"{SITE}/blog/a"}
            connection.request(
                "POST",
                "/t/",
                body=json.dumps(body),
                headers={"Origin": SITE, "User-Agent": BROWSER, "Content-Type": "text/plain"},
            )
            response = connection.getresponse()
            response.read()
            if response.status != 204:
                return
            with lock:
                answered.append(event_id)
    except (OSError, http.client.HTTPException):
        return  # the kill: what was answered before it is what counts
    finally:
        connection.close()


def test_every_event_answered_before_a_kill_is_stored(fault_env):
    answered: list[str] = []
    lock = threading.Lock()
    with Served(fault_env) as server:
        clients = [
            threading.Thread(target=send_until_refused, args=(server.port, answered, lock))
            for _ in range(8)
        ]
        for client in clients:
            client.start()
        wait_for(lambda: len(answered) >= 400, timeout=120, interval=0.01)
        server.kill(signal.SIGKILL)  # the whole process group, web servers included
        for client in clients:
            client.join(timeout=60)
    stored = set(handraise_json(fault_env, STORED_IDS))
    assert len(answered) >= 400
    missing = set(answered) - stored
    assert not missing, f"{len(missing)} of {len(answered)} answered events were lost"
