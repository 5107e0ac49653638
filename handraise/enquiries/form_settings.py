"""Writes for the public forms: an owner's changes to one form's settings.

The settings page validates (``FormSettingsForm``); this saves. Creating forms
and choosing which fields they show go through here as the app grows, so the
import and the API keep the same rules as the page.
"""

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from handraise.enquiries.models import Form


def save_form_settings(*, form: Form, notify: Iterable[AbstractBaseUser]) -> Form:
    """Save ``form`` as changed and who is notified of its enquiries (nobody: every owner)."""
    with transaction.atomic():
        form.save()
        form.notify.set(notify)
    return form
