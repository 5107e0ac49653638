"""The durable spool: where a submission waits when the database cannot take it.

Each spooled submission is one JSON file, written to a temporary name, flushed
and fsynced, then renamed into place and the directory fsynced (the maildir
way): a file either exists whole or not at all, and no locking is needed
between web processes. The worker replays files in arrival order and deletes
each once the database holds it; replay is exactly-once because a submission's
``public_id`` is unique. A file that cannot be read is moved aside with its
reason, never deleted (only a person's erasure removes one: ``remove``). This
module knows nothing of forms or spam.
"""

import json
import logging
import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)


class Unstorable(Exception):
    """This record can never be stored as it is; set it aside with the reason."""


def spool_dir() -> Path:
    return Path(settings.DATA_DIR) / "spool"


def write(record: dict) -> Path:
    """Write one submission durably; raises OSError if it could not be made durable."""
    folder = spool_dir()
    (folder / "tmp").mkdir(parents=True, exist_ok=True)
    name = f"{record['received_at']}-{uuid.uuid4().hex}.json".replace(":", "")
    temporary, final = folder / "tmp" / name, folder / name
    # ASCII escapes: any text at all (even a lone surrogate) can be written and read back.
    data = json.dumps(record, ensure_ascii=True).encode()
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.rename(temporary, final)
    _fsync_dir(folder)
    return final


def pending() -> list[Path]:
    folder = spool_dir()
    if not folder.is_dir():
        return []
    return sorted(folder.glob("*.json"))


def stored() -> Iterator[tuple[Path, dict]]:
    """Every readable spooled record on disk, waiting or set aside, with its file."""
    folder = spool_dir()
    for path in [*pending(), *sorted((folder / "rejected").glob("*.json"))]:
        try:
            record = json.loads(path.read_bytes())
        except (OSError, ValueError):
            continue  # unreadable: nobody's, as far as anyone can tell
        if isinstance(record, dict):
            yield path, record


def remove(paths: Iterable[Path]) -> int:
    """Delete these spooled files for good (a set-aside one with its reason); how many."""
    removed = 0
    for path in paths:
        for doomed in (path, path.with_name(f"{path.name}.reason")):
            try:
                doomed.unlink()
            except FileNotFoundError:
                continue  # replayed or removed meanwhile: gone either way
            removed += doomed == path
    if removed:
        _fsync_dir(spool_dir())
    return removed


def replay(store: Callable[[dict], object], *, limit: int = 500) -> int:
    """Hand each spooled record to ``store`` (which must be idempotent); delete it once stored.

    A record ``store`` rejects as ``Unstorable`` is set aside; a database error
    stops the run, leaving the rest for the next one.
    Returns how many were stored.
    """
    stored = 0
    for path in pending()[:limit]:
        try:
            record = json.loads(path.read_bytes())
            if not isinstance(record, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as error:
            _set_aside(path, f"unreadable: {error}")
            continue
        try:
            store(record)  # a database error propagates: the file stays for the next run
        except Unstorable as error:
            _set_aside(path, str(error))
            continue
        path.unlink()
        stored += 1
    if stored:
        _fsync_dir(spool_dir())
    return stored


def _set_aside(path: Path, reason: str) -> None:
    rejected = spool_dir() / "rejected"
    rejected.mkdir(exist_ok=True)
    path.rename(rejected / path.name)
    (rejected / f"{path.name}.reason").write_text(reason)
    logger.error("Spooled submission %s set aside: %s", path.name, reason)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
