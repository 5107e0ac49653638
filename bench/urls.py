"""Handraise's URLs plus the bare reference views under ``/bench/``."""

from django.urls import include, path

from bench.reference import views

urlpatterns = [
    path("bench/bare/", views.bare_submission, name="bench-bare"),
    path("bench/redirect/", views.bare_redirect, name="bench-redirect"),
    path("bench/click/", views.bare_click, name="bench-click"),
    path("bench/event/", views.bare_event, name="bench-event"),
    path("bench/page/<int:pk>/", views.bare_page, name="bench-page"),
    path("", include("handraise.urls")),
]
