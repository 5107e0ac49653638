"""``handraise serve``: migrate, then run the web server and a worker together.

The web server is gunicorn (a production WSGI server, not ``runserver``) and the
worker is ``handraise worker``, each its own child process. This command
supervises them: Ctrl-C or SIGTERM stops both cleanly, and if either dies the
other is stopped too, so a half-running Handraise never goes unnoticed.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.utils import OperationalError

from handraise.accounts.services import ensure_demo_login
from handraise.contacts.models import Contact

STOP_TIMEOUT = 15


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
            help="gunicorn worker processes (HANDRAISE_WEB_WORKERS, default 2).",
        )
        parser.add_argument(
            "--demo", action="store_true", help="Load demo data first if the database is empty."
        )
        parser.add_argument("--no-worker", action="store_true", help="Serve the web app only.")

    def handle(self, *args, bind, web_workers, demo, no_worker, **options):
        host, port = parse_bind(bind)
        ensure_port_free(host, port)
        try:
            connection.ensure_connection()
        except OperationalError as error:
            raise CommandError(f"cannot reach the database: {first_line(error)}") from None

        self.stdout.write("Applying database migrations...")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        if demo:
            self.load_demo()

        mismatch = base_url_mismatch(settings.BASE_URL, port)
        children = {"web": self.start_web(bind, web_workers)}
        if not no_worker:
            children["worker"] = subprocess.Popen([sys.executable, "-m", "handraise", "worker"])
        shown_host = "127.0.0.1" if host in {"0.0.0.0", "::"} else host  # noqa: S104
        self.stdout.write(f"Handraise is running at http://{shown_host}:{port}/ (Ctrl-C stops it)")
        if mismatch:
            self.stderr.write(mismatch)
        self.supervise(children)

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

    def start_web(self, bind: str, workers: int) -> subprocess.Popen:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "handraise.wsgi:application",
                "--bind",
                bind,
                "--workers",
                str(workers),
                "--threads",
                "4",
                "--graceful-timeout",
                "10",
                "--access-logfile",
                "-",
                "--error-logfile",
                "-",
                # Two Handraise instances on one machine must not share a control socket.
                "--no-control-socket",
            ]
        )

    def supervise(self, children: dict[str, subprocess.Popen]) -> None:
        stopping = False

        def request_stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)

        failed = None
        while not stopping and failed is None:
            for name, child in children.items():
                if child.poll() is not None:
                    failed = (name, child.returncode)
                    break
            else:
                time.sleep(0.2)

        self.stdout.write("Stopping Handraise...")
        for child in children.values():
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        if failed:
            name, code = failed
            raise CommandError(f"the {name} process stopped unexpectedly (exit code {code})")
        self.stdout.write("Stopped.")


def parse_bind(bind: str) -> tuple[str, int]:
    host, _, port = bind.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise CommandError(f"--bind {bind!r} is not host:port, e.g. 127.0.0.1:8000")
    return host, int(port)


def ensure_port_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise CommandError(
                f"cannot listen on {host}:{port} ({error.strerror}); "
                "stop what uses it or pass --bind with another port"
            ) from None


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
