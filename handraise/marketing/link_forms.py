"""The link builder's form: a target address and its UTM tags, checked at the edge.

Tags are shown back as they will be stored (lower-case, spaces as hyphens), so
what the owner sees in the form is what the analytics tools will read. The
target must be an http(s) address; one without a scheme gets https.
"""

from django import forms
from django.core.exceptions import ValidationError

from handraise.core.text import clean_text
from handraise.marketing.models import Asset, validate_link_target
from handraise.marketing.tagging import UTM_MAX_LENGTH, utm_value

# Offered in the medium field's list (a plain <datalist>: any other value is fine).
COMMON_MEDIUMS = ["email", "social", "cpc", "qr", "print", "event", "referral", "partner"]
COMMON_SOURCES = ["newsletter", "linkedin", "facebook", "instagram", "x", "mastodon", "flyer"]
TARGET_MAX = 1000


class ShortLinkForm(forms.Form):
    target_url = forms.CharField(
        label="Target address",
        max_length=TARGET_MAX,
        help_text="The page the link leads to, e.g. https://www.example.com/services/.",
        widget=forms.TextInput(attrs={"inputmode": "url", "autocomplete": "url"}),
    )
    utm_source = forms.CharField(
        label="Source (utm_source)",
        max_length=UTM_MAX_LENGTH,
        help_text="Where the link is placed: newsletter, linkedin, a partner's name.",
        widget=forms.TextInput(attrs={"list": "utm-sources"}),
    )
    utm_medium = forms.CharField(
        label="Medium (utm_medium)",
        max_length=UTM_MAX_LENGTH,
        help_text="The kind of placement: email, social, cpc, qr, print, referral.",
        widget=forms.TextInput(attrs={"list": "utm-mediums"}),
    )
    utm_campaign = forms.CharField(
        label="Campaign (utm_campaign)",
        max_length=UTM_MAX_LENGTH,
        required=False,
        help_text="Recommended: the campaign or issue, e.g. spring-newsletter-2026.",
    )
    utm_content = forms.CharField(
        label="Content (utm_content)",
        max_length=UTM_MAX_LENGTH,
        required=False,
        help_text="Optional: which link or version, e.g. header-button.",
    )
    utm_term = forms.CharField(
        label="Term (utm_term)",
        max_length=UTM_MAX_LENGTH,
        required=False,
        help_text="Optional: a paid search keyword.",
    )
    label = forms.CharField(
        label="Label",
        max_length=200,
        required=False,
        help_text="Your name for the link in this list; empty: the campaign, or the address.",
    )
    asset = forms.ModelChoiceField(
        label="Asset",
        queryset=Asset.objects.order_by("title"),
        required=False,
        empty_label="None",
        help_text="The article, talk or newsletter the link promotes: its clicks count as reach.",
    )

    field_order = [
        "target_url",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_content",
        "utm_term",
        "label",
        "asset",
    ]

    def clean_target_url(self) -> str:
        target = clean_text(self.cleaned_data["target_url"]).strip()
        if "://" not in target and not target.startswith("//"):
            target = "https://" + target
        try:
            validate_link_target(target)
        except ValidationError as error:
            if error.code == "userinfo":
                raise
            raise ValidationError(
                "Enter a web address that starts with http:// or https://, "
                "such as https://www.example.com/page/."
            ) from None
        return target

    def _tag(self, name: str, *, required: bool) -> str:
        value = utm_value(self.cleaned_data.get(name, ""))
        if required and not value:
            raise ValidationError("This tag is required: use letters, digits or hyphens.")
        return value

    def clean_utm_source(self) -> str:
        return self._tag("utm_source", required=True)

    def clean_utm_medium(self) -> str:
        return self._tag("utm_medium", required=True)

    def clean_utm_campaign(self) -> str:
        return self._tag("utm_campaign", required=False)

    def clean_utm_content(self) -> str:
        return self._tag("utm_content", required=False)

    def clean_utm_term(self) -> str:
        return self._tag("utm_term", required=False)

    def clean_label(self) -> str:
        return clean_text(self.cleaned_data.get("label", "")).strip()

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors and not data.get("label"):
            data["label"] = (data.get("utm_campaign") or data["target_url"])[:200]
        return data
