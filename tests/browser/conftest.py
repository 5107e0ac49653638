"""Fixtures for real-browser journeys: Chromium driven by Playwright, black-box.

Each journey gets its own ``handraise serve`` (web server plus worker) on the
test's scratch database, a real SMTP server, a "customer's website" on another
loopback port (another origin), and Chromium contexts for the owner and the
prospect. Screenshots of every step land in ``test-artifacts/browser/<test>/``;
the folder is printed at the end of the run.

The test process never opens the server's database itself: browsers talk HTTP,
and setup and row counts go through the ``handraise`` command, as an admin's would.
"""

import contextlib
import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests import processes
from tests.browser.people import OWNER
from tests.browser.site import CustomerSite

try:
    from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    if os.environ.get("CI"):
        raise  # CI must run the journeys, never skip them silently
    MISSING = "playwright is not installed (.venv/bin/pip install playwright==1.65.2)"
    collect_ignore_glob = ["test_*.py"]
else:
    MISSING = ""

# Generous: on a busy CI machine the worker may take seconds to turn a post into an enquiry.
TIMEOUT_MS = 15_000
if not MISSING:
    expect.set_options(timeout=TIMEOUT_MS)

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts" / "browser"
CHROMIUM = Path(os.environ.get("HANDRAISE_TEST_CHROMIUM", "/usr/bin/chromium"))
# Without the background-networking flags Chromium dials out at start-up, and this
# machine's closed network refuses it; the rest keep a headless run quiet and stable.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

_used_folders: list[Path] = []


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so fixtures can tell a failed test."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def pytest_terminal_summary(terminalreporter):
    if MISSING:
        terminalreporter.write_line(f"!! browser journeys were NOT run: {MISSING}", yellow=True)
    elif _used_folders:
        from django.conf import settings

        engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        terminalreporter.section("browser journeys")
        terminalreporter.write_line(f"database: {engine}, a scratch database per journey")
        terminalreporter.write_line(f"screenshots: {ARTIFACTS}")
        for folder in _used_folders:
            count = len(list(folder.glob("*.png")))
            terminalreporter.write_line(f"  {folder.relative_to(REPO_ROOT)}  ({count} screenshots)")
        from tests.browser.accessibility import FINDINGS

        if FINDINGS:
            terminalreporter.write_line(f"axe-core findings ({len(FINDINGS)}):")
            for finding in FINDINGS:
                terminalreporter.write_line(f"  {finding}")


@pytest.fixture(scope="module")
def chromium() -> Iterator["Browser"]:
    """One headless Debian Chromium per module.

    Module-scoped on purpose: Playwright's sync API keeps an asyncio loop running in
    this thread while it is started, and Django refuses ORM calls under a running
    loop, so it must be stopped before other modules' database tests run.
    """
    if not CHROMIUM.exists():
        message = f"no Chromium at {CHROMIUM} (set HANDRAISE_TEST_CHROMIUM)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


class Shots:
    """Numbered screenshots of one journey: ``01-login-error.png``, ``02-...``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    def take(self, page: "Page", step: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{step}.png"
        page.screenshot(path=path, full_page=True)
        return path


@pytest.fixture
def shots(request) -> Shots:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
    folder = ARTIFACTS / name
    shutil.rmtree(folder, ignore_errors=True)  # a rerun never mixes old and new steps
    folder.mkdir(parents=True)
    _used_folders.append(folder)
    return Shots(folder)


def _failed(request) -> bool:
    report = getattr(request.node, "report_call", None)
    return report is None or report.failed


@pytest.fixture
def new_context(chromium, shots, request) -> Iterator[Callable[..., "BrowserContext"]]:
    """Make browser contexts (one per person); on failure every open page is photographed."""
    made: list[BrowserContext] = []

    def make(**options) -> "BrowserContext":
        context = chromium.new_context(viewport={"width": 1280, "height": 900}, **options)
        context.set_default_timeout(TIMEOUT_MS)
        made.append(context)
        return context

    yield make
    if _failed(request):
        for context in made:
            for page in context.pages:
                with contextlib.suppress(Exception):
                    shots.take(page, "failure")
    for context in made:
        with contextlib.suppress(Exception):
            context.close()


class Handraise:
    """A served Handraise with its owner, its mail server and its environment."""

    def __init__(self, served: processes.Served, env: dict, mail_server) -> None:
        self.served = served
        self.env = env
        self.mail = mail_server

    @property
    def url(self) -> str:
        return self.served.url

    def shell(self, code: str) -> str:
        """Run Python in ``handraise shell`` against this server's database."""
        result = processes.run_handraise(self.env, "shell", "-v0", "-c", code)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def count(self, model: str) -> int:
        """How many rows a model holds, e.g. ``enquiries.Enquiry``."""
        app, name = model.split(".")
        code = "from django.apps import apps\n"
        code += f"print(apps.get_model({app!r}, {name!r}).objects.count())"
        out = self.shell(code)
        return int(out.strip().splitlines()[-1])


@pytest.fixture
def handraise(handraise_env, mail_server, request) -> Iterator[Handraise]:
    """``handraise serve`` (with its worker) on the test's own database, and an owner."""
    env = handraise_env
    env["HANDRAISE_EMAIL_URL"] = mail_server.url
    env["HANDRAISE_INTAKE_RATE_LIMIT"] = "100000/m"
    with processes.Served(env, worker=True) as served:
        created = processes.run_handraise(
            env,
            "createuser",
            OWNER["username"],
            "--owner",
            "--email",
            OWNER["email"],
            "--password-stdin",
            input=OWNER["password"] + "\n",
        )
        assert created.returncode == 0, created.stderr
        yield Handraise(served, env, mail_server)
        if _failed(request):
            print("---- handraise serve output (last 60 lines) ----")
            print("\n".join(served.output().splitlines()[-60:]))


@pytest.fixture
def customer_site(tmp_path) -> Iterator[CustomerSite]:
    """The customer's own website: static pages on another loopback port."""
    site = CustomerSite(tmp_path / "site")
    try:
        yield site
    finally:
        site.close()
