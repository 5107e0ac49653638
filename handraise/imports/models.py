"""What was imported, so importing the same file again adds nothing.

A contact is recognised again by its email, phone or name; a deal has no such
identity of its own, so each imported deal is remembered here under a key: the
file's own record id when it has one (HubSpot's "Record ID", Pipedrive's
"Deal - ID"), else a digest of its title, its contact and when it was created.
"""

from django.conf import settings
from django.db import models


class ImportedRecord(models.Model):
    kind = models.CharField(max_length=20)  # "deals", ...
    key = models.CharField(max_length=64)  # SHA-256 hex of the identity above
    object_id = models.PositiveBigIntegerField()
    file_name = models.CharField(max_length=255)
    imported_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="imported_record_once"),
        ]
        indexes = [models.Index(fields=["kind", "object_id"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} from {self.file_name}"


class ImportJob(models.Model):
    """One file an owner uploaded on the Import page, and what became of it.

    The upload is kept in the data dir (``stored_path``, relative to it) until the
    worker has run it; the rejected rows stay (``rejects_path``) for download.
    Progress is written every second or so while a worker runs the job; a running
    job whose heartbeat stops is shown as interrupted and may be run again, which
    is safe because importing the same rows twice adds nothing.
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Waiting for you to check the columns"
        QUEUED = "queued", "Waiting for the worker"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=20)
    file_name = models.CharField(max_length=255)
    file_size = models.PositiveBigIntegerField(default=0)
    stored_path = models.CharField(max_length=500, blank=True)  # blank once deleted
    rejects_path = models.CharField(max_length=500, blank=True)
    overrides = models.JSONField(default=list)  # ["their column=field", ...] for plan_import
    date_order = models.CharField(max_length=3, blank=True)
    dry_run = models.BooleanField(default=False)
    origin = models.CharField(max_length=20, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict)
    summary = models.TextField(blank=True)
    rejected_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["-created_at"], name="import_job_newest_first")]

    def __str__(self) -> str:
        return f"{self.kind} from {self.file_name} ({self.status})"

    @property
    def kind_name(self) -> str:
        """'quick-tags' -> 'Quick tags'."""
        return kind_name(self.kind)


def kind_name(kind: str) -> str:
    return kind.replace("-", " ").capitalize()
