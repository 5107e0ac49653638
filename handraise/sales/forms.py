"""Forms for the pipeline: moving and closing deals, next steps, logged activities, filters.

Forms check the shape of what was posted; the rules (a next step in the future,
a reason that fits the outcome, no reopening) are the services'. Every form that
moves a deal carries ``expected_stage``: the stage the user saw, for the race check.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import MaxValueValidator, URLValidator

from handraise.insights.forms import SIGNAL_FIELDS, SignalFields
from handraise.sales.documents import check_document
from handraise.sales.models import Activity, Cadence, CadenceStep, Deal, OutcomeReason, Stage

RETURN_TO = [("pipeline", "The board"), ("deal", "The deal")]
BIGGEST_ID = 2**63 - 1
# Browsers' date pickers read and write ISO dates, whatever the page's language.
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class StageChangeForm(forms.Form):
    """What every form that moves a deal carries besides what the user types."""

    expected_stage = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=BIGGEST_ID)
    return_to = forms.ChoiceField(choices=RETURN_TO, required=False, widget=forms.HiddenInput)

    def clean(self) -> dict:
        data = super().clean()
        if any(field.errors for field in self.hidden_fields()):
            # Nobody types in hidden fields: the page was old, or the post was not ours.
            raise forms.ValidationError(
                "This form is out of date or incomplete: reload the page and try again."
            )
        return data


class NextStepFields(forms.Form):
    next_step = forms.CharField(max_length=300, label="Next step")
    next_step_due = forms.DateField(label="Next step due", widget=DATE_INPUT)


class MoveForm(StageChangeForm, NextStepFields):
    """Move an open deal to another open stage, with the next step it needs there."""

    stage = forms.ModelChoiceField(queryset=Stage.objects.none(), label="Move to", empty_label=None)
    field_order = ["stage", "next_step", "next_step_due"]

    def __init__(self, *args, stages: list[Stage], seen_stage_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        # Any open stage validates (moving to where it already is does nothing), but the
        # menu offers only the stages the user could mean: not the one they saw it in.
        self.fields["stage"].queryset = Stage.objects.filter(is_won=False, is_lost=False)
        self.fields["stage"].widget.choices = [
            (stage.pk, stage.name)
            for stage in stages
            if not stage.is_closed and stage.pk != seen_stage_id
        ]


class CloseForm(StageChangeForm):
    """Win or lose a deal: the outcome's value, reason and note."""

    stage = forms.ModelChoiceField(queryset=Stage.objects.none(), widget=forms.HiddenInput)
    value = forms.DecimalField(min_value=0, max_digits=12, decimal_places=2, label="Final value")
    reason = forms.ModelChoiceField(
        queryset=OutcomeReason.objects.none(), label="Reason", empty_label="Choose a reason"
    )
    note = forms.CharField(
        required=False,
        max_length=5_000,
        label="Note",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="In your own words: what decided it.",
    )

    def __init__(self, *args, stage: Stage, reasons: list[OutcomeReason] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        outcome = OutcomeReason.Outcome.WON if stage.is_won else OutcomeReason.Outcome.LOST
        self.outcome = outcome
        self.fields["stage"].queryset = Stage.objects.filter(pk=stage.pk)
        self.fields["reason"].queryset = OutcomeReason.objects.filter(outcome=outcome)
        self.fields["reason"].label = f"Why was it {outcome.label.lower()}?"
        self.fields["reason"].label_from_instance = lambda reason: reason.label
        if reasons is not None:  # already loaded by the caller: no query to render the menu
            self.fields["reason"].widget.choices = [
                ("", "Choose a reason"),
                *[(reason.pk, reason.label) for reason in reasons],
            ]


class NextStepForm(NextStepFields):
    pass


class ActivityForm(SignalFields):
    """A call, email, meeting or note on a deal, the signals it raised, and (for an open
    deal) the next step."""

    kind = forms.ChoiceField(
        label="What happened",
        choices=[
            (kind.value, kind.label)
            for kind in (
                Activity.Kind.CALL,
                Activity.Kind.EMAIL,
                Activity.Kind.MEETING,
                Activity.Kind.NOTE,
            )
        ],
        initial=Activity.Kind.CALL,
    )
    direction = forms.ChoiceField(
        label="From",
        choices=Activity.Direction.choices,
        initial=Activity.Direction.OUTBOUND,
        required=False,
    )
    occurred_at = forms.DateTimeField(label="When", widget=DATETIME_INPUT)
    subject = forms.CharField(max_length=300, required=False, label="Summary")
    body = forms.CharField(
        max_length=20_000, required=False, label="Notes", widget=forms.Textarea(attrs={"rows": 4})
    )
    next_step = forms.CharField(max_length=300, label="Next step")
    next_step_due = forms.DateField(label="Next step due", widget=DATE_INPUT)
    field_order = ["kind", "direction", "occurred_at", "subject", "body", *SIGNAL_FIELDS]

    def __init__(self, *args, deal_is_open: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not deal_is_open:
            del self.fields["next_step"]
            del self.fields["next_step_due"]


class DealFilterForm(forms.Form):
    """The list view's filters, read from the query string."""

    q = forms.CharField(required=False, max_length=200, label="Search")
    stage = forms.ChoiceField(required=False, label="Stage")
    owner = forms.ChoiceField(required=False, label="Owner")
    origin = forms.ChoiceField(
        required=False, label="Origin", choices=[("", "Any origin"), *Deal.Origin.choices]
    )
    attention = forms.ChoiceField(
        required=False,
        label="Needs attention",
        choices=[
            ("", "Any"),
            ("any", "Any flag"),
            ("overdue", "Next step overdue"),
            ("missing", "No next step"),
            ("stale", "Stale"),
        ],
    )
    sort = forms.ChoiceField(
        required=False,
        label="Sort by",
        choices=[
            ("due", "Next step due, soonest first"),
            ("-due", "Next step due, latest first"),
            ("-value", "Value, highest first"),
            ("value", "Value, lowest first"),
            ("age", "Longest in stage first"),
            ("-age", "Newest in stage first"),
        ],
    )

    def __init__(self, *args, stages: list[Stage], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [
            ("", "Open stages"),
            ("all", "All stages"),
            *[(str(stage.pk), stage.name) for stage in stages],
        ]
        self.fields["owner"].choices = owner_choices()

    def value_of(self, name: str) -> str:
        """The cleaned value, or "" when it was missing or not one of the choices."""
        if not self.is_valid() and name in self.errors:
            return ""
        return self.cleaned_data.get(name) or ""


def owner_choices() -> list[tuple[str, str]]:
    users = get_user_model().objects.filter(is_active=True).order_by("first_name", "username")
    return [
        ("", "Anyone"),
        ("me", "Me"),
        ("none", "Nobody"),
        *[(str(user.pk), user.get_full_name() or user.get_username()) for user in users],
    ]


# --- cadences ---------------------------------------------------------------------------

CADENCE_RETURN_TO = [("deal", "The deal"), ("today", "Today")]
# Longer plans than this are better split; the form offers this many steps at most.
MAX_CADENCE_STEPS = 20
MAX_STEP_DAYS = 250  # about a year of business days


class DraftForm(forms.Form):
    """A cadence email awaiting approval, as the person edits it before it goes."""

    subject = forms.CharField(max_length=300, label="Subject")
    body = forms.CharField(label="Email", widget=forms.Textarea(attrs={"rows": 8}))
    return_to = forms.ChoiceField(
        choices=CADENCE_RETURN_TO, required=False, widget=forms.HiddenInput
    )


class CadenceForm(forms.ModelForm):
    class Meta:
        model = Cadence
        fields = ["name", "description", "enrol_on_stage", "send_without_approval", "is_active"]
        labels = {
            "enrol_on_stage": "Enrol deals automatically when they enter",
            "send_without_approval": "Send emails by themselves",
            "is_active": "Active",
        }
        help_texts = {
            "send_without_approval": "Otherwise each email waits as a draft for someone to "
            "approve (after editing it) or skip.",
            "is_active": "Switched off, it enrols no deals and the deals in it wait.",
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stage = self.fields["enrol_on_stage"]
        stage.queryset = Stage.objects.filter(is_won=False, is_lost=False)
        stage.empty_label = "No stage: enrol deals by hand"
        stage.help_text = ""


class CadenceStepForm(forms.ModelForm):
    class Meta:
        model = CadenceStep
        fields = ["business_days_after", "kind", "subject", "body"]
        labels = {
            "business_days_after": "Business days after enrolment",
            "kind": "Step",
            "subject": "Subject (of the email, or what to do)",
            "body": "Email, or notes for the call or task",
        }
        help_texts = {"body": ""}  # the placeholders are listed once, above the steps
        widgets = {"body": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["business_days_after"].max_value = MAX_STEP_DAYS
        self.fields["business_days_after"].widget.attrs["max"] = MAX_STEP_DAYS
        self.fields["business_days_after"].validators.append(MaxValueValidator(MAX_STEP_DAYS))
        self.fields["business_days_after"].help_text = "0 runs it at once."

    def clean(self) -> dict:
        data = super().clean()
        if data.get("DELETE"):
            return data
        if not (data.get("subject") or "").strip() and "subject" not in self.errors:
            self.add_error("subject", "Give the step a subject: the email's, or what to do.")
        is_email = data.get("kind") == CadenceStep.Kind.EMAIL
        if is_email and not (data.get("body") or "").strip() and "body" not in self.errors:
            self.add_error("body", "Write the email this step sends.")
        return data


class BaseCadenceStepFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        kept = [
            form
            for form in self.forms
            if form.has_changed() or form.instance.pk
            if not self.can_delete or not form.cleaned_data.get("DELETE")
        ]
        if not kept:
            raise forms.ValidationError("Give the cadence at least one step.")


CadenceStepFormSet = forms.inlineformset_factory(
    Cadence,
    CadenceStep,
    form=CadenceStepForm,
    formset=BaseCadenceStepFormSet,
    extra=1,
    can_delete=True,
    max_num=MAX_CADENCE_STEPS,
    validate_max=True,
)


def kept_steps(formset: forms.BaseInlineFormSet) -> tuple[list[CadenceStep], list[CadenceStep]]:
    """A valid formset's steps to keep (in the form's order) and those to delete."""
    kept, removed = [], []
    for form in formset.forms:
        if form.cleaned_data.get("DELETE"):
            if form.instance.pk:
                removed.append(form.instance)
        elif form.has_changed() or form.instance.pk:
            kept.append(form.instance)
    return kept, removed


class ProposalForm(NextStepFields):
    """Send a proposal: amount, when, a link or the document, and the next step after it."""

    amount = forms.DecimalField(min_value=0, max_digits=12, decimal_places=2, label="Amount")
    currency = forms.RegexField(
        regex=r"^[A-Za-z]{3}$",
        max_length=3,
        label="Currency",
        error_messages={"invalid": "Give a three-letter currency code, such as GBP."},
    )
    sent_at = forms.DateTimeField(label="Sent", widget=DATETIME_INPUT)
    link = forms.CharField(
        required=False,
        max_length=1000,
        label="Link to the proposal",
        help_text="Where they read it, e.g. a shared document (https://...).",
        validators=[
            URLValidator(
                schemes=["http", "https"],
                message="Give a link that starts with https:// or http://.",
            )
        ],
    )
    document = forms.FileField(
        required=False,
        label="Or attach the document",
        help_text="PDF, Word (.docx) or OpenDocument (.odt).",
    )
    note = forms.CharField(
        required=False,
        max_length=5_000,
        label="Note",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    field_order = ["amount", "currency", "sent_at", "link", "document", "note"]

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].upper()

    def clean_link(self) -> str:
        return self.cleaned_data["link"].strip()

    def clean_document(self):
        document = self.cleaned_data.get("document")
        if document:
            self.document_type = check_document(document)
        return document

    def clean(self) -> dict:
        data = super().clean()
        given = data.get("link") or data.get("document")
        if not given and not self.has_error("link") and not self.has_error("document"):
            raise forms.ValidationError("Give a link to the proposal or attach the document.")
        return data


class OriginForm(forms.Form):
    """Where the deal came from, when the user knows better than its history."""

    origin = forms.ChoiceField(choices=Deal.Origin.choices, label="Origin")


class NewDealForm(forms.Form):
    """A deal the owner opens for someone with no enquiry behind it (their own outreach)."""

    title = forms.CharField(max_length=300)
    value = forms.DecimalField(min_value=0, max_digits=12, decimal_places=2, initial=0)
    next_step = forms.CharField(max_length=300, label="Next step")
    next_step_due = forms.DateField(
        label="Next step due",
        # Browsers read a date input only in ISO form, whatever the site's locale.
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
