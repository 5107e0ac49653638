"""Marketing assets and the touchpoints visitors leave on them."""

from django.apps import AppConfig


class MarketingConfig(AppConfig):
    name = "handraise.marketing"
    label = "marketing"
