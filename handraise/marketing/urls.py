"""URLs of the marketing area (signed in) and its public endpoints (``/t.js``, ``/t/``,
``/r/<code>``, each marked ``login_not_required`` in its view)."""

from django.urls import path

from handraise.marketing.views import fit

urlpatterns: list = [
    path("marketing/fit/", fit.fit, name="marketing-fit"),
]
