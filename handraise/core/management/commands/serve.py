"""``handraise serve``: migrate, then run the web server and a worker together.

The web server is waitress (a production WSGI server, not ``runserver``) and the
worker is ``handraise worker``, each its own child process. This command binds
the port itself and supervises both: a child that dies is started again and
the restart is reported in one line, with a back-off (1 s doubling to 30 s, back
to 1 s once it has run for a minute) so a child that keeps dying does not spin.
The web server never depends on the worker: intake goes on answering while the
worker is down, and connections wait in the socket's queue while the web server
restarts. Ctrl-C or SIGTERM stops both cleanly.

Why waitress: it reads each request, headers and body, in its event loop before
a thread runs Django, and closes a connection that sends nothing for
``CHANNEL_TIMEOUT`` seconds, so slow or stalled clients cannot tie up the
threads that answer the next prospect (gunicorn's threaded worker read bodies in
those threads with no timeout). It writes no access log, so this module adds
one line per request. Waitress runs in one process; ``serve`` starts
``--web-workers`` of them on the one listening socket (the kernel hands each
connection to one), each with ``WEB_THREADS`` threads, so the GIL does not cap
the server at one core.
"""

import argparse
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import waitress
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.db.utils import OperationalError

from handraise.accounts.services import ensure_demo_login
from handraise.contacts.models import Contact

STOP_TIMEOUT = 15
RESTART_FIRST = 1.0  # seconds before a dead child is started again
RESTART_MAX = 30.0
RESTART_RESET_AFTER = 60.0  # a child that ran this long before dying starts the back-off anew
# A connection that sends or receives nothing for this long is closed: a stalled
# client costs a socket for seconds, never a thread.
CHANNEL_TIMEOUT = 10
CONNECTION_LIMIT = 1000
MAX_HEADER_BYTES = 64 * 1024
WEB_THREADS = 4  # per web server process: Django views run in these


class Command(BaseCommand):
    help = "Migrate, then serve the web app and run the worker (--demo loads demo data)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--bind",
            default=os.environ.get("HANDRAISE_BIND", "127.0.0.1:8000"),
            help="host:port to listen on (HANDRAISE_BIND, default 127.0.0.1:8000).",
        )
        parser.add_argument(
            "--web-workers",
            type=int,
            default=int(os.environ.get("HANDRAISE_WEB_WORKERS", "2")),
            help=(
                f"web server processes, {WEB_THREADS} threads each "
                "(HANDRAISE_WEB_WORKERS, default 2)."
            ),
        )
        parser.add_argument(
            "--demo", action="store_true", help="Load demo data first if the database is empty."
        )
        parser.add_argument("--no-worker", action="store_true", help="Serve the web app only.")
        # The web server child that serve starts: it serves on the socket it inherits.
        parser.add_argument("--web-process-fd", type=int, help=argparse.SUPPRESS)

    def handle(self, *args, bind, web_workers, demo, no_worker, web_process_fd, **options):
        if web_process_fd is not None:
            run_web_server(socket.socket(fileno=web_process_fd), threads=WEB_THREADS)
            return
        if web_workers < 1:
            raise CommandError(f"--web-workers {web_workers}: at least one web server is needed")
        host, port = parse_bind(bind)
        listener = listen(host, port)
        try:
            connection.ensure_connection()
        except OperationalError as error:
            raise CommandError(f"cannot reach the database: {first_line(error)}") from None

        self.stdout.write("Applying database migrations...")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        if demo:
            self.load_demo()
        # The children open their own connections; an inherited one would be shared.
        connection.close()

        mismatch = base_url_mismatch(settings.BASE_URL, port)
        web = [
            *[sys.executable, "-m", "handraise", "serve", "--bind", bind],
            *["--web-process-fd", str(listener.fileno())],
        ]
        children = [
            Child(
                "web server" if web_workers == 1 else f"web server {number}",
                web,
                pass_fds=(listener.fileno(),),
            )
            for number in range(1, web_workers + 1)
        ]
        if not no_worker:
            children.append(Child("worker", [sys.executable, "-m", "handraise", "worker"]))
        for child in children:
            child.start()
        shown_host = "127.0.0.1" if host in {"0.0.0.0", "::"} else host  # noqa: S104
        self.say(f"Handraise is running at http://{shown_host}:{port}/ (Ctrl-C stops it)")
        if mismatch:
            self.stderr.write(mismatch)
        self.supervise(children)
        listener.close()

    def load_demo(self) -> None:
        if not Contact.objects.exists():
            self.stdout.write("Loading demo data into the empty database...")
            call_command("demo")
        login = ensure_demo_login(settings.DATA_DIR)
        if login:
            self.stdout.write(f"Log in as {login[0]!r} with password {login[1]!r}.")
        else:
            self.stdout.write(
                "The demo user exists but its password file is gone; "
                "set one with 'handraise changepassword demo'."
            )

    def say(self, line: str) -> None:
        # Flushed at once: the restart lines matter most when output goes to a file.
        self.stdout.write(line)
        self.stdout.flush()

    def supervise(self, children: list["Child"]) -> None:
        stopping = False

        def request_stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)

        while not stopping:
            now = time.monotonic()
            for child in children:
                if child.restart_at is not None and now >= child.restart_at:
                    child.start()
                elif child.restart_at is None and child.process.poll() is not None:
                    delay = child.schedule_restart(now)
                    self.say(
                        f"The {child.name} (pid {child.process.pid}) {how_it_ended(child.process)}"
                        f"; restarting it in {delay:.0f} s."
                    )
            time.sleep(0.2)

        self.say("Stopping Handraise...")
        running = [child.process for child in children if child.restart_at is None]
        for process in running:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.say("Stopped.")


@dataclass
class Child:
    """One supervised child process and its restart back-off."""

    name: str
    command: list[str]
    pass_fds: tuple[int, ...] = ()
    process: subprocess.Popen | None = None
    started: float = 0.0
    delay: float = RESTART_FIRST
    restart_at: float | None = field(default=None)

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, pass_fds=self.pass_fds)
        self.started = time.monotonic()
        self.restart_at = None

    def schedule_restart(self, now: float) -> float:
        """When it died: the delay before it starts again (the back-off doubles each time)."""
        if now - self.started >= RESTART_RESET_AFTER:
            self.delay = RESTART_FIRST
        delay, self.delay = self.delay, min(self.delay * 2, RESTART_MAX)
        self.restart_at = now + delay
        return delay


def how_it_ended(process: subprocess.Popen) -> str:
    code = process.returncode
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


def run_web_server(listener: socket.socket, *, threads: int) -> None:
    """Serve Handraise with waitress on an inherited listening socket, until SIGTERM/SIGINT."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = CONNECTION_LIMIT + 100 + 2 * threads
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))
    # SIGTERM unwinds like Ctrl-C: waitress then lets running requests finish.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    waitress.serve(
        AccessLog(get_wsgi_application()),
        sockets=[listener],
        threads=threads,
        channel_timeout=CHANNEL_TIMEOUT,
        cleanup_interval=1,
        connection_limit=CONNECTION_LIMIT,
        asyncore_use_poll=True,  # select() cannot watch more than 1024 sockets
        max_request_header_size=MAX_HEADER_BYTES,
        max_request_body_size=max_request_body_bytes(),
        _quiet=True,
    )


def max_request_body_bytes() -> int:
    """The largest body waitress buffers; a larger one gets 413 before Django sees it.

    Twice the largest upload Handraise accepts (a proposal document, a raw inbound
    email, a CSV file to import), for multipart framing and base64; each view still
    checks its own limit.
    """
    largest = max(
        settings.PROPOSAL_MAX_BYTES,
        settings.IMPORT_MAX_BYTES,
        settings.INBOUND_EMAIL_MAX_BYTES,
        settings.INTAKE_MAX_BYTES,
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0,
    )
    return 2 * largest


class AccessLog:
    """One line per request on stdout (waitress writes none), without the client's address."""

    def __init__(self, application) -> None:
        self.application = application

    def __call__(self, environ, start_response):
        started = time.monotonic()
        status = ["-"]

        def start_and_record(line, headers, exc_info=None):
            status[0] = line.split(" ", 1)[0]
            return start_response(line, headers, exc_info)

        body = self.application(environ, start_and_record)
        return LoggedBody(body, environ, status, started)


class LoggedBody:
    def __init__(self, body, environ: dict, status: list[str], started: float) -> None:
        self.body, self.environ, self.status, self.started = body, environ, status, started
        self.sent = 0

    def __iter__(self):
        for chunk in self.body:
            self.sent += len(chunk)
            yield chunk

    def close(self) -> None:
        try:
            if hasattr(self.body, "close"):
                self.body.close()
        finally:
            environ = self.environ
            target = environ.get("PATH_INFO", "")
            if environ.get("QUERY_STRING"):
                target += "?" + environ["QUERY_STRING"]
            request = f"{environ['REQUEST_METHOD']} {target} {environ['SERVER_PROTOCOL']}"
            stamp = time.strftime("%d/%b/%Y:%H:%M:%S %z")
            elapsed = time.monotonic() - self.started
            print(
                f'[{stamp}] "{request}" {self.status[0]} {self.sent} {elapsed * 1000:.0f}ms',
                flush=True,
            )


def parse_bind(bind: str) -> tuple[str, int]:
    host, _, port = bind.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise CommandError(f"--bind {bind!r} is not host:port, e.g. 127.0.0.1:8000")
    return host, int(port)


def listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound here so that it outlives any web server child."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as error:
        listener.close()
        raise CommandError(
            f"cannot listen on {host}:{port} ({error.strerror}); "
            "stop what uses it or pass --bind with another port"
        ) from None
    listener.listen(1024)
    listener.set_inheritable(True)
    return listener


def base_url_mismatch(base_url: str, port: int) -> str:
    """A warning when emailed links (HANDRAISE_BASE_URL) cannot reach this server.

    Only a local address is judged: behind a proxy, a public BASE_URL rightly
    names another port than the one served here.
    """
    base = urlsplit(base_url)
    if base.hostname not in {"127.0.0.1", "localhost", "::1"}:
        return ""
    if (base.port or {"http": 80, "https": 443}[base.scheme]) == port:
        return ""
    return (
        f"Warning: links in emails point to HANDRAISE_BASE_URL={base_url}, but this "
        f"server listens on port {port}; set HANDRAISE_BASE_URL to the address people use."
    )


def first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
