"""URLs of the marketing area (signed in) and its public endpoints (``/t.js``, ``/t/``,
``/r/<code>``, each marked ``login_not_required`` in its view)."""

urlpatterns: list = []
