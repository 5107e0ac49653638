"""The record of erasures in the admin, to look at only.

It is the business's proof that it honoured requests to be forgotten: nobody
edits or deletes it, and an erasure is made from the contact's page or
``handraise forget``, never by adding a row here.
"""

from django.contrib import admin
from django.http import HttpRequest

from handraise.privacy.models import Erasure


@admin.register(Erasure)
class ErasureAdmin(admin.ModelAdmin):
    list_display = ["erased_at", "actor", "via"]
    list_filter = ["via"]
    readonly_fields = ["erased_at", "erased_by", "actor", "via", "counts"]
    date_hierarchy = "erased_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
