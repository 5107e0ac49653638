"""``handraise ingest-email FILE...``: raw RFC 822 messages into Handraise.

Each message goes through ``email_ingest.ingest_email``: a reply from a prospect
becomes an activity on their deal and stops their cadences; a new sender
becomes an email enquiry, acknowledged and on the response clock; the rest
is recorded and set aside. One line per message says which.
"""

import os
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import Error as DatabaseError

from handraise.enquiries import email_ingest

READ_CHUNK = 1024 * 1024


class Command(BaseCommand):
    help = (
        "Take in raw emails (RFC 822 files): replies stop cadences, new senders become "
        "enquiries.\n\n"
        "FILE may be a message file, a directory (every file in it, e.g. a Maildir's "
        "new/ folder) or - for one message on standard input. The same message given "
        "twice is handled once. Exit status: 0 when every message was handled, 1 when "
        "any was quarantined or could not be read."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="message, directory or -")

    def handle(self, *args, files: list[str], **options) -> None:
        handled = troubled = 0
        for name in files:
            for source, read in _messages(name):
                handled += 1
                try:
                    raw, size = read()
                    result = email_ingest.ingest_email(raw=raw, source=source, size=size)
                except OSError as error:
                    troubled += 1
                    self.stdout.write(
                        _printable(f"{source}: unreadable: {error.strerror or error}")
                    )
                    continue
                except DatabaseError as error:
                    troubled += 1
                    first = str(error).strip().splitlines()[:1] or ["no detail"]
                    self.stdout.write(
                        _printable(f"{source}: not stored, the database failed: {first[0]}")
                    )
                    continue
                troubled += result.needs_attention
                self.stdout.write(_printable(f"{source}: {result}"))
        if troubled:
            self.stderr.write(f"{troubled} of {handled} messages need attention (see above).")
            sys.exit(1)


def _messages(name: str):
    """(source, reader) for each message the argument names, in a stable order."""
    if name == "-":
        yield "stdin", lambda: _read(sys.stdin.buffer)
        return
    path = Path(name)
    if path.is_dir():
        try:
            children = sorted(path.iterdir())
        except OSError as error:
            yield name, lambda error=error: _raise(error)
            return
        for child in children:
            if child.is_file() and not child.name.startswith("."):
                yield str(child), lambda child=child: _read_file(child)
        return
    yield name, lambda: _read_file(path)


def _read_file(path: Path) -> tuple[bytes, int]:
    with path.open("rb") as stream:
        return _read(stream)


def _read(stream) -> tuple[bytes, int]:
    """At most one byte past the limit, and the whole size: a huge file is never loaded."""
    limit = settings.INBOUND_EMAIL_MAX_BYTES
    raw = stream.read(limit + 1)
    size = len(raw)
    if size > limit:
        if stream.seekable():
            size = os.fstat(stream.fileno()).st_size
        else:  # a pipe: count what is left
            while chunk := stream.read(READ_CHUNK):
                size += len(chunk)
    return raw, size


def _printable(line: str) -> str:
    # Names and subjects come from strangers: no escape sequence reaches the terminal.
    return "".join(c if c.isprintable() else "\ufffd" for c in line)


def _raise(error: OSError):
    raise error
