"""Faults of the web server itself, with real processes: ``handraise serve`` keeps answering.

The worker dying must not take intake with it (serve restarts the worker and says
so); the web server dying is restarted too; and clients that send a request's
headers and part of its body, then nothing, neither hold up the next prospect
nor keep their connection for ever.
"""

import http.client
import os
import signal
import socket
import threading

import pytest

from tests.processes import Served, child_processes, handraise_json, post_json, wait_for
from tests.test_faults import SUBMISSION_IDS, acknowledgements_per_enquirer, submission

pytestmark = pytest.mark.fault

STALLED_REQUEST = (
    b"POST /f/contact/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nname="
)


@pytest.fixture
def fault_env(handraise_env, mail_server):
    handraise_env["HANDRAISE_EMAIL_URL"] = mail_server.url
    handraise_env["HANDRAISE_INTAKE_RATE_LIMIT"] = "100000/m"
    return handraise_env


def child_pids(server: Served, *, worker: bool) -> list[int]:
    """The pids of serve's worker child, or of its other children (the web servers)."""
    return sorted(
        pid
        for pid, line in child_processes(server.process.pid).items()
        if ("-m handraise worker" in line) == worker
    )


def burst(url: str, count: int, *, clients: int = 4, during=None) -> list[tuple[int, dict]]:
    """``count`` JSON submissions from ``clients`` threads; ``during`` runs once a quarter is in."""
    answers: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def client(offset: int) -> None:
        for i in range(offset, count, clients):
            try:
                answer = post_json(f"{url}/f/contact/", submission(i), timeout=30)
            except (OSError, http.client.HTTPException) as error:
                answer = (0, {"error": repr(error)})
            with lock:
                answers.append(answer)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    if during:
        wait_for(lambda: len(answers) >= count // 4, timeout=60, interval=0.01)
        during()
    for thread in threads:
        thread.join()
    return answers


def test_worker_killed_during_a_burst_intake_answers_all_and_the_restarted_worker_acks_once(
    fault_env, mail_server
):
    with Served(fault_env, worker=True) as server:
        workers = wait_for(lambda: child_pids(server, worker=True), timeout=30)
        assert len(workers) == 1, child_processes(server.process.pid)
        worker = workers[0]

        answers = burst(server.url, 200, during=lambda: os.kill(worker, signal.SIGKILL))

        def all_processed_and_acknowledged():
            stored = handraise_json(fault_env, SUBMISSION_IDS)
            acknowledged = acknowledgements_per_enquirer(mail_server)
            return stored["unprocessed"] == 0 and len(acknowledged) == 200 and stored

        stored = wait_for(all_processed_and_acknowledged, timeout=180, interval=1)
        output = server.output()
    assert [status for status, _ in answers] == [201] * 200, [a for a in answers if a[0] != 201]
    assert stored, output
    assert {body["id"] for _, body in answers} == set(stored["ids"])
    per_person = acknowledgements_per_enquirer(mail_server)
    assert len(per_person) == 200 and set(per_person.values()) == {1}
    assert f"The worker (pid {worker}) was killed by SIGKILL; restarting it" in output


def test_web_servers_killed_are_restarted_and_answer_on_the_same_port(fault_env):
    with Served(fault_env) as server:
        webs = child_pids(server, worker=False)
        assert len(webs) == 2, child_processes(server.process.pid)  # two by default
        for web in webs:
            os.kill(web, signal.SIGKILL)
        # Nothing answers until one is back: the connection waits in the socket's queue.
        status, _ = post_json(f"{server.url}/f/contact/", submission(1), timeout=30)
        restarted = wait_for(lambda: len(child_pids(server, worker=False)) == 2, timeout=30)
        now_running = child_pids(server, worker=False)
        output = server.output()
    assert status == 201
    assert restarted and not set(now_running) & set(webs)
    for web in webs:
        assert f"(pid {web}) was killed by SIGKILL; restarting it in 1 s." in output


def test_stalled_clients_neither_hold_up_others_nor_keep_their_connection(fault_env):
    with Served(fault_env) as server:
        stalled = []
        try:
            for _ in range(16):
                held = socket.create_connection(("127.0.0.1", server.port), timeout=5)
                held.sendall(STALLED_REQUEST)  # headers and 5 of 1000 bytes, then nothing
                stalled.append(held)

            page = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
            page.request("GET", "/login/")
            login = page.getresponse()
            status, body = post_json(f"{server.url}/f/contact/", submission(1), timeout=5)

            stalled[0].settimeout(120)
            try:
                closed = stalled[0].recv(1024)  # b"" once the server gave up on it
            except ConnectionResetError:
                closed = b""
        finally:
            for held in stalled:
                held.close()
    assert login.status == 200
    assert status == 201 and body["id"]
    assert b" 200 " not in closed and b" 303 " not in closed  # never taken as a submission
