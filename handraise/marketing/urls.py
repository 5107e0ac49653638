"""URLs of the marketing area (signed in) and its public endpoints (``/t.js``, ``/t/``,
``/r/<code>``, each marked ``login_not_required`` in its view)."""

from django.urls import path

from handraise.marketing.views import assets

urlpatterns: list = [
    path("marketing/", assets.marketing_overview, name="marketing"),
    path("marketing/assets/", assets.asset_list, name="marketing-assets"),
    path("marketing/assets/new/", assets.asset_new, name="marketing-asset-new"),
    path("marketing/assets/<int:pk>/", assets.asset_edit, name="marketing-asset-edit"),
    path(
        "marketing/assets/<int:pk>/archive/", assets.asset_archive, name="marketing-asset-archive"
    ),
    path(
        "marketing/assets/<int:pk>/restore/", assets.asset_restore, name="marketing-asset-restore"
    ),
]
