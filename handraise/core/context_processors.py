"""Template context every page shares."""

from django.http import HttpRequest

from handraise.accounts.models import BusinessSettings


def business(request: HttpRequest) -> dict:
    # Only signed-in pages show the business name; the login page needs no query.
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {"business": BusinessSettings.load()}
