"""Writes for the public forms: an owner's changes to one form's settings.

The settings page validates (``FormSettingsForm``); this saves. Creating forms
and choosing which fields they show go through here as the app grows, so the
import and the API keep the same rules as the page.
"""

from collections.abc import Iterable, Sequence

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from handraise.enquiries.models import Form
from handraise.marketing.site_selectors import forget_site


def save_form_settings(*, form: Form, notify: Iterable[AbstractBaseUser]) -> Form:
    """Save ``form`` as changed and who is notified of its enquiries (nobody: every owner)."""
    with transaction.atomic():
        form.save()
        form.notify.set(notify)
    forget_site()  # its allowed origins may send site-script events too
    return form


def record_imported_form(*, slug: str, name: str, notify: Sequence[str] = (), **fields) -> Form:
    """The form of this slug as an export had it (made if new), saved as the page saves.

    ``notify`` names users by username; a name with no account here is left out
    (an import makes no one who would be emailed).
    """
    form = Form.objects.filter(slug=slug).first() or Form(slug=slug)
    form.name = name
    for field, value in fields.items():
        setattr(form, field, value)
    form.full_clean(validate_unique=False)
    users = get_user_model().objects.filter(username__in=list(notify))
    return save_form_settings(form=form, notify=users)
