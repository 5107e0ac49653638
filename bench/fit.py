"""Fit: the fit screen's figures and the rescoring of every enquiry, beside their references.

    python -m bench.fit                       # SQLite and PostgreSQL, default size
    python -m bench.fit --database sqlite --enquiries 5000

A scratch database per engine (a fresh data dir for SQLite; a database named
``fit_bench`` for PostgreSQL, dropped afterwards) is migrated and filled with
contacts in organisations, enquiries with fit scores and campaigns, assets and
touchpoints (``core.bulk``). Each measurement runs in a child process, because a
process's Django settings point at one database. Timed, median of the repeats:

- ``fit_sources(days=365)``, the fit screen's four groupings, against the
  **reference** of the bare aggregates the screen cannot do without: the same
  four groupings over the same rows and joins, each a plain COUNT(*) per key
  (no scores, no DISTINCT per asset, no median);
- ``rescore_enquiries()``, every enquiry rescored after a profile change,
  against the **reference** of reading the same columns once and writing every
  row's score back unchanged in one UPDATE: the I/O it cannot avoid.

Not measured: the page's HTML (the selector is the cost), the task queue's
pickup delay, concurrent users. Not part of ``make bench``'s report yet (the
merger may add it to ``bench/__main__.py``); it prints its figures.
"""

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
PG_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_SCRATCH = "fit_bench"
REPEATS = 5


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fit")
    parser.add_argument("--database", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--enquiries", type=int, default=20_000)
    parser.add_argument("--touchpoints", type=int, default=200_000)
    parser.add_argument("--postgres-url", default=PG_URL)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child:
        print(json.dumps(_measure(options.enquiries, options.touchpoints)))
        return 0
    for kind in options.database or ["sqlite", "postgresql"]:
        figures = _run_on(kind, options)
        _print(kind, options, figures)
    return 0


def _run_on(kind: str, options) -> dict:
    data_dir = Path(tempfile.mkdtemp(prefix="fit-bench-"))
    env = {**os.environ, "HANDRAISE_DATA_DIR": str(data_dir)}
    env.pop("HANDRAISE_DATABASE_URL", None)
    admin = None
    if kind == "postgresql":
        import psycopg

        admin = psycopg.connect(options.postgres_url, autocommit=True)
        admin.execute(f"DROP DATABASE IF EXISTS {PG_SCRATCH}")
        admin.execute(f"CREATE DATABASE {PG_SCRATCH}")
        parts = urlsplit(options.postgres_url)
        env["HANDRAISE_DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{PG_SCRATCH}"))
    try:
        command = [
            sys.executable,
            "-m",
            "bench.fit",
            "--child",
            kind,
            "--enquiries",
            str(options.enquiries),
            "--touchpoints",
            str(options.touchpoints),
        ]
        done = subprocess.run(
            command, cwd=REPO, env=env, capture_output=True, text=True, check=True
        )
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
        if admin is not None:
            admin.execute(f"DROP DATABASE IF EXISTS {PG_SCRATCH} WITH (FORCE)")
            admin.close()


def _print(kind: str, options, figures: dict) -> None:
    print(f"\n{kind}: {options.enquiries:,} enquiries, {options.touchpoints:,} touchpoints")
    for name, reference in (("fit_sources", "4 bare GROUP BYs"), ("rescore", "read + one UPDATE")):
        figure, base = figures[name], figures[f"{name}_reference"]
        print(
            f"  {name:12} {figure * 1000:9.1f} ms   reference ({reference}) "
            f"{base * 1000:8.1f} ms   ratio {figure / base:5.2f}   "
            f"queries {figures[name + '_queries']}"
        )


# --- the child: one database, set up by the environment ----------------------------------


def _measure(enquiries: int, touchpoints: int) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "handraise.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    _populate(enquiries, touchpoints)

    from django.db import connection
    from django.db.models import Count, F
    from django.test.utils import CaptureQueriesContext

    from handraise.core.clock import now
    from handraise.enquiries.fit_scores import rescore_enquiries
    from handraise.enquiries.models import Enquiry
    from handraise.marketing.fit_sources import fit_sources

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")

    def bare_group_by():
        """The same four groupings, each the least SQL that answers it: COUNT(*) per key
        over the same rows and joins, no scores, no DISTINCT, no median."""
        from django.db.models import OuterRef, Subquery

        from handraise.marketing.models import Touchpoint

        enquiries = Enquiry.objects.filter(received_at__gt=now() - timedelta(days=365)).exclude(
            status="spam"
        )
        window = timedelta(days=90)
        last = (
            Touchpoint.objects.filter(
                contact_id=OuterRef("contact_id"),
                occurred_at__lte=OuterRef("received_at"),
                occurred_at__gte=OuterRef("received_at") - window,
            )
            .order_by("-occurred_at", "-pk")
            .values("channel")[:1]
        )
        touched = enquiries.filter(
            contact__touchpoints__asset__isnull=False,
            contact__touchpoints__occurred_at__lte=F("received_at"),
            contact__touchpoints__occurred_at__gte=F("received_at") - window,
        ).annotate(key=F("contact__touchpoints__asset_id"))
        return [
            list(rows.values("key").annotate(n=Count("pk")).order_by())
            for rows in (
                enquiries.annotate(key=F("channel")),
                enquiries.annotate(key=Subquery(last)),
                enquiries.annotate(key=F("utm_campaign")),
                touched,
            )
        ]

    def bare_rescore():
        rows = list(Enquiry.objects.values_list("pk", "message", "contact__organisation__industry"))
        Enquiry.objects.update(fit_score=F("fit_score"))
        return rows

    if os.environ.get("FIT_BENCH_PROFILE"):
        from handraise.marketing import fit_sources as module

        original = module._grouped

        def timed_grouped(pairs, **kw):
            began = time.perf_counter()
            rows = original(pairs, **kw)
            print(f"grouping {time.perf_counter() - began:.3f}s", file=sys.stderr)
            return rows

        module._grouped = timed_grouped
        fit_sources(days=365)
        module._grouped = original
        began = time.perf_counter()
        from handraise.enquiries import fit_scores

        batch = fit_scores._facts_after(0, 1000)
        print(f"facts {time.perf_counter() - began:.3f}s", file=sys.stderr)
        began = time.perf_counter()
        fit_scores._write_batch(fit_scores.active_terms(), batch)
        print(f"write {time.perf_counter() - began:.3f}s", file=sys.stderr)
    figures = {}
    for name, work, reference in (
        ("fit_sources", lambda: fit_sources(days=365), bare_group_by),
        ("rescore", rescore_enquiries, bare_rescore),
    ):
        with CaptureQueriesContext(connection) as queries:
            work()
        figures[f"{name}_queries"] = len(queries)
        timed, base = [], []
        for _ in range(REPEATS):
            for job, into in ((work, timed), (reference, base)):
                began = time.perf_counter()
                job()
                into.append(time.perf_counter() - began)
        figures[name], figures[f"{name}_reference"] = (
            statistics.median(timed),
            statistics.median(base),
        )
    return figures


def _populate(enquiries: int, touchpoints: int) -> None:
    from django.db import transaction

    from handraise.contacts.models import Contact, Organisation
    from handraise.core.bulk import db_value, insert_rows
    from handraise.core.clock import now
    from handraise.enquiries.models import Enquiry
    from handraise.insights.models import IdealClientProfile
    from handraise.marketing.models import Asset, Channel, Touchpoint

    rng = random.Random(20261204)
    moment = now()
    industries = ["Manufacturing", "Logistics", "Retail", "Law", "Food production", ""]
    with transaction.atomic():
        IdealClientProfile.objects.create(
            name="Bench", industries=["Manufacturing", "Logistics"], min_employees=20,
            max_employees=250, regions=["GB"], keywords=["lead time", "backlog"],
        )  # fmt: skip
        people = max(enquiries // 3, 1)
        orgs = insert_rows(
            Organisation,
            ["name", "domain", "website", "industry", "employees", "created_at"],
            [
                [f"Org {i}", f"org{i}.co.uk", "", rng.choice(industries), rng.randint(1, 500),
                 db_value(moment)]
                for i in range(people // 2)
            ],
            return_ids=True,
        )  # fmt: skip
        contacts = insert_rows(
            Contact,
            ["name", "organisation", "job_title", "notes", "match_key", "created_at", "updated_at"],
            [
                [f"Person {i}", rng.choice(orgs), "", "", "", db_value(moment), db_value(moment)]
                for i in range(people)
            ],
            return_ids=True,
        )
        assets = insert_rows(
            Asset,
            ["kind", "title", "url", "summary", "published_at", "created_at"],
            [
                [rng.choice(Asset.Kind.values), f"Asset {i}", "", "", None, db_value(moment)]
                for i in range(500)
            ],
            return_ids=True,
        )
        words = ["Our lead time slips", "A backlog of orders", "A new logo", "Hello"]
        blank = ["from_phone", "from_company", "visitor_id", "referrer", "landing_page"]
        blank += ["utm_source", "utm_medium", "utm_content", "utm_term", "fit_reasons"]
        insert_rows(
            Enquiry,
            ["channel", "status", "contact", "received_at", "message", "from_name", "from_email",
             "utm_campaign", "fit_score", "created_at", *blank],
            [
                [rng.choice(Enquiry.Channel.values), rng.choice(["open", "responded", "spam"]),
                 rng.choice(contacts),
                 db_value(moment - timedelta(days=rng.uniform(0, 400))), rng.choice(words),
                 "Someone", "someone@example.com", rng.choice(["", "spring", "autumn", "talk"]),
                 rng.randint(0, 100), db_value(moment), *([""] * len(blank))]
                for _ in range(enquiries)
            ],
        )  # fmt: skip
        insert_rows(
            Touchpoint,
            ["visitor_id", "contact", "asset", "channel", "url", "referrer", "utm_source",
             "utm_medium", "utm_campaign", "utm_content", "utm_term", "occurred_at"],
            [
                ["", rng.choice(contacts), rng.choice(assets), rng.choice(Channel.values), "", "",
                 "", "", "", "", "", db_value(moment - timedelta(days=rng.uniform(0, 500)))]
                for _ in range(touchpoints)
            ],
        )  # fmt: skip


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
