"""The outbox in the admin: every email Handraise sent or means to send, to look at only.

Editing or deleting a row could send a message twice (a deleted key may be queued
again), so the admin shows the outbox and changes nothing in it.
"""

from django.contrib import admin
from django.http import HttpRequest

from handraise.core.models import OutgoingEmail


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "to", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["to", "subject", "=key", "=message_id"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
