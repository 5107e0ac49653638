"""The inside of benchmark 8: write a year of touchpoints and deals, then time attribution.

Run by ``bench/attribution.py`` as ``python -m bench.attribution_run`` in a child
process pointed at the scratch database (Django's settings are per process). It
migrates, writes the history (contacts, enquiries and deals with ``bulk_create``, the
touchpoints with ``core.bulk.insert_rows``), then times
``marketing.attribution.attribution`` (all five models) and the bare aggregate over
the same window join, one after the other, several rounds. It prints progress lines
and writes what it found as JSON to ``--output``.
"""

import argparse
import json
import os
import random
import time
from datetime import timedelta

CHANNELS = ["organic_search", "social", "email", "referral", "direct", "paid", "event", "other"]
ASSETS = 200
CAMPAIGNS = [f"campaign-{n}" for n in range(30)]
TOUCHPOINT_CHUNK = 50_000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--touchpoints", type=int, required=True)
    parser.add_argument("--deals", type=int, required=True)
    parser.add_argument("--rounds", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--output", required=True)
    arguments = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "handraise.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    started = time.monotonic()

    def progress(message: str) -> None:
        print(f"{message} ({time.monotonic() - started:.0f} s)", flush=True)

    call_command("migrate", interactive=False, verbosity=0)
    progress("migrated")
    counts = _populate(arguments, progress)
    load_seconds = time.monotonic() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        progress("vacuumed and analysed")
    timings, answer = _time(arguments.rounds, progress)
    with open(arguments.output, "w") as output:
        json.dump(
            {"counts": counts, "load_seconds": load_seconds, "timings": timings, **answer},
            output,
        )


def _populate(arguments, progress) -> dict:
    from django.db import transaction

    from handraise.contacts.models import Contact
    from handraise.core import clock
    from handraise.core.bulk import db_value, insert_rows
    from handraise.enquiries.models import Enquiry
    from handraise.marketing.models import Asset, Touchpoint
    from handraise.sales.models import Deal, Stage

    rng = random.Random(arguments.seed)
    now = clock.now()
    year = timedelta(days=365)
    deals_wanted = arguments.deals
    enquiries_wanted = deals_wanted * 3 // 2  # three in four deals come from an enquiry
    from_enquiries = deals_wanted * 3 // 4
    contacts_wanted = enquiries_wanted + (deals_wanted - from_enquiries) + deals_wanted

    def moment_within(days: float) -> timedelta:
        return timedelta(seconds=rng.uniform(0, days * 86400))

    with transaction.atomic():
        assets = Asset.objects.bulk_create(
            Asset(kind=rng.choice(Asset.Kind.values), title=f"Asset {n}") for n in range(ASSETS)
        )
        asset_ids = [asset.pk for asset in assets]
        contacts = Contact.objects.bulk_create(
            (Contact(name=f"Person {n}") for n in range(contacts_wanted)), batch_size=2000
        )
        progress(f"{len(contacts):,} contacts")
        enquiries = Enquiry.objects.bulk_create(
            (
                Enquiry(
                    channel=Enquiry.Channel.FORM,
                    status=Enquiry.Status.RESPONDED,
                    contact=contacts[n],
                    received_at=now - moment_within(364),
                    visitor_id=f"v{n}" if n % 2 == 0 else "",
                )
                for n in range(enquiries_wanted)
            ),
            batch_size=2000,
        )
        progress(f"{len(enquiries):,} enquiries")
        stages = {stage.name: stage for stage in Stage.objects.all()}
        deals = []
        for n in range(deals_wanted):
            if n < from_enquiries:
                enquiry = enquiries[n]
                contact, created = enquiry.contact, enquiry.received_at + timedelta(hours=20)
                origin = Deal.Origin.MARKETING
            else:
                enquiry = None
                contact = contacts[enquiries_wanted + n - from_enquiries]
                created = now - moment_within(364)
                origin = rng.choice(
                    [Deal.Origin.OUTBOUND, Deal.Origin.REFERRAL, Deal.Origin.REPEAT]
                )
            closed = min(created + timedelta(days=rng.uniform(5, 60)), now - timedelta(hours=1))
            outcome = rng.random()
            stage = "Won" if outcome < 0.5 else "Lost" if outcome < 0.7 else "Conversation"
            deals.append(
                Deal(
                    title=f"Deal {n}",
                    contact=contact,
                    enquiry=enquiry,
                    stage=stages[stage],
                    origin=origin,
                    value=rng.randrange(50_000, 2_000_000) / 100,
                    created_at=min(created, closed),
                    stage_entered_at=closed,
                    closed_at=closed if stage != "Conversation" else None,
                )
            )
        Deal.objects.bulk_create(deals, batch_size=2000)
        progress(f"{len(deals):,} deals")

        columns = ["visitor_id", "contact", "asset", "channel", "url", "referrer"]
        columns += ["utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term"]
        columns += ["occurred_at"]

        def row(visitor: str, contact_id, at) -> list:
            asset = rng.choice(asset_ids) if rng.random() < 0.8 else None
            campaign = rng.choice(CAMPAIGNS) if rng.random() < 0.5 else ""
            channel = rng.choice(CHANNELS)
            utm = ["", "", campaign, "", ""]
            return [visitor, contact_id, asset, channel, "", "", *utm, db_value(at)]

        def known_rows():
            # Enquirers: ten visits linked to them around the year, and half of them
            # four more under their visitor id before they enquired (never claimed).
            for enquiry in enquiries:
                for _ in range(10):
                    yield row("", enquiry.contact_id, now - moment_within(364))
                if enquiry.visitor_id:
                    for _ in range(4):
                        at = enquiry.received_at - moment_within(120)
                        yield row(enquiry.visitor_id, None, at)
            for deal in deals[from_enquiries:]:
                for _ in range(4):
                    yield row("", deal.contact_id, deal.created_at - moment_within(120))

        def anonymous_rows(count: int):
            made = 0
            while made < count:
                visitor = f"a{made}"
                for _ in range(rng.choice((1, 1, 1, 2, 3, 5))):
                    if made >= count:
                        break
                    yield row(visitor, None, now - year + moment_within(364))
                    made += 1

        written = 0
        chunk: list = []
        for values in known_rows():
            if written + len(chunk) >= arguments.touchpoints:
                break
            chunk.append(values)
            if len(chunk) == TOUCHPOINT_CHUNK:
                insert_rows(Touchpoint, columns, chunk)
                written, chunk = written + len(chunk), []
        known = written + len(chunk)
        for values in anonymous_rows(arguments.touchpoints - known):
            chunk.append(values)
            if len(chunk) == TOUCHPOINT_CHUNK:
                insert_rows(Touchpoint, columns, chunk)
                written, chunk = written + len(chunk), []
                if written % 200_000 == 0:
                    progress(f"{written:,} touchpoints")
        insert_rows(Touchpoint, columns, chunk)
        written += len(chunk)
        progress(f"{written:,} touchpoints ({known:,} of known people)")
    return {
        "contacts": len(contacts),
        "enquiries": len(enquiries),
        "deals": len(deals),
        "won deals": Deal.objects.filter(stage__is_won=True).count(),
        "touchpoints": Touchpoint.objects.count(),
        "touchpoints of known people": known,
    }


def _time(rounds: int, progress) -> tuple[dict, dict]:
    from django.conf import settings

    from handraise.accounts.models import BusinessSettings
    from handraise.core import clock
    from handraise.marketing import attribution

    end = clock.now()
    period = {
        "start": end - timedelta(days=365),
        "end": end,
        "window_days": settings.ATTRIBUTION_WINDOW_DAYS,
        "currency": BusinessSettings.load().currency,
    }
    timings: dict[str, list[float]] = {"attribution": [], "bare": []}
    result = attribution.attribution(**period)  # warm-up: caches, plans
    for index in range(rounds):
        # Alternate which goes first, so a drift in the machine's speed hits both alike.
        order = ["attribution", "bare"] if index % 2 == 0 else ["bare", "attribution"]
        for name in order:
            began = time.perf_counter()
            if name == "attribution":
                result = attribution.attribution(**period)
            else:
                attribution.bare_aggregate(**period)
            timings[name].append(time.perf_counter() - began)
        progress(f"round {index + 1} of {rounds}")
    linear = result.model("linear")
    return timings, {
        "hand_raises": result.enquiries + result.won_deals,
        "won_deals_in_period": result.won_deals,
        "won_revenue": str(result.won_revenue),
        "attributed_revenue": str(result.attributed_revenue),
        "assets_credited": len(linear.assets),
        "touchpoints_in_windows": _window_size(period),
    }


def _window_size(period: dict) -> int:
    """How many (hand-raise, touchpoint) pairs the window join yields: the work's size."""
    from handraise.marketing import attribution

    return sum(row[1] for row in attribution.bare_aggregate(**period))


if __name__ == "__main__":
    main()
