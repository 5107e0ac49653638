"""Import jobs: the Import page's uploads, run by the worker through ``runner``.

``receive_upload`` keeps an uploaded file in the data dir (moved there from where
Django streamed it, never read into memory) and opens it with ``plan_import``,
so a file that cannot be imported is refused at once, and deleted, with the
runner's one sentence. ``start_job`` records the owner's column choices and
queues the job; the worker's ``run_job`` claims it, runs it with
``run_import`` and writes its progress every ``PROGRESS_EVERY`` rows or second,
then its summary and rejected rows, and deletes the upload. ``run_again``
queues a failed or interrupted job once more, which is safe because an import
adds nothing the second time. Uploads left unconfirmed for a day are deleted by
``discard_abandoned_uploads``, a periodic job.

This module does not read or map CSV itself (``runner`` does) and does not
decide who may import (the views are owners-only).
"""

import logging
import re
import shutil
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path, PurePath

from django.conf import settings
from django.core.cache import cache
from django.core.files.move import file_move_safe
from django.core.files.uploadedfile import UploadedFile
from django.db.models import F

from handraise.core.clock import now
from handraise.imports import selectors
from handraise.imports.models import ImportJob
from handraise.imports.runner import (
    ImportProblem,
    Options,
    Plan,
    plan_import,
    rejects_beside,
    run_import,
    summary,
    write_rejects,
)
from handraise.sales.models import Deal

logger = logging.getLogger(__name__)

Status = ImportJob.Status
# Progress is written this often (rows, seconds), whichever comes first: often enough
# for a bar that moves, rarely enough that the writes cost nothing next to the import.
PROGRESS_EVERY = 1000
PROGRESS_SECONDS = 1.0
UPLOADS = "imports"  # under the data dir
# An upload whose columns nobody confirmed is deleted after this long.
ABANDONED_AFTER = timedelta(days=1)
_UNSAFE_IN_NAMES = re.compile(r"[^\w .()+-]+")


def absolute(stored: str) -> Path:
    """A path kept on a job (relative to the data dir, so the dir may move) as a file."""
    return settings.DATA_DIR / stored


def safe_file_name(given: str) -> str:
    """The uploaded file's own name, without folders or characters a path must not hold.

    Kept as the file's name on disk too: it is what the import records as where
    people came from ("imported from hubspot-contacts.csv").
    """
    stem = PurePath(given.replace("\\", "/")).name
    cleaned = _UNSAFE_IN_NAMES.sub("_", stem).strip(" ._")[:120]
    return cleaned or "upload.csv"


# The runner's advice for the command line; on the page the columns' selects do that.
_COMMAND_LINE_ADVICE = re.compile(r";? *name one with --\S+.*$")


def in_words(text: str, path: Path, file_name: str) -> str:
    """The runner's sentence for the page: the uploaded file's name, not where it is kept,
    and without advice about the command's options."""
    return _COMMAND_LINE_ADVICE.sub(".", text.replace(str(path), file_name))


def receive_upload(*, user, kind: str, upload: UploadedFile) -> ImportJob:
    """Keep the upload and open it; ``ImportProblem`` (and nothing kept) if it cannot be."""
    name = safe_file_name(upload.name or "")
    folder = Path(UPLOADS) / uuid.uuid4().hex
    stored = folder / name
    target = absolute(str(stored))
    target.parent.mkdir(parents=True)
    if hasattr(upload, "temporary_file_path"):
        file_move_safe(upload.temporary_file_path(), str(target))
    else:  # a small upload Django kept in memory
        with target.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
    try:
        plan = plan_import(kind, target)
    except ImportProblem as problem:
        shutil.rmtree(target.parent, ignore_errors=True)
        raise ImportProblem(in_words(str(problem), target, name)) from None
    return ImportJob.objects.create(
        user=user,
        kind=kind,
        file_name=name,
        file_size=target.stat().st_size,
        stored_path=str(stored),
        rows_total=_rows_total(plan),
        created_at=now(),
    )


def start_job(
    *, job: ImportJob, overrides: list[str], date_order: str, dry_run: bool, origin: str
) -> bool:
    """Queue an uploaded job with the owner's choices; False if it was started already."""
    started = ImportJob.objects.filter(pk=job.pk, status=Status.UPLOADED).update(
        status=Status.QUEUED,
        overrides=overrides,
        date_order=date_order,
        dry_run=dry_run,
        origin=origin,
    )
    return bool(started)


def discard_upload(*, job: ImportJob) -> bool:
    """Forget an upload the owner decided not to import; False once it was started."""
    gone = ImportJob.objects.filter(pk=job.pk, status=Status.UPLOADED).delete()[0]
    if gone and job.stored_path:
        shutil.rmtree(absolute(job.stored_path).parent, ignore_errors=True)
    return bool(gone)


def discard_abandoned_uploads() -> int:
    """Uploads nobody went on to import are deleted after a day. Periodic."""
    cutoff = now() - ABANDONED_AFTER
    old = ImportJob.objects.filter(status=Status.UPLOADED, created_at__lt=cutoff)
    return sum(discard_upload(job=job) for job in old.order_by("pk")[:100])


def run_again(*, job: ImportJob) -> bool:
    """Queue a failed or interrupted job again; False if it is neither (or its file is gone)."""
    if not selectors.can_run_again(job):
        return False
    queued = ImportJob.objects.filter(pk=job.pk, status=job.status).update(
        status=Status.QUEUED, error="", rows_done=0, finished_at=None
    )
    return bool(queued)


class WorkerStopping(Exception):
    """The worker is shutting down: the import stops between two rows."""


def run_queued_jobs(stop: threading.Event) -> int:
    """Run the oldest queued job to the end; how many ran (0 or 1).

    The worker polls this on a thread of its own (``LONG_POLLED_JOBS``), not through
    the task queue: an import of minutes must not hold up the acknowledgements and
    reminders queued behind it. ``stop`` is set when the worker shuts down.
    """
    job_id = None if stop.is_set() else selectors.next_queued_job()
    if job_id is None:
        return 0
    run_job(job_id=job_id, stop=stop)
    return 1


def run_job(*, job_id: int, stop: threading.Event | None = None) -> str:
    """Run one queued job to the end; a job not queued is left alone."""
    moment = now()
    claimed = ImportJob.objects.filter(pk=job_id, status=Status.QUEUED).update(
        status=Status.RUNNING,
        started_at=moment,
        heartbeat_at=moment,
        rows_done=0,
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return "not queued"
    job = ImportJob.objects.get(pk=job_id)
    path = absolute(job.stored_path)
    try:
        plan = plan_import(job.kind, path, job.overrides)
    except ImportProblem as problem:
        # The file or the choices cannot be imported at all: nothing to run again.
        _finish(job, Status.FAILED, error=in_words(str(problem), path, job.file_name))
        _delete_upload(job)
        return Status.FAILED
    ImportJob.objects.filter(pk=job.pk).update(rows_total=_rows_total(plan))
    progress = Progress(job, stop)
    options = Options(
        date_order=job.date_order or None,
        dry_run=job.dry_run,
        origin=job.origin or Deal.Origin.OUTBOUND,
    )
    try:
        outcome = run_import(plan, options, on_row=progress.tick)
    except (WorkerStopping, SystemExit, KeyboardInterrupt) as stopped:
        # The worker is shutting down (SIGTERM, Ctrl-C): the batch being written was
        # rolled back, and the job says so at once rather than after
        # IMPORT_STALLED_AFTER; it can be run again. A worker killed outright is
        # caught by that instead. One stopped before its first row just waits again.
        if isinstance(stopped, WorkerStopping) and not progress.rows:
            ImportJob.objects.filter(pk=job.pk).update(status=Status.QUEUED)
            return Status.QUEUED
        _finish(
            job,
            Status.FAILED,
            error="The worker was stopped during the import.",
            rows=progress.rows,
        )
        if isinstance(stopped, WorkerStopping):
            return Status.FAILED
        raise
    except Exception as error:
        # Not a row's fault (those are rejected one by one): the job says it failed,
        # instead of looking alive until it is judged interrupted, and keeps its file
        # so it can be run again once the cause is fixed.
        logger.exception("Import job %s failed", job.pk)
        lines = str(error).strip().splitlines()
        detail = lines[0] if lines else type(error).__name__
        _finish(job, Status.FAILED, error=f"The import stopped: {detail}", rows=progress.rows)
        return Status.FAILED
    rejects = ""
    if outcome.rejected:
        rejects = _save_rejects(plan, outcome, path)
    _finish(
        job,
        Status.DONE,
        rows=progress.rows,
        summary=in_words(summary(plan, outcome, dry_run=job.dry_run), path, job.file_name),
        counts=dict(outcome.counts),
        rejected_count=len(outcome.rejected),
        rejects_path=rejects,
    )
    _delete_upload(job, keep=rejects)
    return Status.DONE


class Progress:
    """Counts rows as the runner reads them and writes the count now and then."""

    def __init__(self, job: ImportJob, stop: threading.Event | None = None) -> None:
        self.stop = stop
        self.job_id = job.pk
        self.dry_run = job.dry_run
        self.rows = 0
        self.written_at = time.monotonic()

    def tick(self) -> None:
        if self.stop is not None and self.stop.is_set():
            raise WorkerStopping
        self.rows += 1
        waited = time.monotonic() - self.written_at
        if self.rows % PROGRESS_EVERY == 0 or waited >= PROGRESS_SECONDS:
            self.write()

    def write(self) -> None:
        self.written_at = time.monotonic()
        if self.dry_run:
            # A dry run's rows are all inside one transaction that is rolled back at
            # the end, and this row's progress would be rolled back with it, unseen:
            # the cache (shared by web processes and workers) carries it instead.
            cache.set(selectors.live_key(self.job_id), (self.rows, now()), timeout=24 * 3600)
            return
        ImportJob.objects.filter(pk=self.job_id).update(rows_done=self.rows, heartbeat_at=now())


def _finish(job: ImportJob, status: str, *, rows: int | None = None, **fields) -> None:
    values = {"status": status, "finished_at": now(), **fields}
    if rows is not None:
        values["rows_done"] = rows
    ImportJob.objects.filter(pk=job.pk).update(**values)
    cache.delete(selectors.live_key(job.pk))


def _rows_total(plan: Plan) -> int:
    return max(plan.table.lines - 1, 0)  # the header is a line too


def _save_rejects(plan: Plan, outcome, path: Path) -> str:
    target = rejects_beside(path)
    with target.open("w", encoding="utf-8", newline="") as out:
        write_rejects(out, plan.table.header, outcome)
    return str(target.relative_to(settings.DATA_DIR))


def _delete_upload(job: ImportJob, *, keep: str = "") -> None:
    """The upload is deleted once run (it may be large); its rejected rows are kept."""
    if not job.stored_path:
        return
    path = absolute(job.stored_path)
    if keep:
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path.parent, ignore_errors=True)
    ImportJob.objects.filter(pk=job.pk).update(stored_path="")
