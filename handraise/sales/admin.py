"""Back-office editing of the pipeline's configuration and its deals.

Stages, outcome reasons and cadences are configuration the owner edits here;
deals, activities and enrolments are listed with their foreign keys joined so a
page of them costs a fixed number of queries. A deal's stage, outcome, value and
clock fields are shown, not edited: only the services that move and close a deal
may change them, because those also record the activity and start or stop cadences.
"""

from django.contrib import admin, messages
from django.db import models

from handraise.sales.calendar import rotate_feed_secret
from handraise.sales.models import (
    Activity,
    Cadence,
    CadenceEnrolment,
    CadenceStep,
    CadenceStepRun,
    CalendarFeed,
    Deal,
    OutcomeReason,
    Proposal,
    Stage,
)


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "probability", "is_won", "is_lost", "stale_after_days"]
    search_fields = ["name"]


@admin.register(OutcomeReason)
class OutcomeReasonAdmin(admin.ModelAdmin):
    list_display = ["label", "outcome", "position"]
    list_filter = ["outcome"]
    search_fields = ["label"]


@admin.register(Deal)
class DealAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "contact",
        "stage",
        "value",
        "currency",
        "origin",
        "owner",
        "next_step_due",
        "closed_at",
    ]
    list_select_related = ["contact", "stage", "owner"]
    list_filter = ["stage", "origin", "owner"]
    search_fields = ["title", "contact__name"]
    autocomplete_fields = ["contact", "enquiry"]
    # Written only by move_deal and close_deal (which record the move, stop or start
    # cadences) and by the activity and proposal services; editing them here would skip that.
    # The origin changes on the deal page, which records who set it (sales.origins).
    readonly_fields = [
        "origin",
        "origin_reason",
        "stage",
        "stage_entered_at",
        "closed_at",
        "value",
        "currency",
        "outcome_reason",
        "outcome_note",
        "created_at",
        "last_activity_at",
    ]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        # A deal opens from an enquiry (open_deal) or an import, which set its stage
        # and times; an admin form without them could only fail (it answered 500).
        return False


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "kind", "direction", "subject", "contact", "deal", "user"]
    list_select_related = ["contact", "deal", "user"]
    list_filter = ["kind", "direction", "user"]
    search_fields = ["subject", "contact__name", "deal__title"]
    autocomplete_fields = ["contact", "deal", "enquiry", "outgoing_email"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False


class CadenceStepInline(admin.TabularInline):
    model = CadenceStep
    extra = 0


@admin.register(Cadence)
class CadenceAdmin(admin.ModelAdmin):
    list_display = ["name", "enrol_on_stage", "send_without_approval", "is_active"]
    list_select_related = ["enrol_on_stage"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    inlines = [CadenceStepInline]


@admin.register(CadenceStep)
class CadenceStepAdmin(admin.ModelAdmin):
    list_display = ["cadence", "position", "business_days_after", "kind", "subject"]
    list_select_related = ["cadence"]
    list_filter = ["cadence", "kind"]


@admin.register(CadenceEnrolment)
class CadenceEnrolmentAdmin(admin.ModelAdmin):
    list_display = ["deal", "cadence", "status", "enrolled_at", "next_run_at", "stopped_at"]
    list_select_related = ["deal", "cadence"]
    list_filter = ["status", "cadence"]
    search_fields = ["deal__title"]
    autocomplete_fields = ["deal"]
    date_hierarchy = "enrolled_at"


@admin.register(CadenceStepRun)
class CadenceStepRunAdmin(admin.ModelAdmin):
    """Read-only: a run is the record that a step happened, and exactly once."""

    list_display = ["enrolment", "position", "kind", "status", "due_at", "ran_at"]
    list_select_related = ["enrolment__deal", "enrolment__cadence"]
    list_filter = ["status", "kind"]
    search_fields = ["enrolment__deal__title", "subject"]
    date_hierarchy = "ran_at"
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    """Proposals are sent from the deal page, where the document's type is checked;
    here they can be corrected, not added, and the document not replaced."""

    list_display = ["sent_at", "deal", "amount", "currency", "document_name", "created_by"]
    list_select_related = ["deal", "created_by"]
    search_fields = ["deal__title", "note"]
    autocomplete_fields = ["deal", "activity"]
    readonly_fields = ["document", "document_name", "document_type", "created_at"]
    date_hierarchy = "sent_at"
    show_full_result_count = False
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    """Who has a calendar feed, and a way to revoke one; the secrets themselves stay hidden."""

    list_display = ["user", "created_at", "rotated_at"]
    list_select_related = ["user"]
    readonly_fields = ["user", "created_at", "rotated_at"]
    search_fields = ["user__username"]
    actions = ["rotate_secrets"]

    def has_add_permission(self, request) -> bool:
        return False  # each user's feed is made when they open their calendar settings

    @admin.action(description="Rotate the secret (the old address stops working)")
    def rotate_secrets(self, request, queryset) -> None:
        feeds = list(queryset.select_related("user"))
        for feed in feeds:
            rotate_feed_secret(user=feed.user)
        plural = "" if len(feeds) == 1 else "s"
        self.message_user(request, f"Rotated {len(feeds)} secret{plural}.", messages.SUCCESS)
