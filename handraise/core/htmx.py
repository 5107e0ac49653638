"""Telling an htmx request from a plain one.

A view answers an htmx request (the ``HX-Request: true`` header) with a partial
template and a plain request with the whole page. This module only recognises
the request; choosing the template stays with the view.
"""

from django.http import HttpRequest


def is_htmx(request: HttpRequest) -> bool:
    """True if htmx sent this request, so the view should answer with a partial."""
    return request.headers.get("HX-Request") == "true"
