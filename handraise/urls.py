"""Every URL Handraise serves. Public views are marked ``login_not_required``."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    # First: its public /t/ and /r/<code> take the most requests, and Django tries
    # the patterns in order (resolving through every app first cost a fifth of an event).
    path("", include("handraise.marketing.urls")),
    path("", include("handraise.insights.urls")),
    path("", include("handraise.enquiries.urls")),
    path("", include("handraise.sales.urls")),
    path("", include("handraise.contacts.urls")),
    path("", include("handraise.privacy.urls")),
    path("", include("handraise.accounts.urls")),
    path("", include("handraise.imports.urls")),
    path("admin/", admin.site.urls),
]
