"""Template context every page shares."""

from django.http import HttpRequest


def business(request: HttpRequest) -> dict:
    # BusinessTimeZoneMiddleware loaded it for signed-in users; anonymous pages go without.
    business = getattr(request, "business", None)
    return {"business": business} if business else {}
