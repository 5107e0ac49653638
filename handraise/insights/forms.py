"""The signal fields every form that logs a conversation carries: quick tags and free text."""

from django import forms
from django.core.exceptions import ValidationError

from handraise.insights.models import QuickTag, Signal
from handraise.insights.services import KIND_MISSING, SIGNAL_TEXT_MAX

SIGNAL_FIELDS = ["quick_tags", "signal_kind", "signal_text"]
BIGGEST_ID_DIGITS = 18


class QuickTagsField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        # An id no database holds is an unknown choice, not an overflow in the database driver.
        for pk in value:
            if not str(pk).isdigit() or len(str(pk)) > BIGGEST_ID_DIGITS:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)


class SignalFields(forms.Form):
    quick_tags = QuickTagsField(
        queryset=QuickTag.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="What they asked or objected to",
    )
    signal_kind = forms.ChoiceField(
        required=False,
        label="Anything else they raised",
        choices=[("", "Nothing else"), *Signal.Kind.choices],
    )
    signal_text = forms.CharField(
        required=False,
        max_length=SIGNAL_TEXT_MAX,
        label="In their words",
        help_text="A question, objection, praise or competitor, as they put it.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        tags = self.fields["quick_tags"]
        tags.queryset = QuickTag.objects.filter(is_active=True).order_by("position", "label")
        tags.label_from_instance = lambda tag: f"{tag.label} ({tag.get_kind_display().lower()})"

    def clean(self) -> dict:
        data = super().clean()
        if data.get("signal_text", "").strip() and not data.get("signal_kind"):
            self.add_error("signal_kind", KIND_MISSING)
        return data

    def signals(self) -> dict:
        """The cleaned signal fields, as ``record_signals`` takes them."""
        return {
            "quick_tags": list(self.cleaned_data.get("quick_tags") or []),
            "signal_kind": self.cleaned_data.get("signal_kind", ""),
            "signal_text": self.cleaned_data.get("signal_text", ""),
        }
