"""Every URL Handraise serves. Public views are marked ``login_not_required``."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("handraise.insights.urls")),
    path("", include("handraise.enquiries.urls")),
    path("", include("handraise.sales.urls")),
    path("", include("handraise.contacts.urls")),
    path("", include("handraise.marketing.urls")),
    path("", include("handraise.privacy.urls")),
    path("", include("handraise.accounts.urls")),
    path("", include("handraise.imports.urls")),
    path("admin/", admin.site.urls),
]
