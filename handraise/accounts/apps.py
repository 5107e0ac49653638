"""Users, the business's settings and business hours."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "handraise.accounts"
    label = "accounts"
