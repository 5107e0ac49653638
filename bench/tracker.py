"""Benchmark 10, site-script events: the most visits per second ``POST /t/`` stores.

Measured against a bare Django view served by the same ``handraise serve``
process, on SQLite and PostgreSQL: a public POST whose body is read and answered
204, with no parsing and no database work (the issue's reference). Every event
``/t/`` answers 204 is committed before the answer leaves, so the figure is of
durable events; at the end the database must hold as many as were answered.

Deliberately not measured here: refusals (a wrong origin, an oversized or
malformed body; each is cheaper than a stored event) and the rate limit (set out
of the way: all the load comes from one address).
"""

import asyncio
import itertools
import json
import secrets
from collections.abc import Callable

from bench.databases import ScratchDatabase
from bench.links import BROWSER, _turns
from bench.load import LoadResult, Request, saturate
from bench.options import Run
from bench.report import Row, Section, Table, milliseconds
from bench.servers import handraise_serve, handraise_shell
from bench.stats import Spread, ratio

EVENTS = "/t/"
BARE = "/bench/event/"
ENDPOINT_NAMES = {BARE: "bare 204 view (reference)", EVENTS: "POST /t/"}
SCRATCH_NAME = "bench_handraise_tracker"  # its own: benchmarks of other branches may run too
SITE = "https://www.acme-studio.example"
RATE_LIMIT = "100000000/m"
WARM_UP_SECONDS = 3
TARGET_RATE = 1000
TARGET_RATIO = 0.5
PAGES = 40

METHOD = """\
**What it measures.** The most `POST /t/` events per second answered 204 (each
one stored as a touchpoint and committed before the answer), next to a *bare
Django view* (`bench/reference/`) that reads a POST body and answers 204 with no
parsing and no database work, side by side in one `handraise serve --no-worker`
on a fresh database. The issue's targets: at least {target_rate} events/s, and at
least {target_ratio}× the bare view.

**How.** {connections} keep-alive connections post back to back (closed loop),
each event as the script sends it: a fresh event id, one of {visitors} visitor
ids, one of {pages} pages (half of them registered assets), a newsletter's UTM
tags on a third of them, the registered site's `Origin` and a desktop browser's
user agent. The endpoints take turns, {seconds} s a turn, after {warm_up} s of
warm-up each. `HANDRAISE_TRACK_RATE_LIMIT` is `{rate_limit}`: every event comes
from 127.0.0.1.
"""


def run(run: Run) -> Section:
    sizes = run.sizes
    section = Section(
        key="tracker",
        title="10. Site-script events",
        method=METHOD.format(
            target_rate=TARGET_RATE,
            target_ratio=TARGET_RATIO,
            connections=sizes.throughput_connections,
            visitors=1000,
            pages=PAGES,
            seconds=sizes.throughput_seconds,
            warm_up=WARM_UP_SECONDS,
            rate_limit=RATE_LIMIT,
        ),
    )
    run.on_each_database(
        section, lambda database: _measure(run, section, database), scratch_name=SCRATCH_NAME
    )
    return section


def _set_up(env: dict[str, str]) -> None:
    """The registered site and its assets, as the owner's pages would leave them."""
    code = (
        "from handraise.accounts.services import update_website_addresses\n"
        "from datetime import UTC\n"
        "from handraise.marketing.assets import create_asset\n"
        f"update_website_addresses(addresses={SITE!r})\n"
        f"for n in range(0, {PAGES}, 2):\n"
        "    create_asset(kind='article', title=f'Article {n}', zone=UTC,"
        f" url=f'{SITE}/blog/article-{{n}}/')\n"
    )
    handraise_shell(env, code)


def _events() -> Callable[[], Request]:
    visitors = [secrets.token_hex(16) for _ in range(1000)]
    counter = itertools.count()

    def make() -> Request:
        n = next(counter)
        event = {
            "id": secrets.token_urlsafe(16),
            "visitor": visitors[n % len(visitors)],
            "url": f"{SITE}/blog/article-{n % PAGES}/",
            "referrer": "",
        }
        if n % 3 == 0:
            event |= {"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "spring"}
        body = json.dumps(event).encode()
        return Request(EVENTS, body, user_agent=BROWSER, origin=SITE)

    return make


def _measure(run: Run, section: Section, database: ScratchDatabase) -> None:
    sizes, label = run.sizes, database.label
    env = {**database.env, "HANDRAISE_TRACK_RATE_LIMIT": RATE_LIMIT}
    next_event = _events()
    bare = Request(BARE, b'{"id": "x"}', user_agent=BROWSER, origin=SITE)

    def load(port: int, path: str, seconds: float) -> LoadResult:
        make = next_event if path == EVENTS else (lambda: bare)
        return asyncio.run(
            saturate(
                "127.0.0.1",
                port,
                make,
                connections=sizes.throughput_connections,
                seconds=seconds,
                expected_status=204,
            )
        )

    run.progress(f"site events on {label}: starting handraise serve (no worker)")
    log = run.log_path(f"tracker-{database.kind}")
    with handraise_serve(
        env=env, log=log, settings_module="bench.settings", worker=False
    ) as server:
        _set_up(env)
        answered = dict.fromkeys(ENDPOINT_NAMES, 0)
        for path in ENDPOINT_NAMES:
            answered[path] += load(server.port, path, WARM_UP_SECONDS).completed(204)
        results: dict[str, list[LoadResult]] = {path: [] for path in ENDPOINT_NAMES}
        for path in _turns([BARE, EVENTS], sizes.throughput_rounds):
            result = load(server.port, path, sizes.throughput_seconds)
            results[path].append(result)
            answered[path] += result.completed(204)
            run.progress(
                f"site events on {label}: {ENDPOINT_NAMES[path]} {result.per_second(204):.0f} /s"
            )
    stored = database.count_rows("marketing_touchpoint")

    rates, table_rows = {}, []
    for path, turns in results.items():
        completed = sum(result.completed(204) for result in turns)
        seconds = sum(result.seconds for result in turns)
        rates[path] = completed / seconds
        spread = Spread.of(latency for result in turns for latency in result.latencies(204))
        client_cpu = sum(result.client_cpu_seconds for result in turns) / seconds
        table_rows.append(
            [
                ENDPOINT_NAMES[path],
                f"{rates[path]:.0f}",
                milliseconds(spread.p50),
                milliseconds(spread.p95),
                milliseconds(spread.p99),
                str(spread.failed),
                f"{client_cpu:.0%}",
            ]
        )
    figure = ratio(rates[EVENTS], rates[BARE])
    section.rows.append(
        Row(
            benchmark="Site-script events",
            database=label,
            figure=f"{rates[EVENTS]:.0f} events/s",
            reference=f"{rates[BARE]:.0f}/s (bare 204 view)",
            ratio=figure,
            target=f"≥ {TARGET_RATE}/s and ≥ {TARGET_RATIO}× the bare view",
            passed=figure >= TARGET_RATIO and rates[EVENTS] >= TARGET_RATE,
        )
    )
    section.tables.append(
        Table(
            caption=f"{label}: {sizes.throughput_connections} connections, closed loop",
            headers=["Endpoint", "Answers/s", "p50", "p95", "p99", "Failed", "Client CPU"],
            rows=table_rows,
        )
    )
    section.notes.append(
        f"{label}: /t/ answered {answered[EVENTS]:,} events 204 (warm-up included); the "
        f"database holds {stored:,} touchpoints"
        + ("." if stored >= answered[EVENTS] else " — FEWER THAN ANSWERED: events were lost!")
    )
