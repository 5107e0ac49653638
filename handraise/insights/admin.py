"""Back-office editing of signals, themes, quick tags and the ideal client profile."""

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from handraise.insights.models import IdealClientProfile, QuickTag, Signal, Theme


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "signal_count", "created_at"]
    search_fields = ["name", "description"]
    autocomplete_fields = ["answered_by"]
    readonly_fields = ["created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Theme]:
        return super().get_queryset(request).annotate(signal_count=Count("signals"))

    @admin.display(description="Signals", ordering="signal_count")
    def signal_count(self, theme: Theme) -> int:
        return theme.signal_count


@admin.register(Signal)
class SignalAdmin(admin.ModelAdmin):
    list_display = ["captured_at", "kind", "short_text", "contact", "deal", "theme"]
    list_select_related = ["contact", "deal", "theme"]
    list_filter = ["kind", "theme"]
    search_fields = ["text", "contact__name"]
    autocomplete_fields = ["contact", "deal", "activity", "theme"]
    date_hierarchy = "captured_at"
    show_full_result_count = False

    @admin.display(description="Text")
    def short_text(self, signal: Signal) -> str:
        return signal.text if len(signal.text) <= 80 else f"{signal.text[:79]}…"


@admin.register(IdealClientProfile)
class IdealClientProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active", "min_employees", "max_employees", "updated_at"]
    list_filter = ["is_active"]
    readonly_fields = ["updated_at"]


@admin.register(QuickTag)
class QuickTagAdmin(admin.ModelAdmin):
    """The ticks offered when logging a conversation: the owner's list to edit."""

    list_display = ["label", "kind", "theme", "position", "is_active"]
    list_select_related = ["theme"]
    list_filter = ["kind", "is_active"]
    list_editable = ["position", "is_active"]
    search_fields = ["label"]
    autocomplete_fields = ["theme"]
