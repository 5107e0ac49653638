"""Back-office editing of the business's settings and opening hours.

BusinessSettings is a singleton (pk=1, created by a migration): the admin offers
no way to add a second row or delete the one there is.
"""

from django.contrib import admin
from django.http import HttpRequest

from handraise.accounts.models import BusinessHours, BusinessSettings


@admin.register(BusinessSettings)
class BusinessSettingsAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone", "currency", "response_target_minutes", "updated_at"]
    readonly_fields = ["updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "currency"]}),
        (
            "Time and holidays",
            {"fields": ["time_zone", "holiday_country", "holiday_subdivision"]},
        ),
        ("Enquiries", {"fields": ["response_target_minutes", "default_phone_region"]}),
        (
            "Acknowledgement",
            {"fields": ["reply_to_email", "acknowledgement_subject", "acknowledgement_body"]},
        ),
        ("Website", {"fields": ["website_addresses"]}),
        (None, {"fields": ["updated_at"]}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not BusinessSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(BusinessHours)
class BusinessHoursAdmin(admin.ModelAdmin):
    list_display = ["weekday", "opens", "closes"]
    list_filter = ["weekday"]
