"""Benchmark 2, intake latency: how long a submission waits for its answer at 100 a second.

Open loop: posts to ``/f/contact/`` start on a fixed schedule whatever the server
does, for SQLite and PostgreSQL, and the bare reference view gets the same
schedule in the same server. The target from the issue: p99 under 50 ms.

Deliberately not measured here: the worker (not running; see benchmark 3) and
anything beyond the answer, such as the enquiry being created.
"""

import asyncio

from bench.databases import ScratchDatabase
from bench.intake import BARE, ENDPOINT_NAMES, INTAKE, RATE_LIMIT
from bench.load import LoadResult, Request, at_constant_rate
from bench.options import Run
from bench.people import People
from bench.report import Row, Section, Table, milliseconds
from bench.servers import handraise_serve
from bench.stats import Spread, ratio

TARGET_P99 = 0.050
WARM_UP_SECONDS = 2

METHOD = """\
**What it measures.** The time from the moment a form post is due to start to
the moment its answer (the 303) has arrived, for posts arriving at a constant
{rate:.0f} a second, each on a new connection (every enquirer is a different
visitor). The bare reference view of benchmark 1 gets the same schedule from the
same `handraise serve --no-worker`; the ratio is intake's p99 over the bare
view's. The issue's target is a p99 under {target}.

**How.** Open loop: a post starts on schedule even if earlier ones are still
waiting, and its latency is counted from when it was *due*, so a stalled server
cannot hide its queue by slowing the client down ("coordinated omission").
After {warm_up} s of warm-up for each endpoint, they take turns: bare for half
the time, intake for all of it, bare for the other half ({seconds:.0f} s each in
all). A post that fails or gets another answer than the 303 counts as infinitely
slow. `HANDRAISE_INTAKE_RATE_LIMIT` is `{rate_limit}`, as in benchmark 1.

**Not measured.** The worker is not running, so nothing competes with the web
processes for the 2 cores; what happens after the answer is benchmark 3's.
"""


def run(run: Run) -> Section:
    sizes = run.sizes
    section = Section(
        key="latency",
        title="2. Intake latency at a steady rate",
        method=METHOD.format(
            rate=sizes.latency_rate,
            target=milliseconds(TARGET_P99),
            warm_up=WARM_UP_SECONDS,
            seconds=sizes.latency_seconds,
            rate_limit=RATE_LIMIT,
        ),
    )
    run.on_each_database(section, lambda database: _measure(run, section, database))
    return section


def _measure(run: Run, section: Section, database: ScratchDatabase) -> None:
    sizes, label = run.sizes, database.label
    people = People(run.seed + 1)

    def load(port: int, path: str, seconds: float) -> LoadResult:
        return asyncio.run(
            at_constant_rate(
                "127.0.0.1",
                port,
                lambda: Request(path, people.enquiry_form_post(run.tag)[1]),
                per_second=sizes.latency_rate,
                seconds=seconds,
                expected_status=303,
            )
        )

    run.progress(f"intake latency on {label}: starting handraise serve (no worker)")
    env = {**database.env, "HANDRAISE_INTAKE_RATE_LIMIT": RATE_LIMIT}
    log = run.log_path(f"latency-{database.kind}")
    with handraise_serve(
        env=env, log=log, settings_module="bench.settings", worker=False
    ) as server:
        for path in (BARE, INTAKE):
            run.progress(f"intake latency on {label}: warming up {ENDPOINT_NAMES[path]}")
            load(server.port, path, WARM_UP_SECONDS)
        results: dict[str, list[LoadResult]] = {BARE: [], INTAKE: []}
        half = sizes.latency_seconds / 2
        for path, seconds in ((BARE, half), (INTAKE, sizes.latency_seconds), (BARE, half)):
            run.progress(
                f"intake latency on {label}: {ENDPOINT_NAMES[path]} at "
                f"{sizes.latency_rate:.0f}/s for {seconds:.0f} s"
            )
            results[path].append(load(server.port, path, seconds))

    spreads = {
        path: Spread.of(latency for result in turns for latency in result.latencies(303))
        for path, turns in results.items()
    }
    late = sum(result.late_starts for turns in results.values() for result in turns)
    figure = ratio(spreads[INTAKE].p99, spreads[BARE].p99)
    section.rows.append(
        Row(
            benchmark=f"Intake p99 at {sizes.latency_rate:.0f}/s",
            database=label,
            figure=milliseconds(spreads[INTAKE].p99),
            reference=f"{milliseconds(spreads[BARE].p99)} (bare view)",
            ratio=figure,
            target=f"p99 < {milliseconds(TARGET_P99)}",
            passed=spreads[INTAKE].p99 < TARGET_P99,
        )
    )
    section.tables.append(
        Table(
            caption=f"{label}: {sizes.latency_rate:.0f} posts/s, open loop",
            headers=["Endpoint", "Posts", "p50", "p95", "p99", "Worst", "Failed"],
            rows=[
                [
                    ENDPOINT_NAMES[path],
                    f"{spread.count:,}",
                    milliseconds(spread.p50),
                    milliseconds(spread.p95),
                    milliseconds(spread.p99),
                    milliseconds(spread.worst),
                    str(spread.failed),
                ]
                for path, spread in spreads.items()
            ],
        )
    )
    if late:
        section.notes.append(
            f"{label}: the client started {late} posts more than 10 ms late (their latency "
            "still counts from the schedule)."
        )
