"""Plumbing every app shares: the clock, base templates, the serve and worker commands."""

from django.apps import AppConfig

from handraise.core import lookups  # noqa: F401  registers the ``__any_of`` lookup


class CoreConfig(AppConfig):
    name = "handraise.core"
    label = "core"
