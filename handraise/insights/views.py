from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from handraise.insights import selectors


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "insights/home.html", {"figures": selectors.home_figures()})
