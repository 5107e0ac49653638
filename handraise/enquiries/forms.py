"""Validation of what a prospect posts to a public form."""

from django import forms
from django.core.exceptions import ValidationError

from handraise.contacts.normalisation import normalise_email, normalise_phone
from handraise.enquiries.models import FORM_FIELDS, Form

LIMITS = {"name": 200, "email": 254, "phone": 50, "company": 200, "message": 10_000}
EXTRA_FIELDS = {
    "utm_source": 200,
    "utm_medium": 200,
    "utm_campaign": 200,
    "utm_content": 200,
    "utm_term": 200,
    "hr_visitor": 64,
    "hr_submission_id": 200,
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
