"""Importing a business's history from the files it already has."""

from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "handraise.imports"
    label = "imports"
