"""The inside of the pages benchmark: load the demo, make a login, choose deals, count queries.

Run by ``bench/pages.py`` as ``python -m bench.pages_setup`` in a child process
pointed at the scratch database (Django's settings are per process), before the
server starts. It migrates, runs ``handraise demo --scale N`` (the command itself),
creates the demo owner with ``ensure_demo_login``, chooses the deal pages to time,
and then requests each page a few times through Django's test client with every
query logged, to count the queries it sends and see where its time goes. None of
this is the timed measurement: the parent does that over HTTP. It prints progress
lines and writes what it found as JSON to ``--output``.
"""

import argparse
import json
import os
import random
import sys
import time

PROFILE_REPEATS = 9  # in-process profiles per page (after one warm-up); the median is kept
SLOWEST_SHOWN = 3


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, required=True)
    parser.add_argument("--deals", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--output", required=True)
    arguments = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from handraise.accounts.services import ensure_demo_login

    started = time.monotonic()

    def progress(message: str) -> None:
        print(f"{message} ({time.monotonic() - started:.0f} s)", flush=True)

    call_command("migrate", interactive=False, verbosity=0)
    progress("migrated")
    demo_started = time.monotonic()
    call_command("demo", scale=arguments.scale, stdout=sys.stdout)
    demo_seconds = time.monotonic() - demo_started
    if connection.vendor == "postgresql":
        # What autovacuum would do within a minute of the load, done before the timing
        # starts so that it does not land in the middle of it.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        progress("vacuumed and analysed")
    username, password = ensure_demo_login(settings.DATA_DIR)
    deals = _choose_deals(arguments.deals, random.Random(arguments.seed))
    progress(f"{len(deals)} deal pages chosen")
    profiles = _profile_pages(username, deals)
    progress("queries counted")
    with open(arguments.output, "w") as output:
        json.dump(
            {
                "username": username,
                "password": password,
                "demo_seconds": demo_seconds,
                "counts": _counts(),
                "stages": _stage_names(),
                "deals": deals,
                "profiles": profiles,
            },
            output,
        )


def _choose_deals(wanted: int, rng: random.Random) -> list[dict]:
    """Half the open deals with the most activities (the longest timelines), half at random.

    The random half is drawn from every deal not already chosen, open or closed, with
    the benchmark's seed, from the ids in order (so the same data gives the same draw).
    """
    from django.db.models import Count

    from handraise.sales.models import Deal

    busiest = list(
        Deal.objects.filter(stage__is_won=False, stage__is_lost=False)
        .annotate(activity_count=Count("activities"))
        .order_by("-activity_count", "pk")
        .values("pk", "title", "stage__name", "activity_count")[: (wanted + 1) // 2]
    )
    chosen = {deal["pk"] for deal in busiest}
    everyone = Deal.objects.order_by("pk").values_list("pk", flat=True)
    others = [pk for pk in everyone if pk not in chosen]
    drawn = sorted(rng.sample(others, min(len(others), wanted - len(busiest))))
    at_random = list(
        Deal.objects.filter(pk__in=drawn)
        .annotate(activity_count=Count("activities"))
        .order_by("pk")
        .values("pk", "title", "stage__name", "activity_count")
    )
    for deal in busiest:
        deal["why"] = "busiest open"
    for deal in at_random:
        deal["why"] = "random"
    return busiest + at_random


def _counts() -> dict[str, int]:
    from handraise.contacts.models import Contact
    from handraise.enquiries.models import Enquiry
    from handraise.marketing.models import Touchpoint
    from handraise.sales.models import Activity, Deal

    return {
        "contacts": Contact.objects.count(),
        "touchpoints": Touchpoint.objects.count(),
        "enquiries": Enquiry.objects.count(),
        "deals": Deal.objects.count(),
        "open deals": Deal.objects.filter(stage__is_won=False, stage__is_lost=False).count(),
        "activities": Activity.objects.count(),
    }


def _stage_names() -> list[str]:
    from handraise.sales.models import Stage

    return list(Stage.objects.values_list("name", flat=True))


class Stopwatch:
    """Time spent in the queries a connection executes and in rendering templates.

    The queries are logged by a ``connection.execute_wrapper``: the time of each
    execute call (on SQLite, rows fetched after the first are not in it). Rendering
    is the time inside the outermost ``render`` of Django's template backend, which
    ``django.shortcuts.render`` goes through; queries run while a template renders
    (a queryset evaluated in the template) are counted apart, so no time is counted
    twice. Installed in this child process only; the server is left as it is.
    """

    def __init__(self) -> None:
        self.queries: list[dict] = []
        self.rendering = 0.0
        self._depth = 0

    def __call__(self, execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append(
                {
                    "sql": sql,
                    "seconds": time.perf_counter() - began,
                    "in_template": self._depth > 0,
                }
            )

    def wrap_render(self, render):
        def timed_render(template, context=None, request=None):
            self._depth += 1
            began = time.perf_counter()
            try:
                return render(template, context, request)
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self.rendering += time.perf_counter() - began

        return timed_render


def _profile_pages(username: str, deals: list[dict]) -> dict[str, dict]:
    """Per page: the queries one request sends, and where its time goes in this process.

    Through Django's test client (same URLs, middleware and templates as the server,
    no HTTP): one warm-up request, then ``PROFILE_REPEATS`` timed with a
    ``Stopwatch``; the figures are the median request's. Every sampled deal page is
    profiled, so a query count that grows with a deal's timeline shows up as a range.
    """
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.template.backends.django import Template
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username=username))
    original_render = Template.render

    def profile(path: str) -> dict:
        if client.get(path).status_code != 200:
            raise RuntimeError(f"GET {path} did not answer 200 in the test client")
        runs = []
        for _ in range(PROFILE_REPEATS):
            watch = Stopwatch()
            Template.render = watch.wrap_render(original_render)
            try:
                with connection.execute_wrapper(watch):
                    began = time.perf_counter()
                    response = client.get(path)
                    took = time.perf_counter() - began
            finally:
                Template.render = original_render
            if response.status_code != 200:
                raise RuntimeError(f"GET {path} answered {response.status_code}")
            runs.append((took, watch))
        counts = {len(watch.queries) for _, watch in runs}
        if len(counts) > 1:
            raise RuntimeError(f"GET {path} sent {sorted(counts)} queries on the same data")
        took, watch = sorted(runs, key=lambda run: run[0])[len(runs) // 2]
        sql = sum(query["seconds"] for query in watch.queries)
        sql_in_templates = sum(q["seconds"] for q in watch.queries if q["in_template"])
        slowest = sorted(watch.queries, key=lambda query: query["seconds"], reverse=True)
        return {
            "queries": len(watch.queries),
            "queries_in_templates": sum(1 for q in watch.queries if q["in_template"]),
            "seconds": took,
            "sql_seconds": sql,
            "rendering_seconds": watch.rendering - sql_in_templates,
            "slowest": [
                {"seconds": query["seconds"], "sql": query["sql"][:300]}
                for query in slowest[:SLOWEST_SHOWN]
            ],
        }

    profiles = {
        "board": profile("/pipeline/"),
        "today": profile("/today/"),
        "reference": profile(f"/bench/page/{deals[0]['pk']}/"),
    }
    for deal in deals:
        profiles[f"deal {deal['pk']}"] = profile(f"/deals/{deal['pk']}/")
    return profiles


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
