"""Reads for imports: what an earlier import already brought in, and the Import page's jobs."""

from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice

from django.conf import settings
from django.core.cache import cache

from handraise.contacts.models import ContactEmail
from handraise.core.clock import now
from handraise.imports.mapping import Mapping
from handraise.imports.models import ImportedRecord, ImportJob
from handraise.imports.reading import Row, Table
from handraise.marketing.models import Asset


def already_imported(*, kind: str, key: str) -> int | None:
    """The id of what this key imported before, if anything."""
    return (
        ImportedRecord.objects.filter(kind=kind, key=key)
        .values_list("object_id", flat=True)
        .first()
    )


def imported_ids(kind: str) -> dict[str, int]:
    """Every key of this kind an import remembered, with what it imported (key -> id).

    Read once per file, so a million touchpoints find their contact and asset in
    memory; the kinds read this way (contacts, assets, deals ...) are the small ones.
    """
    return dict(ImportedRecord.objects.filter(kind=kind).values_list("key", "object_id"))


def contact_with_email(email: str) -> int | None:
    return ContactEmail.objects.filter(email=email).values_list("contact_id", flat=True).first()


def already_among(*, kind: str, keys: list[str]) -> set[str]:
    """Which of these keys an earlier import remembered (one query for a batch)."""
    rows = ImportedRecord.objects.filter(kind=kind, key__any_of=keys)
    return set(rows.values_list("key", flat=True))


def asset_titled(title: str) -> int | None:
    return Asset.objects.filter(title=title).order_by("pk").values_list("pk", flat=True).first()


def imported_among(*, kind: str, keys: list[str]) -> dict[str, int]:
    """Which of these keys an earlier import remembered, with what it imported."""
    rows = ImportedRecord.objects.filter(kind=kind, key__any_of=keys)
    return dict(rows.values_list("key", "object_id"))


def import_jobs(limit: int = 50) -> list[ImportJob]:
    """The newest imports first, with who started each (one query)."""
    return list(ImportJob.objects.select_related("user").order_by("-created_at", "-pk")[:limit])


def next_queued_job() -> int | None:
    """The oldest import job waiting for the worker."""
    queued = ImportJob.objects.filter(status=ImportJob.Status.QUEUED).order_by("pk")
    return queued.values_list("pk", flat=True).first()


def live_key(job_id: int) -> str:
    """Where a running dry run's progress is kept (see ``jobs.Progress``)."""
    return f"imports:job:{job_id}:live"


def last_heartbeat(job: ImportJob) -> datetime | None:
    if job.dry_run:
        live = cache.get(live_key(job.pk))
        if live:
            return live[1]
    return job.heartbeat_at


def is_interrupted(job: ImportJob, at: datetime | None = None) -> bool:
    """A running job whose worker has shown no sign of life for a while: it died."""
    if job.status != ImportJob.Status.RUNNING:
        return False
    beat = last_heartbeat(job)
    stalled = timedelta(seconds=settings.IMPORT_STALLED_AFTER)
    return beat is None or beat < (at or now()) - stalled


def can_run_again(job: ImportJob) -> bool:
    """Failed or interrupted, with its file still here (it is deleted once run)."""
    if not job.stored_path:
        return False
    return job.status == ImportJob.Status.FAILED or is_interrupted(job)


@dataclass(frozen=True)
class JobState:
    """What the progress bar shows of a job."""

    job: ImportJob
    rows_done: int
    rows_total: int
    interrupted: bool
    can_run_again: bool

    @property
    def finished(self) -> bool:
        return self.job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED)

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 100 if self.finished else 0
        return min(100, round(100 * self.rows_done / self.rows_total))


def job_state(job: ImportJob) -> JobState:
    rows = job.rows_done
    if job.dry_run and job.status == ImportJob.Status.RUNNING:
        live = cache.get(live_key(job.pk))
        if live:
            rows = live[0]
    if job.status == ImportJob.Status.DONE:
        rows = max(rows, job.rows_total)  # the total counts lines; a quoted field spans several
    return JobState(
        job=job,
        rows_done=min(rows, job.rows_total) if job.rows_total else rows,
        rows_total=job.rows_total,
        interrupted=is_interrupted(job),
        can_run_again=can_run_again(job),
    )


@dataclass(frozen=True)
class PreviewColumn:
    index: int
    name: str
    field: str  # our field it is read as, "" when not imported
    values: list[str]  # its cells in the first rows


def preview(table: Table, mapping: Mapping, rows: int = 5) -> tuple[list[int], list[PreviewColumn]]:
    """The first ``rows`` rows as they will be read, column by column: (line numbers, columns).

    Only the start of the file is read, however big it is.
    """
    with closing(table.rows()) as read:
        first = [row for row in islice(read, rows * 2) if isinstance(row, Row)][:rows]
    field_of = {i: name for name, indexes in mapping.columns.items() for i in indexes}
    columns = [
        PreviewColumn(
            index=i,
            name=name,
            field=field_of.get(i, ""),
            values=[row.values[i] if i < len(row.values) else "" for row in first],
        )
        for i, name in enumerate(table.header)
    ]
    return [row.line for row in first], columns
