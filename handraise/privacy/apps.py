"""One person's data on request: the GDPR export and erasure."""

from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "handraise.privacy"
    label = "privacy"
