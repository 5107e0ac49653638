"""Benchmark 1, intake throughput: the most submissions per second ``/f/contact/`` takes.

Measured against the bare reference view (validate a Django form, insert one
row) served by the same ``handraise serve`` process, on SQLite and PostgreSQL.
The target from the issue: intake reaches at least half the bare view's rate.

Deliberately not measured here: the worker. It is not running, so this is what
the web processes can accept and make durable; turning submissions into
enquiries and acknowledgements is benchmark 3's business.
"""

import asyncio

from bench.databases import ScratchDatabase
from bench.load import LoadResult, Request, saturate
from bench.options import Run
from bench.people import People
from bench.report import Row, Section, Table, milliseconds
from bench.servers import handraise_serve
from bench.stats import Spread, ratio

INTAKE = "/f/contact/"
BARE = "/bench/bare/"
ENDPOINT_NAMES = {BARE: "bare view (reference)", INTAKE: "/f/contact/"}
# Every post comes from 127.0.0.1; the per-address limit would quarantine the load.
RATE_LIMIT = "1000000/m"
TARGET = 0.5
WARM_UP_SECONDS = 3

METHOD = """\
**What it measures.** The most form posts per second that `/f/contact/` answers
with its success redirect (303), next to the most that a *bare Django view*
answers, served side by side by one `handraise serve --no-worker` (waitress,
{workers}) on a fresh database. The bare view lives in `bench/reference/`: it
validates a `django.forms.Form` with name, email and message and inserts one row,
behind the same middleware and settings as intake. The ratio is intake's rate
over the bare view's; the issue's target is at least {target}.

**How.** {connections} keep-alive connections post back to back (closed loop)
from one asyncio client on the same machine. Each endpoint is warmed up for
{warm_up} s, then the endpoints take turns ({order}), {seconds} s a turn: short
turns close together, so a swing in the machine's speed hits both alike. Bodies
are realistic, distinct enquiries (name, unique email, message; some with phone,
company and UTM tags); both endpoints get the same kind of body.
`HANDRAISE_INTAKE_RATE_LIMIT` is set to `{rate_limit}`: every post comes from
127.0.0.1, and the per-address limit would otherwise quarantine the load.

**Not measured.** The worker is not running (benchmark 3 covers processing and
acknowledgement), so this is what the web processes accept and make durable.
The client shares the 2 cores with the server; its CPU share is given below.
"""


def run(run: Run) -> Section:
    sizes = run.sizes
    order = ", ".join(
        "bare" if path == BARE else "intake" for path in _turns(sizes.throughput_rounds)
    )
    section = Section(
        key="intake",
        title="1. Intake throughput",
        method=METHOD.format(
            workers="2 processes × 4 threads on one socket, as `serve` starts it",
            target=TARGET,
            connections=sizes.throughput_connections,
            warm_up=WARM_UP_SECONDS,
            order=order,
            seconds=sizes.throughput_seconds,
            rate_limit=RATE_LIMIT,
        ),
    )
    run.on_each_database(section, lambda database: _measure(run, section, database))
    return section


def _turns(rounds: int) -> list[str]:
    # bare, intake, intake, bare, ...: each endpoint goes first as often as last.
    turns = []
    for number in range(rounds):
        turns += [BARE, INTAKE] if number % 2 == 0 else [INTAKE, BARE]
    return turns


def _measure(run: Run, section: Section, database: ScratchDatabase) -> None:
    sizes, label = run.sizes, database.label
    people = People(run.seed)

    def load(port: int, path: str, seconds: float) -> LoadResult:
        return asyncio.run(
            saturate(
                "127.0.0.1",
                port,
                lambda: Request(path, people.enquiry_form_post(run.tag)[1]),
                connections=sizes.throughput_connections,
                seconds=seconds,
                expected_status=303,
            )
        )

    run.progress(f"intake throughput on {label}: starting handraise serve (no worker)")
    env = {**database.env, "HANDRAISE_INTAKE_RATE_LIMIT": RATE_LIMIT}
    log = run.log_path(f"intake-{database.kind}")
    with handraise_serve(
        env=env, log=log, settings_module="bench.settings", worker=False
    ) as server:
        answered = {BARE: 0, INTAKE: 0}  # every 303, warm-up included
        for path in (BARE, INTAKE):
            run.progress(f"intake throughput on {label}: warming up {ENDPOINT_NAMES[path]}")
            answered[path] += load(server.port, path, WARM_UP_SECONDS).completed(303)
        results: dict[str, list[LoadResult]] = {BARE: [], INTAKE: []}
        for path in _turns(sizes.throughput_rounds):
            result = load(server.port, path, sizes.throughput_seconds)
            results[path].append(result)
            answered[path] += result.completed(303)
            run.progress(
                f"intake throughput on {label}: {ENDPOINT_NAMES[path]} "
                f"{result.per_second(303):.0f} posts/s"
            )
    stored = {
        "submissions": database.count_rows("enquiries_submission"),
        "bare rows": database.count_rows("bench_reference_baresubmission"),
        "spooled": len(list((database.data_dir / "spool").glob("*.json"))),
    }

    rates, table_rows = {}, []
    for path, turns in results.items():
        completed = sum(result.completed(303) for result in turns)
        seconds = sum(result.seconds for result in turns)
        rates[path] = completed / seconds
        spread = Spread.of(latency for result in turns for latency in result.latencies(303))
        client_cpu = sum(result.client_cpu_seconds for result in turns) / seconds
        table_rows.append(
            [
                ENDPOINT_NAMES[path],
                f"{rates[path]:.0f}",
                " / ".join(f"{result.per_second(303):.0f}" for result in turns),
                milliseconds(spread.p50),
                milliseconds(spread.p95),
                milliseconds(spread.p99),
                str(spread.failed),
                f"{client_cpu:.0%}",
            ]
        )
    figure = ratio(rates[INTAKE], rates[BARE])
    section.rows.append(
        Row(
            benchmark="Intake throughput",
            database=label,
            figure=f"{rates[INTAKE]:.0f} posts/s",
            reference=f"{rates[BARE]:.0f} posts/s (bare view)",
            ratio=figure,
            target=f"≥ {TARGET}× the bare view",
            passed=figure >= TARGET,
        )
    )
    section.tables.append(
        Table(
            caption=f"{label}: {sizes.throughput_connections} connections, closed loop",
            headers=[
                "Endpoint",
                "Posts/s",
                "Per turn",
                "p50",
                "p95",
                "p99",
                "Failed",
                "Client CPU",
            ],
            rows=table_rows,
        )
    )
    kept = stored["submissions"] + stored["spooled"]
    section.notes.append(
        f"{label}: {answered[INTAKE]:,} success answers from intake (warm-up included; "
        "answers after a turn's end are not counted); the database holds "
        f"{stored['submissions']:,} submissions, the spool {stored['spooled']:,} files"
        + ("." if kept >= answered[INTAKE] else " — FEWER THAN ANSWERED: submissions were lost!")
        + f" The reference table holds {stored['bare rows']:,} rows "
        f"for {answered[BARE]:,} answers."
    )
