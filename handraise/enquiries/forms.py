"""Validation of what a prospect posts to a public form."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from handraise.contacts.normalisation import normalise_email, normalise_phone
from handraise.core.origins import clean_origin_lines
from handraise.enquiries.models import FORM_FIELDS, Form, ReplyTemplate, validate_form_fields
from handraise.insights.forms import SIGNAL_FIELDS, SignalFields

LIMITS = {"name": 200, "email": 254, "phone": 50, "company": 200, "message": 10_000}
EXTRA_FIELDS = {
    "utm_source": 200,
    "utm_medium": 200,
    "utm_campaign": 200,
    "utm_content": 200,
    "utm_term": 200,
    "hr_visitor": 64,
    "hr_submission_id": 1000,  # stored as a digest, so any length compares whole
    "hr_page": 2000,
    "hr_referrer": 2000,
    "hr_started": 20,
    "hr_website": 500,  # the honeypot: people never see it, bots fill it in
}
LABELS = {
    "name": "Your name",
    "email": "Email",
    "phone": "Phone",
    "company": "Company",
    "message": "How can we help?",
}


class IntakeForm(forms.Form):
    """Built per Form: which of name/email/phone/company/message show and are required."""

    def __init__(self, *args, form: Form, phone_region: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.phone_region = phone_region
        for name in FORM_FIELDS:
            mode = form.fields.get(name, "optional")
            if mode == "hidden":
                continue
            widget = forms.Textarea(attrs={"rows": 5}) if name == "message" else None
            self.fields[name] = forms.CharField(
                label=LABELS[name],
                required=mode == "required",
                max_length=LIMITS[name],
                strip=True,
                widget=widget,
            )
        for name, limit in EXTRA_FIELDS.items():
            self.fields[name] = forms.CharField(
                required=False, max_length=limit, widget=forms.HiddenInput
            )
        if "email" in self.fields:
            self.fields["email"].widget = forms.EmailInput()
            self.fields["email"].widget.attrs["autocomplete"] = "email"
        if "phone" in self.fields:
            self.fields["phone"].widget.attrs["autocomplete"] = "tel"
        if "name" in self.fields:
            self.fields["name"].widget.attrs["autocomplete"] = "name"

    def clean_email(self) -> str:
        raw = self.cleaned_data.get("email", "")
        if not raw:
            return ""
        try:
            return normalise_email(raw)
        except ValidationError:
            raise ValidationError("Enter an email address such as name@example.com.") from None

    def clean_phone(self) -> str:
        raw = self.cleaned_data.get("phone", "")
        if not raw:
            return ""
        try:
            return normalise_phone(raw, region=self.phone_region)
        except ValidationError:
            raise ValidationError(
                "Enter a phone number we can call, e.g. +44 20 7946 0123."
            ) from None

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors and not data.get("email") and not data.get("phone"):
            raise ValidationError("Leave an email address or a phone number so we can reply.")
        return data


class ReplyForm(forms.Form):
    template = forms.ModelChoiceField(
        queryset=None, required=False, label="Start from a saved reply", empty_label="—"
    )
    subject = forms.CharField(max_length=200)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), max_length=20_000)
    # Rendered once per form: the same form submitted twice is one email.
    token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = ReplyTemplate.objects.all()


class CallForm(SignalFields):
    notes = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000
    )
    field_order = ["notes", *SIGNAL_FIELDS]


class MeetingForm(SignalFields):
    when = forms.DateTimeField(
        label="When",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    held = forms.TypedChoiceField(
        label="Meeting",
        choices=[("1", "Held (it happened)"), ("0", "Booked (it is planned)")],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        initial="1",
    )
    notes = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000
    )
    field_order = ["when", "held", "notes", *SIGNAL_FIELDS]


class ConvertForm(forms.Form):
    title = forms.CharField(max_length=300)
    value = forms.DecimalField(min_value=0, max_digits=12, decimal_places=2, initial=0)
    next_step = forms.CharField(max_length=300, label="Next step")
    next_step_due = forms.DateField(
        label="Next step due",
        # Browsers read a date input only in ISO form, whatever the site's locale.
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class ManualEnquiryForm(forms.Form):
    """A call or meeting request that reached the owner outside Handraise."""

    channel = forms.ChoiceField(
        choices=[
            ("phone", "Phone call"),
            ("meeting", "Meeting request"),
            ("email", "Email"),
            ("referral", "Referral"),
            ("other", "Other"),
        ]
    )
    name = forms.CharField(max_length=200)
    phone = forms.CharField(max_length=50, required=False)
    email = forms.CharField(max_length=254, required=False)
    company = forms.CharField(max_length=200, required=False)
    message = forms.CharField(
        label="What they asked",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10_000,
        required=False,
    )
    received_at = forms.DateTimeField(
        label="When",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Leave empty for now.",
    )
    answered = forms.BooleanField(
        required=False, label="I already spoke to them (this counts as the first response)"
    )

    def __init__(self, *args, phone_region: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.phone_region = phone_region

    def clean_email(self) -> str:
        raw = self.cleaned_data.get("email", "").strip()
        if raw:
            try:
                normalise_email(raw)
            except ValidationError:
                raise ValidationError("Enter an email address such as name@example.com.") from None
        return raw

    def clean_phone(self) -> str:
        raw = self.cleaned_data.get("phone", "").strip()
        if raw:
            try:
                normalise_phone(raw, region=self.phone_region)
            except ValidationError:
                raise ValidationError("Enter a phone number, e.g. 020 7946 0123.") from None
        return raw

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors and not data.get("email") and not data.get("phone"):
            raise ValidationError("Add a phone number or an email address to reply to.")
        return data


class FormSettingsForm(forms.ModelForm):
    """The owner's settings for one public form; field modes are one select per field."""

    thank_you_url = forms.URLField(
        required=False,
        max_length=1000,
        assume_scheme="https",
        help_text="Send people here after they submit, instead of the thank-you page.",
    )

    class Meta:
        model = Form
        fields = [
            "name",
            "thank_you_message",
            "thank_you_url",
            "allowed_origins",
            "notify",
            "is_active",
        ]
        widgets = {
            "thank_you_message": forms.Textarea(attrs={"rows": 3}),
            "allowed_origins": forms.Textarea(attrs={"rows": 3}),
            "notify": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["notify"].queryset = get_user_model().objects.filter(is_active=True)
        self.fields["notify"].help_text = "Nobody ticked: every owner is notified."
        for name in FORM_FIELDS:
            self.fields[f"field_{name}"] = forms.ChoiceField(
                label=LABELS[name],
                choices=[(mode, mode.capitalize()) for mode in ("required", "optional", "hidden")],
                initial=self.instance.fields.get(name, "optional"),
            )

    def clean_allowed_origins(self) -> str:
        return clean_origin_lines(self.cleaned_data["allowed_origins"])

    def clean(self) -> dict:
        data = super().clean()
        modes = {name: data.get(f"field_{name}", "optional") for name in FORM_FIELDS}
        try:
            validate_form_fields(modes)
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        self.instance.fields = modes
        return data
