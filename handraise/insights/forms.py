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


class LinesField(forms.CharField):
    """A list typed one item per line (commas separate too); empty lines are dropped."""

    def __init__(self, *, item_max: int = 100, items_max: int = 50, **kwargs):
        self.item_max, self.items_max = item_max, items_max
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 4}))
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", item_max * items_max)
        super().__init__(**kwargs)

    def clean(self, value) -> list[str]:
        text = super().clean(value)
        items: list[str] = []
        for line in text.replace(",", "\n").splitlines():
            item = " ".join(line.split())
            if item and item.casefold() not in (seen.casefold() for seen in items):
                items.append(item)
        if len(items) > self.items_max:
            raise ValidationError(f"Give at most {self.items_max} items.")
        long = [item for item in items if len(item) > self.item_max]
        if long:
            raise ValidationError(f"Keep each item to {self.item_max} characters.")
        return items

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(str(item) for item in value)
        return value


class RegionsField(LinesField):
    def clean(self, value) -> list[str]:
        regions = [region.upper() for region in super().clean(value)]
        bad = [r for r in regions if not (len(r) == 2 and r.isascii() and r.isalpha())]
        if bad:
            raise ValidationError(
                "Use two-letter country codes such as GB, IE or DE (not recognised: "
                f"{', '.join(bad[:5])})."
            )
        return regions


class IdealClientProfileForm(forms.Form):
    """The owner's definition of the right client; enquiries are scored against it."""

    name = forms.CharField(max_length=200, initial="Ideal client", label="Name")
    description = forms.CharField(
        required=False,
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Who they are, in a sentence or two",
    )
    industries = LinesField(
        label="Target sectors", help_text="One per line, e.g. Manufacturing, Logistics."
    )
    min_employees = forms.IntegerField(
        required=False, min_value=0, max_value=10_000_000, label="Smallest size (people)"
    )
    max_employees = forms.IntegerField(
        required=False, min_value=0, max_value=10_000_000, label="Largest size (people)"
    )
    regions = RegionsField(
        label="Target countries", help_text="Two-letter codes, one per line or comma-separated."
    )
    min_deal_value = forms.DecimalField(
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        label="Smallest worthwhile budget",
        help_text="Compared with an amount the enquirer writes (£8,000, 12k EUR).",
    )
    keywords = LinesField(
        label="Words that suggest a good fit", help_text="One per line, e.g. lead time, backlog."
    )

    def clean(self) -> dict:
        data = super().clean()
        low, high = data.get("min_employees"), data.get("max_employees")
        if low is not None and high is not None and low > high:
            self.add_error("max_employees", "The largest size must be at least the smallest.")
        return data
