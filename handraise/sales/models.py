"""Sales after the hand-raise: deals moving through stages, activities, cadences, proposals.

A deal's state is its stage (won and lost are stages too); ``closed_at`` records
when it reached one of those. Moving deals and running cadences are services.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.db.models import Q

from handraise.core.placeholders import DEAL, PlaceholderValidator, help_text
from handraise.sales.documents import stored_path


class Stage(models.Model):
    name = models.CharField(max_length=100, unique=True)
    position = models.PositiveSmallIntegerField()
    probability = models.PositiveSmallIntegerField(
        validators=[MaxValueValidator(100)], help_text="Win probability, per cent."
    )
    is_won = models.BooleanField(default=False)
    is_lost = models.BooleanField(default=False)
    stale_after_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Flag deals with no activity for longer than this."
    )

    class Meta:
        ordering = ["position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(probability__lte=100), name="stage_probability_range"
            ),
            models.CheckConstraint(
                condition=~(Q(is_won=True) & Q(is_lost=True)), name="stage_not_won_and_lost"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.is_won or self.is_lost


class OutcomeReason(models.Model):
    """The configurable list of reasons a deal is won or lost."""

    class Outcome(models.TextChoices):
        WON = "won", "Won"
        LOST = "lost", "Lost"

    outcome = models.CharField(max_length=4, choices=Outcome.choices)
    label = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["outcome", "position", "label"]
        constraints = [
            models.UniqueConstraint(fields=["outcome", "label"], name="outcome_reason_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()}: {self.label}"


class Deal(models.Model):
    class Origin(models.TextChoices):
        MARKETING = "marketing", "Marketing-sourced"
        OUTBOUND = "outbound", "Owner outbound"
        REFERRAL = "referral", "Referral"
        REPEAT = "repeat", "Repeat client"

    title = models.CharField(max_length=300)
    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="deals")
    enquiry = models.OneToOneField(
        "enquiries.Enquiry", null=True, blank=True, on_delete=models.SET_NULL, related_name="deal"
    )
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="deals")
    origin = models.CharField(max_length=10, choices=Origin.choices)
    # Why it has that origin, in words (``sales.origins``), or who set it by hand.
    origin_reason = models.CharField(max_length=300, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    value = models.DecimalField(
        max_digits=12, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(max_length=3, default="GBP")
    next_step = models.CharField(max_length=300, blank=True)
    next_step_due = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField()
    stage_entered_at = models.DateTimeField()
    last_activity_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, help_text="When it was won or lost.")
    outcome_reason = models.ForeignKey(
        OutcomeReason, null=True, blank=True, on_delete=models.PROTECT, related_name="deals"
    )
    outcome_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["stage", "stage_entered_at"]),
            models.Index(fields=["closed_at"]),
            models.Index(fields=["next_step_due"]),
            models.Index(fields=["owner", "next_step_due"]),
            models.Index(fields=["origin", "closed_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="deal_value_not_negative"),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_at__gte=models.F("created_at")),
                name="deal_closed_after_created",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Activity(models.Model):
    class Kind(models.TextChoices):
        CALL = "call", "Call"
        EMAIL = "email", "Email"
        MEETING = "meeting", "Meeting"
        NOTE = "note", "Note"
        PROPOSAL = "proposal", "Proposal"
        FOLLOW_UP = "follow_up", "Follow-up"
        TASK = "task", "Task"

    class Direction(models.TextChoices):
        OUTBOUND = "out", "From us"
        INBOUND = "in", "From them"
        INTERNAL = "", "Internal"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    direction = models.CharField(max_length=3, choices=Direction.choices, blank=True)
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="activities"
    )
    deal = models.ForeignKey(
        Deal, null=True, blank=True, on_delete=models.CASCADE, related_name="activities"
    )
    enquiry = models.ForeignKey(
        "enquiries.Enquiry",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    outgoing_email = models.OneToOneField(
        "core.OutgoingEmail",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activity",
        help_text="The email this activity sent, for emails sent from Handraise.",
    )
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    occurred_at = models.DateTimeField(help_text="When it happened (or was created, for a task).")
    due_at = models.DateTimeField(null=True, blank=True, help_text="For tasks and follow-ups.")
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-occurred_at"]
        verbose_name_plural = "activities"
        indexes = [
            models.Index(fields=["deal", "occurred_at"]),
            models.Index(fields=["contact", "occurred_at"]),
            models.Index(fields=["user", "due_at"]),
            models.Index(fields=["kind", "occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject}" if self.subject else self.kind


class Cadence(models.Model):
    """A follow-up plan: timed steps that stop when the prospect replies."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    enrol_on_stage = models.ForeignKey(
        Stage,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cadences",
        help_text="Enrol deals automatically when they enter this stage.",
    )
    send_without_approval = models.BooleanField(
        default=False, help_text="Send email steps by themselves instead of preparing drafts."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CadenceStep(models.Model):
    class Kind(models.TextChoices):
        EMAIL = "email", "Email"
        CALL = "call", "Call task"
        TASK = "task", "Task"

    cadence = models.ForeignKey(Cadence, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    business_days_after = models.PositiveSmallIntegerField(
        help_text="Business days after enrolment."
    )
    kind = models.CharField(max_length=5, choices=Kind.choices)
    subject = models.CharField(max_length=300, blank=True, validators=[PlaceholderValidator(DEAL)])
    body = models.TextField(
        blank=True, validators=[PlaceholderValidator(DEAL)], help_text=help_text(DEAL)
    )

    class Meta:
        ordering = ["cadence", "position"]
        constraints = [
            models.UniqueConstraint(fields=["cadence", "position"], name="cadence_step_position")
        ]

    def __str__(self) -> str:
        return f"{self.cadence}: day {self.business_days_after} {self.get_kind_display()}"


class CadenceEnrolment(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        STOPPED = "stopped", "Stopped"

    cadence = models.ForeignKey(Cadence, on_delete=models.CASCADE, related_name="enrolments")
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="enrolments")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    enrolled_at = models.DateTimeField()
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who enrolled the deal by hand; empty when its stage did.",
    )
    next_step_position = models.PositiveSmallIntegerField(default=0)
    next_run_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    stop_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-enrolled_at"]
        indexes = [models.Index(fields=["status", "next_run_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["cadence", "deal"],
                condition=Q(status="active"),
                name="cadence_one_active_enrolment_per_deal",
            )
        ]

    def __str__(self) -> str:
        return f"{self.deal} in {self.cadence}"


class CadenceStepRun(models.Model):
    """One step run for one enrolment: claimed once, so a step never runs twice.

    The row is created in the transaction that advances the enrolment, and
    (enrolment, step) is unique, so two workers or a repeated job cannot both run
    it. What the step produced is kept here: the personalised text of an email
    (for a draft, the text awaiting approval) and the activity it made.
    """

    class Status(models.TextChoices):
        SENT = "sent", "Sent"
        DRAFT = "draft", "Draft awaiting approval"
        TASK = "task", "Task created"
        SKIPPED = "skipped", "Skipped"
        CANCELLED = "cancelled", "Cancelled: the cadence stopped"

    enrolment = models.ForeignKey(CadenceEnrolment, on_delete=models.CASCADE, related_name="runs")
    # Kept when the cadence is edited later: the run copies what it needs from the step.
    step = models.ForeignKey(
        CadenceStep, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )
    position = models.PositiveSmallIntegerField()
    business_days_after = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=5, choices=CadenceStep.Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    due_at = models.DateTimeField(help_text="When the step was due.")
    ran_at = models.DateTimeField()
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    note = models.CharField(max_length=300, blank=True, help_text="Why it was skipped.")
    activity = models.OneToOneField(
        Activity,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cadence_run",
        help_text="The email sent or the task created.",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who approved or skipped the draft.",
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["ran_at", "pk"]
        indexes = [models.Index(fields=["status", "due_at"])]
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "step"], name="cadence_step_runs_once")
        ]

    def __str__(self) -> str:
        return f"{self.enrolment}: step {self.position + 1} ({self.get_status_display()})"


class Proposal(models.Model):
    """A proposal sent to the prospect: its amount, when, and a link to it or the document.

    Sending one is recorded as a proposal Activity too (``activity``), which is how it
    takes its place in the deal's timeline. The document has no public URL.
    """

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="proposals")
    activity = models.OneToOneField(
        Activity, null=True, blank=True, on_delete=models.SET_NULL, related_name="proposal"
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    currency = models.CharField(max_length=3)
    sent_at = models.DateTimeField()
    link = models.URLField(
        max_length=1000,
        blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="Where the prospect reads it (http or https).",
    )
    document = models.FileField(upload_to=stored_path, blank=True, max_length=300)
    document_name = models.CharField(max_length=255, blank=True, help_text="As uploaded.")
    document_type = models.CharField(max_length=100, blank=True, help_text="Read from its bytes.")
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-sent_at"]
        indexes = [models.Index(fields=["deal", "sent_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="proposal_amount_not_negative")
        ]

    def __str__(self) -> str:
        return f"Proposal for {self.deal} ({self.currency} {self.amount})"


class CalendarFeed(models.Model):
    """A user's secret iCalendar address: whoever holds the secret may read the feed.

    The secret is the whole credential (calendar apps cannot sign in), so it is long,
    random and unique; rotating it replaces it, and the old address stops working.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    # Never shown in the admin: only its user sees it, on their calendar settings page.
    secret = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField()
    rotated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"
