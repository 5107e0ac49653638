"""The ``handraise`` console command (also ``python -m handraise``).

Every Django management command is a ``handraise`` command: ``handraise serve``,
``handraise migrate``, ``handraise shell``. This module only adds a short
overview for ``--help`` and turns configuration and connection problems into
one line that says what to fix, instead of a traceback.
"""

import os
import sys

import django
from django.core.exceptions import ImproperlyConfigured
from django.core.management import execute_from_command_line, get_commands, load_command_class
from django.db.utils import OperationalError

OVERVIEW = """\
usage: handraise <command> [options]

Handraise: a self-hosted business-development engine.

Handraise commands:
{handraise_commands}

Every Django management command works too:
  {django_commands}

'handraise help <command>' explains one command.
Configuration comes from HANDRAISE_* environment variables (see the README).
"""


def main(argv: list[str] | None = None) -> None:
    argv = ["handraise", *(sys.argv[1:] if argv is None else argv)]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "handraise.settings")

    try:
        django.setup()
        if len(argv) == 1 or argv[1:] in (["-h"], ["--help"]):
            print(overview())
            return
        execute_from_command_line(_underscored(argv))
    except ImproperlyConfigured as error:
        sys.exit(f"handraise: configuration error: {error}")
    except OperationalError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else "no detail"
        sys.exit(
            f"handraise: cannot use the database ({first_line}); "
            "check HANDRAISE_DATABASE_URL and that the database is running."
        )


def _underscored(argv: list[str]) -> list[str]:
    """``handraise ingest-email`` runs the ``ingest_email`` management command."""
    position = 2 if argv[1:2] == ["help"] else 1
    if len(argv) > position and not argv[position].startswith("-"):
        argv = [*argv[:position], argv[position].replace("-", "_"), *argv[position + 1 :]]
    return argv


def overview() -> str:
    ours, theirs = [], []
    for name, app in sorted(get_commands().items()):
        if app.startswith("handraise."):
            command = load_command_class(app, name)
            summary = (command.help or "").strip().splitlines()[0] if command.help else ""
            ours.append(f"  {name.replace('_', '-'):<14} {summary}")
        else:
            theirs.append(name)
    return OVERVIEW.format(
        handraise_commands="\n".join(ours), django_commands=_wrap(theirs, width=76)
    )


def _wrap(words: list[str], *, width: int) -> str:
    lines, line = [], ""
    for word in words:
        if line and len(line) + len(word) + 2 > width:
            lines.append(line + ",")
            line = word
        else:
            line = f"{line}, {word}" if line else word
    lines.append(line)
    return "\n  ".join(lines)
