"""Running ``handraise`` as a child process, the way a user runs it."""

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from urllib.parse import urlsplit


def run_handraise(env: dict, *args: str, input: str | None = None, timeout: float = 120):
    return subprocess.run(
        [sys.executable, "-m", "handraise", *args],
        env=env,
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Served:
    """``handraise serve`` running in its own process group, stopped on exit.

    It knows its own address (HANDRAISE_BASE_URL), as a real deployment does, so
    the snippets and links it hands out point back at it.
    """

    def __init__(self, env: dict, *, worker: bool = False, timeout: float = 90):
        self.port = free_port()
        env = {**env, "HANDRAISE_BASE_URL": f"http://127.0.0.1:{self.port}"}
        # A log file, not a pipe: a full pipe would stall the server mid-burst.
        self.log = tempfile.NamedTemporaryFile("w+", prefix="serve-", suffix=".log")  # noqa: SIM115
        args = [sys.executable, "-m", "handraise", "serve", "--bind", f"127.0.0.1:{self.port}"]
        if not worker:
            args.append("--no-worker")
        self.process = subprocess.Popen(
            args,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"serve exited early:\n{self.output()}")
            try:
                urllib.request.urlopen(f"{self.url}/login/", timeout=5)
                return
            except OSError:
                time.sleep(0.2)
        self.kill()
        raise RuntimeError("serve did not answer in time")

    def output(self) -> str:
        self.log.flush()
        return open(self.log.name).read()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self, sig=None) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig or signal.SIGKILL)
        self.process.wait(timeout=30)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        try:
            self.kill(signal.SIGTERM)
        except subprocess.TimeoutExpired:
            self.kill()


def post_json(url: str, body: dict, *, headers: dict | None = None, timeout: float = 30):
    """POST JSON with the standard library; returns (status, parsed body or None)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request(
            "POST",
            parts.path,
            body=json.dumps(body),
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        response = connection.getresponse()
        raw = response.read()
        try:
            return response.status, json.loads(raw)
        except ValueError:
            return response.status, None
    finally:
        connection.close()


def handraise_json(env: dict, code: str):
    """Run Python in ``handraise shell`` and return what it printed as JSON."""

    result = run_handraise(env, "shell", "-v0", "-c", code)
    if result.returncode != 0:
        raise RuntimeError(result.stderr)
    return json.loads(result.stdout.strip().splitlines()[-1])


class TcpProxy:
    """A loopback TCP forwarder the test can cut and restore: the database "goes away"
    for the processes behind it, while the suite's own connection is untouched."""

    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1"):
        self.upstream = (upstream_host, upstream_port)
        self.port = free_port()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self.restore()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        """Refuse new connections and drop the open ones, as a dead server would."""
        with self._lock:
            listener, self._listener = self._listener, None
            sockets, self._sockets = self._sockets, []
        if listener:
            # shutdown() wakes the thread blocked in accept(); close() alone would not,
            # and the port would go on accepting connections.
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def child_processes(pid: int) -> dict[int, str]:
    """The direct children of process ``pid`` (pid -> command line), read from /proc."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                # The command name in parentheses may hold spaces; the parent pid follows it.
                parent = int(stat.read().rpartition(")")[2].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                command = cmdline.read().replace(b"\0", b" ").decode().strip()
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        if parent == pid:
            children[int(entry)] = command
    return children


def wait_for(condition, *, timeout: float, interval: float = 0.2):
    """Call ``condition`` until it returns something true, or until ``timeout``; return it."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(interval)
