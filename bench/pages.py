"""Benchmark 5, pages: how long the board, Today and a deal page take with a year of demo data.

``handraise demo --scale 100`` fills a scratch database on SQLite and PostgreSQL;
the real ``handraise serve`` serves it, and one signed-in client requests
``/pipeline/``, ``/today/`` and ``/deals/<id>/`` one at a time, shuffled together
with a bare reference page from the same server. The target from issue 5: each
page's p95 under 150 ms, with no query per card.

The loading, the login and the query counts happen in a child process
(``pages_setup.py``), because a process's Django settings point at one database.
Deliberately not measured: concurrent users (this is latency, not throughput),
the browser (static files, scripts, drawing the page) and the worker.
"""

import html
import http.client
import json
import random
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from bench.databases import ScratchDatabase
from bench.options import Run
from bench.pages_setup import PROFILE_REPEATS
from bench.report import Row, Section, Table, milliseconds, times
from bench.servers import handraise_serve, run_child
from bench.stats import Spread, ratio

TARGET_P95 = 0.150
# Its own database: the demo takes minutes to load, and no other benchmark may drop it.
SCRATCH_NAME = "bench_handraise_pages"
WARM_UP_REQUESTS = 10  # per page, plus every sampled deal page once
BOARD, TODAY, DEAL, REFERENCE = "board", "today", "deal", "reference"
TODAY_SECTIONS = ["waiting", "next-steps", "cadence", "stale"]  # the headings Today shows
PAGE_NAMES = {  # no <id>: Markdown would take it for a tag
    BOARD: "board /pipeline/",
    TODAY: "Today /today/",
    DEAL: "deal page /deals/ID/",
    REFERENCE: "bare page (reference)",
}

METHOD = """\
**What it measures.** The time a signed-in user waits for the pipeline board
(`/pipeline/`), Today (`/today/`) and a deal's page (`/deals/<id>/`): from
sending the request to having read the whole HTML answer, on a database filled
by `handraise demo --scale {scale}` (a year of a small consultancy; the counts
are in the notes below each table). The issue's target is a p95 under {target}
for each page on each database, with no query per card.

**Reference.** A bare page in the same server (`bench/reference/`,
`/bench/page/<id>/`): behind the same middleware (session, signed-in user,
business time zone, CSRF, CSP) it reads one deal by primary key and renders a
small template through the same template engine. The ratio is each page's p95
over the reference's p95: what the page adds to the least a signed-in Django
page costs.

**How.** A scratch database per database engine is migrated and filled by the
`demo` command (PostgreSQL is then `VACUUM ANALYZE`d, as autovacuum would do
soon after such a load); the demo owner's login is created with
`ensure_demo_login`. `handraise serve --no-worker` (waitress, {workers}, DEBUG
off, production settings plus the reference view) serves it, and one client
signs in through `/login/` (CSRF token, session cookie), then sends every
request on one keep-alive connection, one at a time. The deal pages timed are
{deals} deals: the {busiest} open deals with the most activities (the longest
timelines) and {random} drawn at random with the run's seed from all other
deals, open or closed; the reference page is asked for the same deals. After a
warm-up ({warm_up} requests per page and every chosen deal once), {requests}
requests per page and {requests} to the reference are sent in one shuffled
order, so a drift in the machine's speed hits all alike. Each answer must be
a 200 showing what a user sees (the signed-in user's name, and every stage's
name on the board, Today's four section headings, the deal's title on its
page); anything else counts as infinitely slow, so a redirect to the login
page can never pass as a fast page.

**Where the time goes.** Outside the timing, a process pointed at the same
database requests each page through Django's test client (same URLs, middleware
and templates; no HTTP, no web server) {repeats} times after one warm-up, with every
statement logged by a `connection.execute_wrapper` and the outermost template
`render` timed; every chosen deal page is profiled, so a query count that grew
with a deal's timeline would show as a range. "Queries" is what one request
sends (the reference's 4 are the session, the user, the business settings and
the deal). Of the median request, "In-process" is the whole time, "SQL" the
time in the driver's execute calls (on SQLite, rows fetched after the first
are not in it), "Templates" the rendering less any query run from a template,
and "Rest" everything else: middleware, the view and selectors, building model
objects. The wrapper adds a little to each query.

**Not measured.** Several users at once (this is latency, not throughput); what
the browser does after the HTML (static files, scripts, drawing); the worker
(not running, so nothing competes with the web processes); the htmx partials
and the filtered list.
"""


def run(run: Run) -> Section:
    sizes = run.sizes
    busiest = (sizes.pages_deals + 1) // 2
    section = Section(
        key="pages",
        title=f"5. Pages with the demo data at --scale {sizes.pages_scale}",
        method=METHOD.format(
            scale=sizes.pages_scale,
            target=milliseconds(TARGET_P95),
            workers="2 processes × 4 threads on one socket, as `serve` starts it",
            deals=sizes.pages_deals,
            busiest=busiest,
            random=sizes.pages_deals - busiest,
            warm_up=WARM_UP_REQUESTS,
            requests=sizes.pages_requests,
            repeats=PROFILE_REPEATS,
        ),
    )
    run.on_each_database(
        section, lambda database: _measure(run, section, database), scratch_name=SCRATCH_NAME
    )
    return section


@dataclass
class Expected:
    """What one answer must show to count: status 200 and each of ``texts``."""

    texts: list[str]


@dataclass
class Timings:
    seconds: dict[str, list[float]] = field(default_factory=dict)
    bytes: dict[str, list[int]] = field(default_factory=dict)
    wrong: dict[str, int] = field(default_factory=dict)  # answers that did not show the page
    first_wrong: str = ""
    reconnects: int = 0


def _measure(run: Run, section: Section, database: ScratchDatabase) -> None:
    sizes, label = run.sizes, database.label
    output = run.work_dir / f"pages-{database.kind}.json"
    run.progress(f"pages on {label}: loading the demo at --scale {sizes.pages_scale}")
    _run_setup(run, database, output)
    setup = json.loads(output.read_text())
    deals = setup["deals"]
    if not deals:
        raise RuntimeError("the demo holds no deals to time")
    user_shown = f'<span class="account-name">{html.escape(setup["username"])}</span>'
    expected = {
        BOARD: Expected(
            [user_shown, "<h1>Pipeline</h1>"]
            + [f">{html.escape(name)}</h2>" for name in setup["stages"]]
        ),
        TODAY: Expected(
            [user_shown, "<h1>Today</h1>"]
            + [f'<h2 id="{section}-heading">' for section in TODAY_SECTIONS]
        ),
    }
    for deal in deals:
        title = f"<h1>{html.escape(deal['title'])}</h1>"
        expected[f"/deals/{deal['pk']}/"] = Expected([user_shown, title])
        expected[f"/bench/page/{deal['pk']}/"] = Expected([user_shown, title])

    rng = random.Random(run.seed)
    plan = [(BOARD, "/pipeline/")] * sizes.pages_requests
    plan += [(TODAY, "/today/")] * sizes.pages_requests
    for index in range(sizes.pages_requests):
        pk = deals[index % len(deals)]["pk"]
        plan += [(DEAL, f"/deals/{pk}/"), (REFERENCE, f"/bench/page/{pk}/")]
    rng.shuffle(plan)
    warm_up = (
        [(BOARD, "/pipeline/")] * WARM_UP_REQUESTS
        + [(TODAY, "/today/")] * WARM_UP_REQUESTS
        + [(DEAL, f"/deals/{deal['pk']}/") for deal in deals]
        + [(REFERENCE, f"/bench/page/{deal['pk']}/") for deal in deals]
    )
    extra = WARM_UP_REQUESTS - len(deals)
    warm_up += [(DEAL, f"/deals/{deals[i % len(deals)]['pk']}/") for i in range(max(0, extra))]
    rng.shuffle(warm_up)

    run.progress(f"pages on {label}: starting handraise serve (no worker)")
    log = run.log_path(f"pages-{database.kind}")
    with handraise_serve(
        env=database.env, log=log, settings_module="bench.settings", worker=False
    ) as server:
        client = SignedInClient(server.host, server.port)
        client.sign_in(setup["username"], setup["password"])
        run.progress(f"pages on {label}: signed in; warming up ({len(warm_up)} requests)")
        _time_requests(client, warm_up, expected, Timings())
        run.progress(f"pages on {label}: timing {len(plan)} requests, one at a time")
        timings = Timings()
        began = time.monotonic()
        _time_requests(client, plan, expected, timings)
        timed_seconds = time.monotonic() - began
        client.close()

    spreads = {page: Spread.of(timings.seconds.get(page, [])) for page in PAGE_NAMES}
    profiles = setup["profiles"]
    deal_profiles = [profiles[f"deal {deal['pk']}"] for deal in deals]
    reference = spreads[REFERENCE]
    rows = []
    for page, name in PAGE_NAMES.items():
        spread = spreads[page]
        if page == DEAL:
            queries = _range(profile["queries"] for profile in deal_profiles)
            profile = sorted(deal_profiles, key=lambda p: p["seconds"])[len(deal_profiles) // 2]
        else:
            profile = profiles[page]
            queries = str(profile["queries"])
        if profile["queries_in_templates"]:
            queries += f" ({profile['queries_in_templates']} from templates)"
        rows.append(
            [
                name,
                f"{spread.count:,}",
                milliseconds(spread.p50),
                milliseconds(spread.p95),
                milliseconds(spread.p99),
                milliseconds(spread.worst),
                "—" if page == REFERENCE else times(ratio(spread.p95, reference.p95)),
                str(spread.failed),
                queries,
                *_where_the_time_goes(profile),
                _kib(_median_of(timings.bytes.get(page, [0]))),
            ]
        )
        if page != REFERENCE:
            section.rows.append(
                Row(
                    benchmark=f"Page p95, {name}",
                    database=label,
                    figure=milliseconds(spread.p95),
                    reference=f"{milliseconds(reference.p95)} (bare page)",
                    ratio=ratio(spread.p95, reference.p95),
                    target=f"p95 < {milliseconds(TARGET_P95)}",
                    passed=spread.p95 < TARGET_P95,
                )
            )
    section.tables.append(
        Table(
            caption=(
                f"{label}: demo at --scale {sizes.pages_scale}, one request at a time "
                f"({sizes.pages_requests} per page)"
            ),
            headers=[
                "Page",
                "Requests",
                "p50",
                "p95",
                "p99",
                "Worst",
                "p95 ÷ ref.",
                "Failed",
                "Queries",
                *PROFILE_HEADERS,
                "HTML",
            ],
            rows=rows,
        )
    )
    section.tables.append(
        Table(
            caption=f"{label}: the deal pages timed",
            headers=["Deal", "Chosen as", "Stage", "Activities", "Queries", *PROFILE_HEADERS],
            rows=[
                [
                    str(deal["pk"]),
                    deal["why"],
                    deal["stage__name"],
                    f"{deal['activity_count']:,}",
                    str(profile["queries"]),
                    *_where_the_time_goes(profile),
                ]
                for deal, profile in zip(deals, deal_profiles, strict=True)
            ],
        )
    )
    counts = ", ".join(f"{count:,} {name}" for name, count in setup["counts"].items())
    section.notes.append(
        f"{label}: `handraise demo --scale {sizes.pages_scale}` wrote {counts} in "
        f"{setup['demo_seconds']:.0f} s; the {len(plan):,} timed requests took "
        f"{timed_seconds:.0f} s."
    )
    slow = [page for page in (BOARD, TODAY, DEAL) if not spreads[page].p95 < TARGET_P95]
    for page in slow:
        profile = (
            max(deal_profiles, key=lambda profile: profile["seconds"])
            if page == DEAL
            else profiles[page]
        )
        statements = "; ".join(
            f"{milliseconds(query['seconds'])}: `{query['sql'][:160]}…`"
            for query in profile["slowest"]
        )
        section.notes.append(
            f"{label}: {PAGE_NAMES[page]} missed its target. In-process it took "
            f"{milliseconds(profile['seconds'])}: {profile['queries']} queries "
            f"{milliseconds(profile['sql_seconds'])}, rendering templates "
            f"{milliseconds(profile['rendering_seconds'])}; the slowest queries were "
            f"{statements}"
        )
    if timings.wrong:
        wrong = ", ".join(f"{PAGE_NAMES[page]} {count}" for page, count in timings.wrong.items())
        section.notes.append(
            f"{label}: answers that did not show the page (counted as failed): {wrong}; "
            f"the first: {timings.first_wrong}"
        )
    if timings.reconnects:
        section.notes.append(
            f"{label}: the server closed the keep-alive connection {timings.reconnects} "
            "time(s); those requests were sent again on a new connection and timed from "
            "the new start."
        )


def _time_requests(
    client: "SignedInClient",
    plan: list[tuple[str, str]],
    expected: dict[str, Expected],
    timings: Timings,
) -> None:
    for page, path in plan:
        status, body, took, reconnected = client.get(path)
        timings.reconnects += reconnected
        wanted = expected.get(page) or expected[path]
        text = body.decode("utf-8", errors="replace")
        missing = [needle for needle in wanted.texts if needle not in text]
        if status != 200 or missing:
            took = float("inf")
            timings.wrong[page] = timings.wrong.get(page, 0) + 1
            if not timings.first_wrong:
                timings.first_wrong = (
                    f"GET {path} answered {status}"
                    + (f" without {missing[0]!r}" if missing else "")
                    + f" ({text[:120]!r})"
                )
        timings.seconds.setdefault(page, []).append(took)
        timings.bytes.setdefault(page, []).append(len(body))


class SignedInClient:
    """One browser's worth of HTTP: a keep-alive connection and the cookies it was given."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def sign_in(self, username: str, password: str) -> None:
        status, body, _, _ = self.get("/login/")
        text = body.decode()
        marker = 'name="csrfmiddlewaretoken" value="'
        if status != 200 or marker not in text:
            raise RuntimeError(f"GET /login/ answered {status} without a CSRF token")
        token = text.split(marker, 1)[1].split('"', 1)[0]
        form = urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password})
        status, _ = self._send(
            "POST", "/login/", form.encode(), {"Content-Type": "application/x-www-form-urlencoded"}
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"signing in as {username!r} answered {status}, not a redirect")

    def get(self, path: str) -> tuple[int, bytes, float, int]:
        """(status, body, seconds from sending to the last byte, reconnections)."""
        for attempt in range(2):
            fresh = self.connection is None
            began = time.perf_counter()
            try:
                status, body = self._send("GET", path)
                return status, body, time.perf_counter() - began, attempt
            except (http.client.RemoteDisconnected, ConnectionError):
                self.close()
                if fresh:  # a new connection that fails is a real failure
                    raise
        raise AssertionError("unreachable")

    def _send(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, bytes]:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        sent = {"Accept": "text/html", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        self.connection.request(method, path, body=body, headers=sent)
        response = self.connection.getresponse()
        content = response.read()
        for raw in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(raw)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        if response.will_close:
            self.close()
        return response.status, content


def _run_setup(run: Run, database: ScratchDatabase, output: Path) -> None:
    run_child(
        "bench.pages_setup",
        [
            f"--scale={run.sizes.pages_scale}",
            f"--deals={run.sizes.pages_deals}",
            f"--seed={run.seed}",
            f"--output={output}",
        ],
        env={**database.env, "DJANGO_SETTINGS_MODULE": "bench.settings"},
        log=run.log_path(f"pages-setup-{database.kind}"),
        progress=lambda line: run.progress(f"pages on {database.label}: {line}"),
        failure=f"loading the demo failed on {database.label}",
    )


PROFILE_HEADERS = ["In-process", "SQL", "Templates", "Rest"]


def _where_the_time_goes(profile: dict) -> list[str]:
    """In-process time, split into queries, template rendering and the rest (view, ORM)."""
    rest = profile["seconds"] - profile["sql_seconds"] - profile["rendering_seconds"]
    return [
        milliseconds(profile["seconds"]),
        milliseconds(profile["sql_seconds"]),
        milliseconds(profile["rendering_seconds"]),
        milliseconds(max(rest, 0.0)),
    ]


def _range(values) -> str:
    values = sorted(values)
    return str(values[0]) if values[0] == values[-1] else f"{values[0]}–{values[-1]}"


def _median_of(values) -> float:
    values = sorted(values)
    return values[len(values) // 2] if values else float("nan")


def _kib(size: float) -> str:
    kib = size / 1024
    return f"{kib:.1f} KiB" if kib < 10 else f"{kib:.0f} KiB"
