"""The inside of benchmark 6's second half: ``handraise import DIR`` of the demo business.

Run by ``bench/imports.py`` in a child process pointed at a scratch database.
It times ``handraise demo --scale N`` (the reference: the same business written
with bare bulk inserts, no checks or matching), exports it with ``handraise
export DIR``, empties the database back to what a fresh install holds (the rows
the migrations seed), then times ``handraise import DIR`` of that folder, the
command as a user runs it. It writes what it measured as JSON to ``--output``.
"""

import argparse
import importlib
import json
import os
import resource
import time
from io import StringIO
from pathlib import Path

# What an empty install holds: the rows these migrations seed.
SEEDS = [
    ("accounts.migrations.0002_default_business", "create_defaults"),
    ("sales.migrations.0002_default_stages", "create_defaults"),
    ("enquiries.migrations.0002_contact_form", "create_contact_form"),
    ("insights.migrations.0002_quick_tags", "create_default_tags"),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, required=True)
    parser.add_argument("--directory", required=True)
    parser.add_argument("--output", required=True)
    arguments = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "handraise.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from handraise.contacts.models import Contact
    from handraise.marketing.models import Touchpoint

    call_command("migrate", interactive=False, verbosity=0)
    _empty_install()  # the database may hold the contacts file's import
    started = time.perf_counter()
    call_command("demo", f"--scale={arguments.scale}", stdout=StringIO(), stderr=StringIO())
    reference = time.perf_counter() - started
    counts = {"contacts": Contact.objects.count(), "touchpoints": Touchpoint.objects.count()}
    print(f"demo --scale {arguments.scale} written in {reference:.1f} s ({counts})", flush=True)
    directory = Path(arguments.directory)
    call_command("export", str(directory), stdout=StringIO())
    rows = sum(max(0, len(path.read_text().splitlines()) - 1) for path in directory.glob("*.csv"))
    print(f"exported {rows:,} rows", flush=True)

    _empty_install()
    memory_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = StringIO()
    started = time.perf_counter()
    try:
        call_command("import", str(directory), stdout=out, stderr=StringIO())
        exit_code = 0
    except SystemExit as exit:
        exit_code = exit.code
    seconds = time.perf_counter() - started
    print(f"import DIR: {seconds:.1f} s, exit {exit_code}", flush=True)
    Path(arguments.output).write_text(
        json.dumps(
            {
                "scale": arguments.scale,
                "rows": rows,
                "reference_seconds": reference,
                "import_seconds": seconds,
                "exit_code": exit_code,
                "summary": out.getvalue().strip().splitlines(),
                "before": counts,
                "after": {
                    "contacts": Contact.objects.count(),
                    "touchpoints": Touchpoint.objects.count(),
                },
                "peak_rss_before_mb": memory_before,
                "peak_rss_after_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def _empty_install() -> None:
    from django.apps import apps
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)
    for module, function in SEEDS:
        getattr(importlib.import_module(f"handraise.{module}"), function)(apps, None)


if __name__ == "__main__":
    main()
