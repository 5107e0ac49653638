"""The signed-in home page: the engine's key figures at a glance."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from handraise.enquiries.selectors import engine_trouble
from handraise.insights import selectors


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    context = {"figures": selectors.home_figures(), "trouble": engine_trouble()}
    return render(request, "insights/home.html", context)
