"""People and organisations, stored normalised."""

from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "handraise.contacts"
    label = "contacts"
