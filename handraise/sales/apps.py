"""Deals, stages, activities and follow-up cadences."""

from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "handraise.sales"
    label = "sales"
