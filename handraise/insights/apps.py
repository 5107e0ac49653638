"""Signals, themes, the ideal client profile and the health check."""

from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "handraise.insights"
    label = "insights"
