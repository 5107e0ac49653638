"""``handraise export DIR``: every table as a CSV file, for a spreadsheet, a backup or
``handraise import DIR`` into another install."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from handraise.insights import exports


class Command(BaseCommand):
    help = (
        "Write contacts, enquiries, deals, activities, signals, touchpoints, assets and the "
        "business's setup (stages, themes, quick tags, cadences, forms, saved replies) to DIR "
        "as CSV files, and its settings as settings.json (UTF-8, times in the business's time "
        "zone; text a spreadsheet would run as a formula is prefixed with an apostrophe). "
        "`handraise import DIR` rebuilds the business from them. Existing files are replaced."
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
