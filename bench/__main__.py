"""``python -m bench``: run the benchmarks, print what they found, rewrite docs/benchmarks.md.

    python -m bench                      # everything, full size (what `make bench` runs)
    python -m bench --quick              # a smoke run of a minute or two
    python -m bench intake identity      # only these benchmarks
    python -m bench --database sqlite    # only this database

Only a full-size run of every benchmark on both databases rewrites
docs/benchmarks.md (a partial or quick run would replace good figures with
fewer or shorter ones); other runs write their report into bench/results/ and
say where. ``--doc PATH`` writes the report wherever you like.
"""

import argparse
import dataclasses
import datetime
import json
import os
import signal
import sys
import time
from pathlib import Path

from bench import (
    acknowledgement,
    attribution,
    identity,
    imports,
    intake,
    latency,
    links,
    machine,
    marketing_page,
    pages,
    tracker,
)
from bench.databases import (
    LABELS,
    POSTGRESQL,
    SCRATCH_NAME,
    SQLITE,
    DatabaseUnavailable,
    postgres_version,
)
from bench.options import FULL, QUICK, Run
from bench.report import Section, render_markdown, render_text

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "benchmarks.md"
BENCHMARKS = {
    "intake": intake,
    "latency": latency,
    "acknowledgement": acknowledgement,
    "identity": identity,
    "pages": pages,
    "import": imports,
    "links": links,
    "attribution": attribution,
    "marketing": marketing_page,
    "tracker": tracker,
}
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
# A 1-minute load average above this before we start means something else is running.
BUSY_LOAD = 1.0
BUSY_WARNING = (
    "The machine was busy when the run started (see the load averages): other work "
    "competed for the cores, so raw times are pessimistic; ratios suffer less."
)


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Handraise's benchmarks, each beside a reference measured in the same run.",
    )
    parser.add_argument(
        "benchmarks",
        nargs="*",
        metavar="BENCHMARK",
        help=f"which to run: {', '.join(BENCHMARKS)} (default: all)",
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run of a minute or two")
    parser.add_argument(
        "--database",
        action="append",
        choices=[SQLITE, POSTGRESQL],
        help="run on this database only (repeatable; default: both)",
    )
    parser.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES,
        help="a PostgreSQL role allowed to create and drop the scratch databases "
        f"'{SCRATCH_NAME}' and '{pages.SCRATCH_NAME}' (default {DEFAULT_POSTGRES})",
    )
    parser.add_argument("--doc", type=Path, help="write the Markdown report here")
    parser.add_argument("--seed", type=int, default=20261129, help="seed for made-up people")
    sizes = parser.add_argument_group("sizes (override the full or --quick preset)")
    for size in dataclasses.fields(FULL):
        sizes.add_argument(
            "--" + size.name.replace("_", "-"),
            type=type(getattr(FULL, size.name)),
            metavar="N",
        )
    arguments = parser.parse_args(argv)
    unknown = [name for name in arguments.benchmarks if name not in BENCHMARKS]
    if unknown:
        parser.error(
            f"no benchmark called {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}"
        )
    return arguments


def main(argv: list[str]) -> int:
    arguments = parse_arguments(argv)
    chosen = [name for name in BENCHMARKS if name in arguments.benchmarks] or list(BENCHMARKS)
    preset = QUICK if arguments.quick else FULL
    overrides = {
        size.name: getattr(arguments, size.name)
        for size in dataclasses.fields(preset)
        if getattr(arguments, size.name) is not None
    }
    sizes = dataclasses.replace(preset, **overrides)
    kinds = arguments.database or [SQLITE, POSTGRESQL]
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    run = Run(
        sizes=sizes,
        database_kinds=kinds,
        work_dir=REPO / "bench" / "results" / stamp,
        postgres_admin_url=arguments.postgres_url,
        seed=arguments.seed,
        tag=stamp.replace("-", ""),
    )
    # SIGTERM unwinds like Ctrl-C, so every server and database is cleaned up.
    signal.signal(signal.SIGTERM, signal.default_int_handler)

    if POSTGRESQL in kinds:
        try:
            postgres_version(arguments.postgres_url)
        except DatabaseUnavailable as error:
            print(f"!! {error}\n!! The PostgreSQL half of every benchmark will be NOT RUN.")
    described = machine.describe(arguments.postgres_url)
    busy = os.getloadavg()[0] > BUSY_LOAD
    if busy:
        print(f"!! {BUSY_WARNING}")
    run.progress(
        f"benchmarks: {', '.join(chosen)}; databases: {', '.join(LABELS[k] for k in kinds)}; "
        f"{'quick' if arguments.quick else 'full'} size; files in {run.work_dir}"
    )
    sections: list[Section] = []
    for name in chosen:
        sections.append(BENCHMARKS[name].run(run))
    wall = time.monotonic() - run.started
    described["Load at end"] = machine.load_average()

    print(render_text(described, sections))
    complete = (
        not arguments.quick and not overrides and len(chosen) == len(BENCHMARKS) and len(kinds) == 2
    )
    command = "python -m bench" + (" " + " ".join(argv) if argv else "")
    markdown = render_markdown(
        described,
        sections,
        command=command,
        wall_seconds=wall,
        warnings=[BUSY_WARNING] if busy else [],
    )
    target = arguments.doc or (DOC if complete else run.work_dir / "benchmarks.md")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(markdown)
    (run.work_dir / "results.json").write_text(
        json.dumps(
            {
                "machine": described,
                "sizes": dataclasses.asdict(sizes),
                "rows": [dataclasses.asdict(r) for s in sections for r in s.rows],
            },
            indent=2,
        )
    )
    print(f"\nThe run took {wall / 60:.1f} minutes; report written to {target}")
    failed = [row for section in sections for row in section.rows if row.passed is False]
    not_run = [reason for section in sections for reason in section.not_run]
    if failed:
        print(f"{len(failed)} figure(s) missed their target.")
    if not_run:
        print(f"{len(not_run)} part(s) did not run.")
    return 1 if failed or not_run else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        print("\nInterrupted; servers and scratch databases were stopped and removed.")
        sys.exit(130)
