"""``handraise export DIR``: every table as a CSV file, for a spreadsheet or a backup."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from handraise.insights import exports


class Command(BaseCommand):
    help = (
        "Write contacts, enquiries, deals, activities, signals and touchpoints to DIR as "
        "CSV files (UTF-8, times in the business's time zone; text a spreadsheet would "
        "run as a formula is prefixed with an apostrophe). Existing files are replaced."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("directory", metavar="DIR", help="folder to write into (created)")

    def handle(self, *args, directory: str, **options) -> None:
        target = Path(directory)
        try:
            written = exports.export_all(target)
        except OSError as error:
            raise CommandError(f"Cannot write to {target}: {error.strerror or error}.") from error
        for name, rows in written:
            self.stdout.write(f"{target / name}: {rows:,} rows")
