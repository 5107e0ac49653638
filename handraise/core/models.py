"""Plumbing tables every app shares: the outbox of outgoing email."""

from django.db import models
from django.db.models import Q


class OutgoingEmail(models.Model):
    """One email Handraise means to send, exactly once.

    ``key`` says why it exists ("ack:enquiry:42"): queueing the same key twice
    returns the first row. ``message_id`` is fixed before the first attempt, so a
    retry after a crash re-sends the *same* message, which mail systems collapse.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to send"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (gave up)"

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=30)
    message_id = models.CharField(max_length=255, unique=True)
    to = models.CharField(max_length=254)
    reply_to = models.CharField(max_length=254, blank=True)
    in_reply_to = models.CharField(
        max_length=255, blank=True, help_text="The Message-ID this answers, to keep one thread."
    )
    subject = models.CharField(max_length=998)
    body = models.TextField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    attempt_started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            # "Was this address acknowledged lately?" (at most one a day per address).
            models.Index(fields=["to", "kind", "created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="outbox_sent_has_time"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to}: {self.subject}"
