"""How big and how long a benchmark run is, and what every benchmark is handed.

``FULL`` is what ``make bench`` runs (about twenty minutes on 2 cores, half of it the
pages benchmark loading the demo at scale 100 into each database);
``QUICK`` is a smoke run of a minute or two that shows everything works, with
figures too short to quote. Each size can also be set on the command line.
"""

import os
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.databases import (
    LABELS,
    SCRATCH_NAME,
    DatabaseUnavailable,
    ScratchDatabase,
    scratch_database,
)
from bench.report import Section


@dataclass(frozen=True)
class Sizes:
    throughput_seconds: float  # per endpoint and round, closed loop
    throughput_rounds: int  # rounds of bare, intake (then intake, bare, ...)
    throughput_connections: int
    latency_rate: float  # submissions per second, open loop
    latency_seconds: float  # per endpoint
    ack_rate: float
    ack_seconds: float
    ack_wait_seconds: float  # how long after the last post an acknowledgement may arrive
    contacts: int
    lookups: int  # per kind of identity lookup
    pages_scale: int  # `handraise demo --scale`
    pages_requests: int  # timed requests per page (and as many for the reference)
    pages_deals: int  # deal pages sampled: half the busiest open deals, half at random
    import_rows: int  # rows of the contacts file `handraise import contacts` reads
    import_scale: int  # `handraise demo --scale` exported, then imported as a folder
    attribution_touchpoints: int  # touchpoints attribution reads through
    attribution_deals: int  # deals (about half won), three in four from an enquiry
    attribution_rounds: int  # timed runs of attribution and of its reference, alternating


FULL = Sizes(
    # Short turns, many of them: this shared machine's speed swings by half within
    # seconds, and only turns that close together see the same machine.
    throughput_seconds=4,
    throughput_rounds=6,
    throughput_connections=16,
    latency_rate=100,
    latency_seconds=30,
    ack_rate=20,
    ack_seconds=30,
    ack_wait_seconds=60,
    contacts=1_000_000,
    lookups=1000,
    pages_scale=100,
    pages_requests=300,
    pages_deals=20,
    import_rows=100_000,
    import_scale=10,
    attribution_touchpoints=1_000_000,
    attribution_deals=20_000,
    attribution_rounds=5,
)

QUICK = Sizes(
    throughput_seconds=3,
    throughput_rounds=1,
    throughput_connections=16,
    latency_rate=100,
    latency_seconds=4,
    ack_rate=20,
    ack_seconds=5,
    ack_wait_seconds=30,
    contacts=20_000,
    lookups=100,
    pages_scale=2,
    pages_requests=30,
    pages_deals=6,
    import_rows=5_000,
    import_scale=1,
    attribution_touchpoints=50_000,
    attribution_deals=1_000,
    attribution_rounds=2,
)


@dataclass
class Run:
    """One ``python -m bench`` invocation: sizes, databases, where files go, progress."""

    sizes: Sizes
    database_kinds: list[str]
    work_dir: Path
    postgres_admin_url: str
    seed: int
    tag: str  # unique per run: keeps enquirers' addresses distinct across runs
    started: float = 0.0

    def __post_init__(self) -> None:
        self.started = time.monotonic()
        self.work_dir.mkdir(parents=True, exist_ok=True)

    def progress(self, message: str) -> None:
        elapsed = time.monotonic() - self.started
        print(f"[{int(elapsed // 60):02d}:{elapsed % 60:04.1f}] {message}", flush=True)

    def log_path(self, name: str) -> Path:
        return self.work_dir / "logs" / f"{name}.log"

    def on_each_database(
        self,
        section: Section,
        measure: Callable[[ScratchDatabase], None],
        *,
        scratch_name: str = SCRATCH_NAME,
    ) -> None:
        """Run ``measure`` on a fresh scratch database of each kind, removed afterwards.

        A database that cannot be had, or a measurement that fails, is reported in
        the section and the run goes on: one failure must not lose the other figures.
        """
        for kind in self.database_kinds:
            label = LABELS[kind]
            try:
                with scratch_database(
                    kind,
                    work_dir=self.work_dir,
                    admin_url=self.postgres_admin_url,
                    name=scratch_name,
                ) as database:
                    measure(database)
                # Other work on the machine skews raw figures (less so their ratios).
                load = os.getloadavg()[0]
                section.notes.append(
                    f"{label}: the 1-minute load average was {load:.2f} at the end "
                    "(the benchmark itself accounts for about 2)."
                )
            except DatabaseUnavailable as error:
                self.progress(f"{section.title} on {label}: NOT RUN ({error})")
                section.not_run.append(f"{label}: {error}")
            except Exception as error:
                traceback.print_exc()
                self.progress(f"{section.title} on {label}: FAILED ({error})")
                section.not_run.append(f"{label}: failed ({type(error).__name__}: {error})")
