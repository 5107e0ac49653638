"""``handraise report``: the report in the terminal, or as JSON for machines (``--json``)."""

import json

from django.core.management.base import BaseCommand, CommandError

from handraise.insights import report


class Command(BaseCommand):
    help = (
        "The report of the last DAYS (--period, default 90): so far, which assets, "
        "channels and campaigns came before the enquiries and the won revenue, under five "
        "attribution models. --json prints it for machines (docs/report.schema.json)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--period",
            type=int,
            default=90,
            metavar="DAYS",
            help="how many days up to now the report covers (default 90)",
        )
        parser.add_argument(
            "--json",
            action="store_true",
            dest="as_json",
            help="print the report as one JSON document",
        )

    def handle(self, *args, period: int, as_json: bool, **options) -> None:
        if not 1 <= period <= report.MAX_PERIOD_DAYS:
            raise CommandError(f"--period must be 1 to {report.MAX_PERIOD_DAYS} days.")
        if as_json:
            self.stdout.write(_dumps(report.report_document(period_days=period)))
            return
        self.stdout.write(report.attribution_summary(report.period_attribution(period_days=period)))


def _dumps(document: dict) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False)
