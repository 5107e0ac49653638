"""The inside of benchmark 4: populate a scratch database, then time ``resolve_contact``.

Run by ``bench/identity.py`` as ``python -m bench.identity_lookups`` in a child
process pointed at the scratch database (Django's settings are per process).
It migrates, writes the population (``population.py``), then times lookups of
four kinds, shuffled together with the reference lookups, each inside a
transaction that is rolled back so the database stays as populated. It prints
progress lines and writes the timings as JSON to ``--output``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import sys
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # bench.population needs Django set up; main() does that first
    from bench.people import People
    from bench.population import Population


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, required=True)
    parser.add_argument("--lookups", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--output", required=True)
    arguments = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "handraise.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from bench.people import People

    started = time.monotonic()

    def progress(message: str) -> None:
        print(f"{message} ({time.monotonic() - started:.0f} s)", flush=True)

    call_command("migrate", interactive=False, verbosity=0)
    progress("migrated")
    from bench.population import populate

    people = People(arguments.seed)
    population = populate(arguments.contacts, people, progress)
    load_seconds = time.monotonic() - started
    progress("population written")
    timings, surprises, buckets, queries = _time_lookups(
        population, people, arguments.lookups, progress
    )
    with open(arguments.output, "w") as output:
        json.dump(
            {
                "contacts": population.contacts,
                "emails": population.emails,
                "phones": population.phones,
                "organisations": population.organisations,
                "distinct_match_keys": len(population.bucket_sizes),
                "largest_buckets": population.bucket_sizes.most_common(5),
                "load_seconds": load_seconds,
                "timings": timings,
                "surprises": surprises,
                "buckets": buckets,
                "queries": queries,
            },
            output,
        )


def _time_lookups(population: Population, people: People, lookups: int, progress):
    from django.db import transaction

    from bench.people import COMMON_SURNAMES
    from handraise.contacts.matching import match_key
    from handraise.contacts.models import ContactEmail
    from handraise.contacts.services import resolve_contact

    rng = random.Random(people.random.random())
    common = [name for name, _ in COMMON_SURNAMES[:20]]
    common_weights = [share for _, share in COMMON_SURNAMES[:20]]
    rare = sorted(key for key, size in population.bucket_sizes.items() if size <= 5)

    def new_email(kind: str, index: int) -> str:
        return f"new.{kind}.{index}@example.org"

    def company() -> str:
        # Half give a company: an existing one or one never seen before.
        roll = rng.random()
        if roll < 0.25:
            return rng.choice(population.organisation_names)
        return people.company() if roll < 0.5 else ""

    plan = []  # (kind, expected matched_on, call)
    for index in range(lookups):
        name, email = rng.choice(population.known_emails)
        plan.append(("known email", "email", dict(name=name, email=email)))
        name, phone = rng.choice(population.known_phones)
        plan.append(("known phone", "phone", dict(name=name, phone=phone)))
        surname = rng.choices(common, weights=common_weights)[0]
        plan.append(
            (
                "new person, common surname",
                "new",
                dict(
                    name=people.name(surname=surname),
                    email=new_email("common", index),
                    organisation=company(),
                ),
            )
        )
        surname = rng.choice(rare).capitalize()
        plan.append(
            (
                "new person, rare surname",
                "new",
                dict(
                    name=people.name(surname=surname),
                    email=new_email("rare", index),
                    organisation=company(),
                ),
            )
        )
        plan.append(("reference", None, dict(email=rng.choice(population.known_emails)[1])))
    rng.shuffle(plan)

    def timed(kind: str, arguments: dict) -> tuple[float, str | None]:
        with transaction.atomic():
            began = time.perf_counter()
            if kind == "reference":
                ContactEmail.objects.filter(email=arguments["email"]).first()
                matched_on = None
            else:
                matched_on = resolve_contact(**arguments).matched_on
            took = time.perf_counter() - began
            transaction.set_rollback(True)  # leave the million as they were
        return took, matched_on

    for kind, _, arguments in plan[:100]:  # warm-up: caches, prepared plans
        timed(kind, arguments)
    # The population's samples are big and live long; keep them out of the garbage
    # collector's way so a full collection does not land inside a timed lookup.
    gc.collect()
    gc.freeze()
    progress("warmed up")
    timings: dict[str, list[float]] = {}
    surprises: dict[str, int] = {}
    buckets: dict[str, list[int]] = {}
    for done, (kind, expected, arguments) in enumerate(plan, start=1):
        took, matched_on = timed(kind, arguments)
        timings.setdefault(kind, []).append(took)
        if matched_on != expected:
            surprises[kind] = surprises.get(kind, 0) + 1
        if "name" in arguments and kind.startswith("new"):
            buckets.setdefault(kind, []).append(
                population.bucket_sizes.get(match_key(arguments["name"]), 0)
            )
        if done % 1000 == 0:
            progress(f"{done:,} of {len(plan):,} lookups timed")
    queries = _count_queries(plan, timed)
    return timings, surprises, buckets, queries


def _count_queries(plan, timed) -> dict[str, int]:
    """Queries one lookup of each kind sends (after the timing: capturing slows them)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    queries = {}
    for kind, _, arguments in plan:
        if kind not in queries:
            with CaptureQueriesContext(connection) as captured:
                timed(kind, arguments)
            # The benchmark's own BEGIN/ROLLBACK around each lookup are not the lookup's.
            queries[kind] = sum(
                1
                for query in captured.captured_queries
                if query["sql"] not in ("BEGIN", "BEGIN IMMEDIATE", "ROLLBACK")
            )
    return queries


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
