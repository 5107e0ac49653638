"""``handraise forget EMAIL``: erase one person, as the contact page's "Erase" does.

The person is found by the email as intake normalises it. The command says how
much will go and asks before erasing, unless ``--yes``; ``--export FILE`` first
writes the person's data (the contact page's export) to FILE. One line then says
what was erased. Exit status 1 when no contact has that email, or nothing was
erased because the answer was not yes.
"""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from handraise.privacy import selectors, services
from handraise.privacy.models import Erasure


class Command(BaseCommand):
    help = (
        "Erase one person (GDPR): their contact, enquiries, raw submissions and emails, "
        "deals, activities, touchpoints and the emails sent to them.\n\n"
        "Enquiries, deals, activities, signals and touchpoints stay as anonymous rows, so "
        "the figures still add up; the rest is deleted. Asks first unless --yes; "
        "--export FILE writes their data to FILE (JSON) before erasing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("email", metavar="EMAIL", help="any of the person's email addresses")
        parser.add_argument("--yes", action="store_true", help="erase without asking")
        parser.add_argument(
            "--export", metavar="FILE", help="write everything about them to FILE first"
        )

    def handle(self, *args, email: str, yes: bool, export: str | None, **options) -> None:
        try:
            contact = selectors.contact_by_email(email)
        except selectors.NoSuchPerson as error:
            raise CommandError(f"{error} Nothing was erased.") from None
        if export:
            _write_export(Path(export), selectors.person_export_json(contact))
            self.stdout.write(f"Wrote their data to {export}.")
        counts = selectors.person_records(contact).counts()
        if not yes:
            self.stdout.write(f"This will erase the person with that email: {_plan(counts)}.")
            if not _confirmed(input_text="Erase them for good? It cannot be undone. [y/N] "):
                raise CommandError("Not confirmed: nothing was erased.")
        try:
            erasure = services.erase_person(contact=contact, via=Erasure.Via.COMMAND)
        except services.AlreadyErased as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Erased one person: {services.describe(erasure.counts)}.")


def _plan(counts: dict[str, int]) -> str:
    parts = [
        f"{text} {'made anonymous' if kept else 'deleted'}"
        for text, kept in services.summary(counts)
    ]
    return ", ".join(parts) if parts else "their name and details"


def _confirmed(*, input_text: str) -> bool:
    try:
        return input(input_text).strip().lower() in {"y", "yes"}
    except EOFError:  # nobody to ask (a script without --yes): not confirmed
        return False


def _write_export(path: Path, data: bytes) -> None:
    """The file is only the owner's to read (0600): it holds everything about a person."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except OSError as error:
        raise CommandError(
            f"Could not write {path}: {error.strerror}. Nothing was erased."
        ) from None
