"""Benchmark 7, tracked-link redirects: the most clicks per second ``/r/<code>`` answers.

Measured against two bare Django views served by the same ``handraise serve``
process, on SQLite and PostgreSQL: one answering a public GET with a 302 and no
database work (the framework's floor), and one doing a click's database work
(one lookup by key, one INSERT) before its 302. The ratio is against the second:
what our own work (bot check, rate limit, channel rules) costs on top of the
write every click must make.

Deliberately not measured here: robots and HEAD requests (they skip the insert,
so they are cheaper) and the rate limit (set out of the way: all the load comes
from one address).
"""

import asyncio

from bench.databases import ScratchDatabase
from bench.load import LoadResult, Request, saturate
from bench.options import Run
from bench.report import Row, Section, Table, milliseconds
from bench.servers import handraise_serve, handraise_shell
from bench.stats import Spread, ratio

FLOOR = "/bench/redirect/"
BARE = "/bench/click/"
ENDPOINT_NAMES = {FLOOR: "bare 302, no database", BARE: "bare lookup + insert + 302 (reference)"}
SCRATCH_NAME = "bench_handraise_links"  # its own: benchmarks of other branches may run too
RATE_LIMIT = "100000000/m"
# Robots are redirected without being counted: the load must look like a browser.
BROWSER = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
WARM_UP_SECONDS = 3
TARGET = 0.5

METHOD = """\
**What it measures.** The most `GET /r/<code>` clicks per second answered with
their 302 (each recording a touchpoint), next to two *bare Django views*
(`bench/reference/`) side by side in one `handraise serve --no-worker` on a fresh
database: a 302 with no database work, and a 302 after the same database work as
a click (one lookup by key, one INSERT). The ratio is the redirect's rate over
the second's; the aim is at least {target}.

**How.** {connections} keep-alive connections send GETs back to back (closed
loop), with a desktop browser's user agent (robots are not counted, so cost
less); the endpoints take turns, {seconds} s a turn, after {warm_up} s of warm-up
each. `HANDRAISE_LINK_RATE_LIMIT` is set to `{rate_limit}`: every click comes from
127.0.0.1.
"""


def run(run: Run) -> Section:
    sizes = run.sizes
    section = Section(
        key="links",
        title="7. Tracked-link redirects",
        method=METHOD.format(
            target=TARGET,
            connections=sizes.throughput_connections,
            seconds=sizes.throughput_seconds,
            warm_up=WARM_UP_SECONDS,
            rate_limit=RATE_LIMIT,
        ),
    )
    run.on_each_database(
        section, lambda database: _measure(run, section, database), scratch_name=SCRATCH_NAME
    )
    return section


def _make_link(env: dict[str, str]) -> str:
    code = (
        "from handraise.marketing.link_services import create_short_link\n"
        "print(create_short_link(label='Bench', target_url='https://www.example.com/page/?a=1',"
        " utm_source='newsletter', utm_medium='email', utm_campaign='bench').code)\n"
    )
    return handraise_shell(env, code).strip().splitlines()[-1]


def _turns(paths: list[str], rounds: int) -> list[str]:
    turns = []
    for number in range(rounds):
        turns += paths if number % 2 == 0 else paths[::-1]
    return turns


def _measure(run: Run, section: Section, database: ScratchDatabase) -> None:
    sizes, label = run.sizes, database.label
    env = {**database.env, "HANDRAISE_LINK_RATE_LIMIT": RATE_LIMIT}

    def load(port: int, path: str, seconds: float) -> LoadResult:
        request = Request(path, b"", method="GET", user_agent=BROWSER)
        return asyncio.run(
            saturate(
                "127.0.0.1",
                port,
                lambda: request,
                connections=sizes.throughput_connections,
                seconds=seconds,
                expected_status=302,
            )
        )

    run.progress(f"link redirects on {label}: starting handraise serve (no worker)")
    log = run.log_path(f"links-{database.kind}")
    with handraise_serve(
        env=env, log=log, settings_module="bench.settings", worker=False
    ) as server:
        link = f"/r/{_make_link(env)}"
        names = {**ENDPOINT_NAMES, link: "/r/<code>"}
        answered = dict.fromkeys(names, 0)
        for path in names:
            answered[path] += load(server.port, path, WARM_UP_SECONDS).completed(302)
        results: dict[str, list[LoadResult]] = {path: [] for path in names}
        for path in _turns([FLOOR, BARE, link], sizes.throughput_rounds):
            result = load(server.port, path, sizes.throughput_seconds)
            results[path].append(result)
            answered[path] += result.completed(302)
            run.progress(
                f"link redirects on {label}: {names[path]} {result.per_second(302):.0f} /s"
            )
    recorded = database.count_rows("marketing_touchpoint")

    rates, table_rows = {}, []
    for path, turns in results.items():
        completed = sum(result.completed(302) for result in turns)
        seconds = sum(result.seconds for result in turns)
        rates[path] = completed / seconds
        spread = Spread.of(latency for result in turns for latency in result.latencies(302))
        table_rows.append(
            [
                names[path],
                f"{rates[path]:.0f}",
                milliseconds(spread.p50),
                milliseconds(spread.p95),
                milliseconds(spread.p99),
                str(spread.failed),
            ]
        )
    figure = ratio(rates[link], rates[BARE])
    section.rows.append(
        Row(
            benchmark="Tracked-link redirects",
            database=label,
            figure=f"{rates[link]:.0f} clicks/s",
            reference=f"{rates[BARE]:.0f}/s (bare lookup + insert)",
            ratio=figure,
            target=f"≥ {TARGET}× the bare lookup + insert",
            passed=figure >= TARGET,
        )
    )
    section.tables.append(
        Table(
            caption=f"{label}: {sizes.throughput_connections} connections, closed loop",
            headers=["Endpoint", "Answers/s", "p50", "p95", "p99", "Failed"],
            rows=table_rows,
        )
    )
    section.notes.append(
        f"{label}: {answered[link]:,} redirects from /r/<code> (warm-up included); the "
        f"database holds {recorded:,} touchpoints"
        + ("." if recorded >= answered[link] else " — FEWER THAN ANSWERED: clicks were lost!")
        + f" The bare 302 with no database work answered {rates[FLOOR]:.0f}/s."
    )
