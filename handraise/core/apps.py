"""Plumbing every app shares: the clock, base templates, the serve and worker commands."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "handraise.core"
    label = "core"

    def ready(self) -> None:
        from handraise.core import lookups  # noqa: F401  registers ``__any_of``
