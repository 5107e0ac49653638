"""Running ``handraise serve`` for a benchmark, exactly as a user runs it.

The server is the real command (migrate, collectstatic, then the web servers with
the process and thread counts ``serve`` chooses, plus the worker unless asked not
to), so the benchmark measures the setup users get rather than a copy of its
flags that could drift. It runs in its own process group with its output in a
log file, and is always stopped when the block ends: SIGTERM first (``serve``
then stops the web servers and the worker cleanly), SIGKILL to the group if that hangs.
"""

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
START_TIMEOUT = 180  # seconds; migrating a fresh PostgreSQL database takes a while
STOP_TIMEOUT = 30


class ServerFailed(Exception):
    pass


@dataclass(frozen=True)
class RunningServer:
    host: str
    port: int
    log: Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def handraise_environment(extra: dict[str, str]) -> dict[str, str]:
    """This process's environment without the caller's Handraise settings, plus ``extra``.

    A HANDRAISE_DATABASE_URL left in the shell must not point a benchmark at a real
    database.
    """
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("HANDRAISE_") and name != "DJANGO_SETTINGS_MODULE"
    }
    environment["PYTHONPATH"] = str(REPO)
    environment.update(extra)
    return environment


@contextmanager
def handraise_serve(
    *, env: dict[str, str], log: Path, settings_module: str, worker: bool
) -> Iterator[RunningServer]:
    port = free_port()
    command = [sys.executable, "-m", "handraise", "serve", "--bind", f"127.0.0.1:{port}"]
    if not worker:
        command.append("--no-worker")
    environment = handraise_environment({**env, "DJANGO_SETTINGS_MODULE": settings_module})
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as output:
        process = subprocess.Popen(
            command,
            cwd=REPO,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # our own process group: Ctrl-C reaches us, not it
        )
    try:
        _wait_until_serving(process, port, log)
        yield RunningServer(host="127.0.0.1", port=port, log=log)
    finally:
        stop_process_group(process)


def _wait_until_serving(process: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerFailed(f"handraise serve exited with {process.returncode}:\n{_tail(log)}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/f/contact/")
            status = connection.getresponse().status
            connection.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise ServerFailed(f"handraise serve did not answer within {START_TIMEOUT} s:\n{_tail(log)}")


def handraise_shell(env: dict[str, str], code: str) -> str:
    """Run Python in ``handraise shell`` on the benchmark's database; what it printed.
    Set-up goes through the product's own services, as an owner's pages would."""
    result = subprocess.run(
        [sys.executable, "-m", "handraise", "shell", "-v0", "-c", code],
        cwd=REPO,
        env=handraise_environment(env),
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def run_child(
    module: str,
    arguments: list[str],
    *,
    env: dict[str, str],
    log: Path,
    progress: Callable[[str], None],
    failure: str,
) -> None:
    """Run ``python -m module arguments`` to its end, each output line to ``log`` and
    ``progress``; raise RuntimeError(failure) if it fails. Used for the long set-ups
    (a million contacts, the demo) that must not share the benchmark's process."""
    log.parent.mkdir(parents=True, exist_ok=True)
    child = subprocess.Popen(
        [sys.executable, "-m", module, *arguments],
        cwd=REPO,
        env=handraise_environment(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        with log.open("a") as copy:
            for line in child.stdout:
                copy.write(line)
                progress(line.rstrip())
        child.wait()
    finally:
        stop_process_group(child)
    if child.returncode != 0:
        raise RuntimeError(f"{failure}; see {log}")


def stop_process_group(process: subprocess.Popen, timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM the child we started, then SIGKILL whatever is left of its process group.

    The child is not reaped until the group is dealt with: while it is a zombie its
    pid (the group id) cannot be reused, so the kill only reaches processes we started.
    """
    if process.returncode is None:
        with suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not _has_exited(process.pid):
            time.sleep(0.1)
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _has_exited(pid: int) -> bool:
    flags = os.WEXITED | os.WNOHANG | os.WNOWAIT  # look, but leave it unreaped
    try:
        return os.waitid(os.P_PID, pid, flags) is not None
    except ChildProcessError:
        return True


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
