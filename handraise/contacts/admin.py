"""Back-office editing of contacts and organisations.

Contacts run to ~100k rows, so the changelist selects organisations and
prefetches emails in fixed queries, and skips the unfiltered total count.
"""

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from handraise.contacts.models import (
    Contact,
    ContactEmail,
    ContactPhone,
    MergeSuggestion,
    Organisation,
)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "domain", "industry", "employees", "created_at"]
    list_filter = ["industry"]
    search_fields = ["name", "domain"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at"]


class ContactEmailInline(admin.TabularInline):
    model = ContactEmail
    extra = 0


class ContactPhoneInline(admin.TabularInline):
    model = ContactPhone
    extra = 0


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "primary_email", "organisation", "job_title", "created_at"]
    list_select_related = ["organisation"]
    search_fields = ["name", "emails__email", "phones__number", "organisation__name"]
    autocomplete_fields = ["organisation"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at", "updated_at"]
    inlines = [ContactEmailInline, ContactPhoneInline]
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Contact]:
        # primary_email reads contact.emails; one prefetch query serves the whole page.
        return super().get_queryset(request).prefetch_related("emails")

    @admin.display(description="Email")
    def primary_email(self, contact: Contact) -> str:
        return contact.primary_email


@admin.register(ContactEmail)
class ContactEmailAdmin(admin.ModelAdmin):
    list_display = ["email", "contact", "is_primary"]
    list_select_related = ["contact"]
    search_fields = ["email", "contact__name"]
    autocomplete_fields = ["contact"]
    show_full_result_count = False


@admin.register(ContactPhone)
class ContactPhoneAdmin(admin.ModelAdmin):
    list_display = ["number", "label", "contact", "is_primary"]
    list_select_related = ["contact"]
    search_fields = ["number", "contact__name"]
    autocomplete_fields = ["contact"]
    show_full_result_count = False


@admin.register(MergeSuggestion)
class MergeSuggestionAdmin(admin.ModelAdmin):
    list_display = ["contact", "candidate", "score", "reason", "status", "created_at"]
    list_select_related = ["contact", "candidate"]
    list_filter = ["status"]
    search_fields = ["contact__name", "candidate__name"]
    autocomplete_fields = ["contact", "candidate"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at"]
