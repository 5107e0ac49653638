"""The asset pages' forms: the asset itself, the list's filters, the overview's period.

The asset form only reads what was typed (topics split at commas, the published
date as a date at the business); ``assets.create_asset`` / ``update_asset``
validate against the model and their field errors land back on these fields.
"""

from django import forms

from handraise.insights.models import Theme
from handraise.marketing import asset_selectors, overview
from handraise.marketing.models import TOPIC_MAX_LENGTH, TOPICS_MAX, Asset

SEARCH_MAX = 200


class AssetForm(forms.Form):
    kind = forms.ChoiceField(choices=Asset.Kind.choices, initial=Asset.Kind.ARTICLE)
    title = forms.CharField(max_length=Asset._meta.get_field("title").max_length)
    url = forms.URLField(
        label="URL",
        required=False,
        max_length=Asset._meta.get_field("url").max_length,
        assume_scheme="https",
        help_text="Where it lives; visits to this address count as touches on it.",
    )
    topics = forms.CharField(
        required=False,
        # Room for every topic at full length, the commas and a space after each.
        max_length=TOPICS_MAX * (TOPIC_MAX_LENGTH + 2),
        help_text=f"Separated by commas, e.g. lead times, overtime (at most {TOPICS_MAX}).",
    )
    published_on = forms.DateField(
        label="Published on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Leave empty while it is a draft.",
    )
    summary = forms.CharField(required=False, max_length=5000, widget=forms.Textarea({"rows": 4}))
    themes = forms.ModelMultipleChoiceField(
        queryset=Theme.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Themes it answers",
        help_text="The questions and objections from sales conversations it answers.",
    )

    def clean_topics(self) -> list[str]:
        return [part for part in self.cleaned_data["topics"].split(",") if part.strip()]


def initial_for(asset: Asset, *, zone) -> dict:
    return {
        "kind": asset.kind,
        "title": asset.title,
        "url": asset.url,
        "topics": ", ".join(asset.topics or []),
        "published_on": asset.published_at.astimezone(zone).date() if asset.published_at else None,
        "summary": asset.summary,
        "themes": list(asset.themes.all()),
    }


class AssetFilterForm(forms.Form):
    """The asset list's search, kind, sort and archive switch, read from the query string."""

    q = forms.CharField(required=False, max_length=SEARCH_MAX, label="Search")
    kind = forms.ChoiceField(
        required=False, label="Kind", choices=[("", "Every kind"), *Asset.Kind.choices]
    )
    sort = forms.ChoiceField(
        required=False,
        label="Sort by",
        choices=[
            ("-published", "Newest first"),
            ("published", "Oldest first"),
            ("title", "Title, A to Z"),
            ("-title", "Title, Z to A"),
            ("kind", "Kind"),
        ],
    )
    archived = forms.ChoiceField(
        required=False,
        label="Show",
        choices=[("", "Current assets"), ("yes", "Archived assets")],
    )

    def value_of(self, name: str) -> str:
        """The cleaned value, or "" when it was missing or not one of the choices."""
        if not self.is_valid() and name in self.errors:
            return ""
        return self.cleaned_data.get(name) or ""

    @property
    def chosen_sort(self) -> str:
        return self.value_of("sort") or asset_selectors.DEFAULT_SORT


class PeriodForm(forms.Form):
    """The overview's period and how its asset table is sorted."""

    days = forms.TypedChoiceField(
        required=False,
        coerce=int,
        label="Period",
        choices=[(str(days), f"Last {days} days") for days in overview.PERIODS],
    )
    sort = forms.ChoiceField(
        required=False,
        label="Sort assets by",
        choices=[
            ("revenue", "Won revenue preceded"),
            ("enquiries", "Enquiries preceded"),
            ("touchpoints", "Touchpoints"),
            ("visitors", "Unique visitors"),
            ("title", "Title"),
        ],
    )

    @property
    def chosen_days(self) -> int:
        if self.is_valid() and self.cleaned_data.get("days"):
            return self.cleaned_data["days"]
        return overview.DEFAULT_PERIOD

    @property
    def chosen_sort(self) -> str:
        if self.is_valid() and self.cleaned_data.get("sort"):
            return self.cleaned_data["sort"]
        return overview.DEFAULT_SORT
