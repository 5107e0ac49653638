"""Handraise's URLs plus the bare reference view at ``/bench/bare/``."""

from django.urls import include, path

from bench.reference import views

urlpatterns = [
    path("bench/bare/", views.bare_submission, name="bench-bare"),
    path("", include("handraise.urls")),
]
