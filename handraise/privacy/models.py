"""The record that a person was erased, holding nothing that could identify them.

Article 5(2) GDPR asks the business to show it honoured a request, not to keep
whom it was for: the record says who erased, when, how, and how many rows of
each kind went or were made anonymous. No name, email, contact id or digest of
an email is kept. A digest of an email is not anonymous (anyone holding the
address can test it against the record), and a salted one would need the salt
kept beside it for the record to be of any use, which is the same thing.
"""

from django.conf import settings
from django.db import models


class Erasure(models.Model):
    class Via(models.TextChoices):
        WEB = "web", "The contact's page"
        COMMAND = "command", "The forget command"

    erased_at = models.DateTimeField()
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The owner who erased, from the web app; empty from the command line.",
    )
    # Kept as text too, so the record still says who when their account is deleted.
    actor = models.CharField(max_length=200, help_text="Who erased, as they were known then.")
    via = models.CharField(max_length=10, choices=Via.choices)
    counts = models.JSONField(help_text="How many rows of each kind were erased.")

    class Meta:
        ordering = ["-erased_at"]

    def __str__(self) -> str:
        return f"Erasure by {self.actor} at {self.erased_at:%Y-%m-%d %H:%M}"
