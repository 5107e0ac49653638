"""The inside of the Marketing page benchmark: load the demo, make a login, count queries.

Run by ``bench/marketing_page.py`` as ``python -m bench.marketing_page_setup`` in a child
process pointed at the scratch database, before the server starts: it migrates, runs
``handraise demo --scale N``, creates the demo owner with ``ensure_demo_login``, picks a
deal for the reference page, and requests each timed page once through Django's test
client to count its queries. None of this is the timed measurement. It writes what it
found as JSON to ``--output``.
"""

import argparse
import json
import os
import sys
import time

PATHS = ["/marketing/", "/marketing/?days=365", "/marketing/assets/"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, required=True)
    parser.add_argument("--output", required=True)
    arguments = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from handraise.accounts.services import ensure_demo_login
    from handraise.marketing.models import Asset, Touchpoint
    from handraise.sales.models import Deal

    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("demo", scale=arguments.scale, stdout=sys.stdout)
    demo_seconds = time.monotonic() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # what autovacuum would do soon after the load
            cursor.execute("VACUUM ANALYZE")
    username, password = ensure_demo_login(settings.DATA_DIR)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username=username))
    queries = {}
    for path in PATHS:
        client.get(path)  # warm-up
        with CaptureQueriesContext(connection) as captured:
            if client.get(path).status_code != 200:
                raise RuntimeError(f"GET {path} did not answer 200 in the test client")
        queries[path] = len(captured.captured_queries)
    print(f"queries counted ({time.monotonic() - started:.0f} s)", flush=True)
    with open(arguments.output, "w") as output:
        json.dump(
            {
                "username": username,
                "password": password,
                "demo_seconds": demo_seconds,
                "deal": Deal.objects.order_by("pk").values("pk", "title")[0],
                "queries": queries,
                "counts": {
                    "assets": Asset.objects.count(),
                    "touchpoints": Touchpoint.objects.count(),
                    "deals": Deal.objects.count(),
                },
            },
            output,
        )


if __name__ == "__main__":
    main()
