"""``demo``: fill an empty database with a year of a small consultancy's history.

A thin wrapper around ``handraise.demo.build_demo``: it parses the options, prints
progress and the counts, and turns "this database is not empty" into a one-line error.
"""

import time
from argparse import ArgumentTypeError
from dataclasses import asdict

from django.core.management.base import BaseCommand, CommandError, CommandParser

from handraise.demo import BUSINESS_NAME, DemoDatabaseNotEmpty, build_demo


def _at_least_one(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ArgumentTypeError(f"{raw!r} is not a whole number of at least 1")
    return value


class Command(BaseCommand):
    help = "Load twelve months of demo data (contacts, enquiries, deals...) into an empty database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            type=_at_least_one,
            default=1,
            help="Multiply the volumes: 1 is about 10,000 touchpoints, 100 about a million.",
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="The same seed gives the same data (default 1)."
        )

    def handle(self, *args, scale: int, seed: int, **options) -> None:
        started = time.monotonic()
        self.stdout.write(f"Building demo data for {BUSINESS_NAME} (scale {scale}, seed {seed})")
        try:
            summary = build_demo(scale=scale, seed=seed, progress=self.stdout.write)
        except DemoDatabaseNotEmpty as error:
            raise CommandError(str(error)) from None
        elapsed = time.monotonic() - started
        for name, count in asdict(summary).items():
            self.stdout.write(f"  {name.replace('_', ' '):<20} {count:>10,}")
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded in {elapsed:.1f} s."))
