"""Back-office editing of marketing assets and a read-mostly view of touchpoints.

Touchpoints reach a million rows: the changelist joins its foreign keys in the
page query, skips the unfiltered total count and offers a date filter instead of
a date hierarchy (whose year/month drill-down scans the whole table).
"""

from django.contrib import admin
from django.db import models

from handraise.marketing.models import Asset, ShortLink, Touchpoint


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["title", "kind", "published_at", "url"]
    list_filter = ["kind"]
    search_fields = ["title", "url"]
    date_hierarchy = "published_at"
    readonly_fields = ["created_at"]


@admin.register(Touchpoint)
class TouchpointAdmin(admin.ModelAdmin):
    list_display = [
        "occurred_at",
        "channel",
        "asset",
        "contact",
        "visitor_id",
        "utm_source",
        "utm_campaign",
    ]
    list_select_related = ["asset", "contact"]
    list_filter = ["channel", "occurred_at"]
    search_fields = ["=visitor_id", "utm_source", "utm_campaign"]
    autocomplete_fields = ["contact", "asset"]
    show_full_result_count = False


@admin.register(ShortLink)
class ShortLinkAdmin(admin.ModelAdmin):
    """Tracked links are made on the link builder (its service builds the code and the
    tags); here they can be looked up and their label or target corrected."""

    list_display = ["code", "label", "target_url", "archived_at", "created_at"]
    search_fields = ["code", "label", "target_url"]
    readonly_fields = ["code", "created_by", "created_at"]
    list_select_related = ["asset"]
