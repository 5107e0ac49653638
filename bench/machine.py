"""What the benchmarks ran on: CPU, cores, memory, software versions, date, commit.

Figures only mean something next to the machine that produced them; this is
read at the start of every run and printed at the top of the report. It only
reads (``git`` is asked for the commit and whether the tree had changes).
"""

import datetime
import os
import platform
import shutil
import sqlite3
import subprocess
from pathlib import Path

import django

from bench.databases import DatabaseUnavailable, postgres_version

REPO = Path(__file__).resolve().parent.parent


def describe(postgres_admin_url: str) -> dict[str, str]:
    try:
        postgres = postgres_version(postgres_admin_url)
    except DatabaseUnavailable:
        postgres = "not reachable"
    return {
        "Date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "CPU": _cpu_model(),
        "Cores": _cores(),
        "Memory": _memory(),
        "OS": platform.platform(terse=True),
        "Python": platform.python_version(),
        "Django": django.get_version(),
        "SQLite": sqlite3.sqlite_version,
        "PostgreSQL": postgres,
        "Commit": _commit(),
        "Load at start": load_average(),
    }


def load_average() -> str:
    """The 1-, 5- and 15-minute load averages: other work on the machine skews raw figures."""
    try:
        return " / ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _cores() -> str:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{usable} usable of {os.cpu_count()}"


def _memory() -> str:
    try:
        pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        return "unknown"
    return f"{pages * page_size / 2**30:.0f} GiB"


def _commit() -> str:
    git = shutil.which("git")
    if git is None:
        return "unknown"
    # GIT_OPTIONAL_LOCKS=0: `git status` must not even refresh the index.
    environment = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}
    try:
        commit = subprocess.run(
            [git, "rev-parse", "--short", "HEAD"],
            cwd=REPO,
            env=environment,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        changed = subprocess.run(
            [git, "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            env=environment,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{commit} (with uncommitted changes)" if changed else commit
