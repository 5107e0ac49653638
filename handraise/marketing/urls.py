"""URLs of the marketing area (signed in) and its public endpoints (``/t.js``, ``/t/``,
``/r/<code>``, each marked ``login_not_required`` in its view)."""

from django.urls import path

from handraise.marketing.views import attribution

urlpatterns: list = [
    path(
        "marketing/attribution/",
        attribution.attribution_page,
        name="marketing-attribution",
    ),
]
