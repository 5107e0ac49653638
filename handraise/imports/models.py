"""What was imported, so importing the same file again adds nothing.

A contact is recognised again by its email, phone or name; a deal has no such
identity of its own, so each imported deal is remembered here under a key: the
file's own record id when it has one (HubSpot's "Record ID", Pipedrive's
"Deal - ID"), else a digest of its title, its contact and when it was created.
"""

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
