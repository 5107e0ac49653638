"""Benchmark 9, the Marketing page: the overview with a year of demo data at --scale 100.

``handraise demo --scale 100`` (about a million touchpoints) fills a scratch database
on each database; the real ``handraise serve`` serves it, and one signed-in client
requests the Marketing overview (``/marketing/``, its default 90 days, and
``?days=365``) and the asset list one at a time, shuffled together with the bare
reference page of the pages benchmark from the same server. Issue 13's target: the
Marketing page's p95 under 500 ms. Loading and query counting happen in a child
process (``marketing_page_setup.py``); the HTTP client and timing are the pages
benchmark's. Not measured: several users at once, the browser, the worker.
"""

import html
import json
import random
import time

from bench.databases import ScratchDatabase
from bench.options import Run
from bench.pages import Expected, SignedInClient, Timings, _time_requests
from bench.report import Row, Section, Table, milliseconds, times
from bench.servers import handraise_serve, run_child
from bench.stats import Spread, ratio

TARGET_P95 = 0.500
SCRATCH_NAME = "bench_handraise_marketing"  # its own: the demo takes minutes to load
WARM_UP_REQUESTS = 5
OVERVIEW, YEAR, ASSETS, REFERENCE = "overview", "year", "assets", "reference"
PATHS = {
    OVERVIEW: "/marketing/",
    YEAR: "/marketing/?days=365",
    ASSETS: "/marketing/assets/",
}
PAGE_NAMES = {
    OVERVIEW: "Marketing overview /marketing/ (90 days)",
    YEAR: "Marketing overview, 365 days",
    ASSETS: "asset list /marketing/assets/",
    REFERENCE: "bare page (reference)",
}

HEADERS = ["Page", "Requests", "p50", "p95", "p99", "Worst", "p95 ÷ ref.", "Failed", "Queries"]

METHOD = """\
**What it measures.** The time a signed-in user waits for the Marketing overview
(`/marketing/`: the publishing cadence, and each asset's reach, enquiries and won
revenue preceded over the default 90 days; also with `?days=365`) and the asset
list, from sending the request to having read the whole HTML answer, on a database
filled by `handraise demo --scale {scale}`. The target is a p95 under {target} for
the overview on each database.

**Reference.** The pages benchmark's bare page (`/bench/page/<id>/`) in the same
server: the same middleware, one deal read by primary key, a small template. The
ratio is each page's p95 over the reference's p95.

**How.** As the pages benchmark: a scratch database migrated and filled by the
`demo` command (PostgreSQL then `VACUUM ANALYZE`d), `handraise serve --no-worker`,
one client signed in through `/login/` sending every request on one keep-alive
connection, one at a time. After {warm_up} warm-up requests per page, {requests}
requests per page and {requests} to the reference are sent in one shuffled order.
An answer counts only if it is a 200 showing the user's name and the page's
heading; anything else counts as infinitely slow. Queries per request are counted
once through Django's test client in the set-up process.
"""


def run(run: Run) -> Section:
    sizes = run.sizes
    section = Section(
        key="marketing",
        title=f"9. The Marketing page with the demo data at --scale {sizes.pages_scale}",
        method=METHOD.format(
            scale=sizes.pages_scale,
            target=milliseconds(TARGET_P95),
            warm_up=WARM_UP_REQUESTS,
            requests=sizes.pages_requests,
        ),
    )
    run.on_each_database(
        section, lambda database: _measure(run, section, database), scratch_name=SCRATCH_NAME
    )
    return section


def _measure(run: Run, section: Section, database: ScratchDatabase) -> None:
    sizes, label = run.sizes, database.label
    output = run.work_dir / f"marketing-{database.kind}.json"
    run.progress(f"marketing on {label}: loading the demo at --scale {sizes.pages_scale}")
    run_child(
        "bench.marketing_page_setup",
        [f"--scale={sizes.pages_scale}", f"--output={output}"],
        env={**database.env, "DJANGO_SETTINGS_MODULE": "bench.settings"},
        log=run.log_path(f"marketing-setup-{database.kind}"),
        progress=lambda line: run.progress(f"marketing on {label}: {line}"),
        failure=f"loading the demo failed on {label}",
    )
    setup = json.loads(output.read_text())
    user_shown = f'<span class="account-name">{html.escape(setup["username"])}</span>'
    deal = setup["deal"]
    reference_path = f"/bench/page/{deal['pk']}/"
    expected = {
        OVERVIEW: Expected([user_shown, "<h1>Marketing</h1>", 'id="asset-figures"']),
        YEAR: Expected([user_shown, "<h1>Marketing</h1>", 'id="asset-figures"']),
        ASSETS: Expected([user_shown, "<h1>Assets</h1>"]),
        REFERENCE: Expected([user_shown, f"<h1>{html.escape(deal['title'])}</h1>"]),
    }
    rng = random.Random(run.seed)
    plan = [(page, path) for page, path in PATHS.items() for _ in range(sizes.pages_requests)]
    plan += [(REFERENCE, reference_path)] * sizes.pages_requests
    rng.shuffle(plan)
    warm_up = [(page, path) for page, path in PATHS.items() for _ in range(WARM_UP_REQUESTS)]
    warm_up += [(REFERENCE, reference_path)] * WARM_UP_REQUESTS

    log = run.log_path(f"marketing-{database.kind}")
    with handraise_serve(
        env=database.env, log=log, settings_module="bench.settings", worker=False
    ) as server:
        client = SignedInClient(server.host, server.port)
        client.sign_in(setup["username"], setup["password"])
        _time_requests(client, warm_up, expected, Timings())
        run.progress(f"marketing on {label}: timing {len(plan)} requests, one at a time")
        timings = Timings()
        began = time.monotonic()
        _time_requests(client, plan, expected, timings)
        timed_seconds = time.monotonic() - began
        client.close()

    spreads = {page: Spread.of(timings.seconds.get(page, [])) for page in PAGE_NAMES}
    reference = spreads[REFERENCE]
    rows = []
    for page, name in PAGE_NAMES.items():
        spread = spreads[page]
        queries = setup["queries"].get(PATHS.get(page, ""), "")
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
                str(queries) if queries != "" else "4",
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
                    target=f"p95 < {milliseconds(TARGET_P95)}" if page == OVERVIEW else "—",
                    passed=spread.p95 < TARGET_P95 if page == OVERVIEW else None,
                )
            )
    section.tables.append(
        Table(
            caption=(
                f"{label}: demo at --scale {sizes.pages_scale}, one request at a time "
                f"({sizes.pages_requests} per page)"
            ),
            headers=HEADERS,
            rows=rows,
        )
    )
    counts = ", ".join(f"{count:,} {name}" for name, count in setup["counts"].items())
    section.notes.append(
        f"{label}: `handraise demo --scale {sizes.pages_scale}` wrote {counts} in "
        f"{setup['demo_seconds']:.0f} s; the {len(plan):,} timed requests took "
        f"{timed_seconds:.0f} s."
    )
    if timings.wrong:
        wrong = ", ".join(f"{PAGE_NAMES[page]} {count}" for page, count in timings.wrong.items())
        section.notes.append(f"{label}: wrong answers {wrong}; the first: {timings.first_wrong}")
