"""Back-office editing of intake forms and enquiries.

The Inbox is the place to work enquiries; the admin is for corrections, so it
shows everything but keeps the changelist to a fixed number of queries. Raw
submissions and inbound emails are evidence of what arrived: they are shown,
never added or rewritten here.
"""

from django.contrib import admin
from django.db import models
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from handraise.enquiries.models import Enquiry, Form, InboundEmail, ReplyTemplate, Submission


@admin.register(Form)
class FormAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "slug", "is_active", "enquiry_count", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["notify"]
    readonly_fields = ["created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Form]:
        return super().get_queryset(request).annotate(enquiry_count=Count("enquiries"))

    @admin.display(description="Enquiries", ordering="enquiry_count")
    def enquiry_count(self, form: Form) -> int:
        return form.enquiry_count


@admin.register(Enquiry)
class EnquiryAdmin(admin.ModelAdmin):
    list_display = [
        "received_at",
        "contact",
        "channel",
        "status",
        "response_due_at",
        "first_response_at",
        "form",
    ]
    list_select_related = ["contact", "form"]
    list_filter = ["status", "channel", "form"]
    search_fields = ["from_name", "from_email", "from_company", "contact__name"]
    autocomplete_fields = ["contact"]
    date_hierarchy = "received_at"
    # The fit is the profile's rules' (enquiries.fit_scores), recomputed when it changes.
    readonly_fields = ["created_at", "fit_score", "fit_reasons"]
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["channel", "status", "form", "contact", "received_at", "message"]}),
        ("As given", {"fields": ["from_name", "from_email", "from_phone", "from_company"]}),
        (
            "Attribution",
            {
                "classes": ["collapse"],
                "fields": [
                    "visitor_id",
                    "referrer",
                    "landing_page",
                    "utm_source",
                    "utm_medium",
                    "utm_campaign",
                    "utm_content",
                    "utm_term",
                ],
            },
        ),
        (
            "Response clock",
            {
                "fields": [
                    "response_due_at",
                    "acknowledged_at",
                    "reminded_at",
                    "escalated_at",
                    "first_response_at",
                    "first_response_by",
                    "fit_score",
                    "fit_reasons",
                    "created_at",
                ]
            },
        ),
    ]


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["received_at", "public_id", "form", "status", "spooled", "enquiry"]
    list_select_related = ["form", "enquiry"]
    list_filter = ["status", "spooled", "form"]
    search_fields = ["=public_id", "=idempotency_key", "quarantine_reason"]
    autocomplete_fields = ["enquiry"]
    date_hierarchy = "received_at"
    show_full_result_count = False
    readonly_fields = [
        "public_id",
        "idempotency_key",
        "form",
        "received_at",
        "payload",
        "remote_addr",
        "user_agent",
        "origin",
        "spooled",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "subject"]
    search_fields = ["name", "subject", "body"]


@admin.register(InboundEmail)
class InboundEmailAdmin(admin.ModelAdmin):
    list_display = ["received_at", "from_address", "subject", "status", "reason", "enquiry"]
    list_select_related = ["enquiry"]
    list_filter = ["status"]
    search_fields = ["=message_id", "from_address", "from_name", "subject"]
    date_hierarchy = "received_at"
    show_full_result_count = False
    # The raw bytes are downloaded from the Quarantine page, not edited here.
    exclude = ["raw"]  # and never read for the list: a message may be megabytes
    readonly_fields = [
        "message_id",
        "raw_size",
        "source",
        "received_at",
        "from_address",
        "from_name",
        "subject",
        "text",
        "attachments",
        "enquiry",
        "activity",
        "contact",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[InboundEmail]:
        return super().get_queryset(request).defer("raw")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
