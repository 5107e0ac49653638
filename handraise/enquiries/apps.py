"""The hand-raise: intake forms, enquiries and their response clock."""

from django.apps import AppConfig


class EnquiriesConfig(AppConfig):
    name = "handraise.enquiries"
    label = "enquiries"
