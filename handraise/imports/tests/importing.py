"""What the import tests share: a file written as a user has it, and the command run on it."""

import io
from pathlib import Path

from django.core.management import call_command


def write(tmp_path: Path, text: str, name: str = "people.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run(*args: str) -> tuple[int, str]:
    """``handraise import ARGS``: its exit status and what it printed."""
    out = io.StringIO()
    try:
        call_command("import", *args, stdout=out, stderr=io.StringIO())
    except SystemExit as exit:
        return exit.code, out.getvalue()
    return 0, out.getvalue()
