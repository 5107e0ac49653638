"""Writes for users and the business: creating people who may sign in, forgetting the
admin's history of a row, restoring the business's settings from an export."""

import secrets
from collections.abc import Collection, Mapping, Sequence
from datetime import time
from pathlib import Path

from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.password_validation import validate_password
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils.text import slugify

from handraise.accounts.models import BusinessHours, BusinessSettings
from handraise.core.origins import clean_origin_lines

DEMO_USERNAME = "demo"


class UserExists(Exception):
    pass


@transaction.atomic
def create_user(
    *, username: str, password: str, email: str = "", is_owner: bool = False
) -> AbstractUser:
    """Create a user who may sign in; an owner also gets the admin and settings.

    Raises ``UserExists`` or Django's ``ValidationError`` (weak password, bad email).
    """
    User = get_user_model()
    if User.objects.filter(username__iexact=username).exists():
        raise UserExists(f"a user called {username!r} already exists")
    user = User(username=username, email=email, is_staff=is_owner, is_superuser=is_owner)
    user.full_clean(exclude=["password"])
    validate_password(password, user)
    user.set_password(password)
    user.save()
    return user


def historical_user(name: str) -> AbstractUser | None:
    """The user named in imported history ("Olive Green", "olive", "olive@x.com").

    An existing user is found by email, username or full name. Anyone else gets an
    account that cannot sign in (inactive, no usable password) until an owner
    invites them, so the history keeps who did what. Blank: None.
    """
    name = " ".join(name.split())
    if not name:
        return None
    User = get_user_model()
    by_name = Q(username__iexact=name) | Q(email__iexact=name)
    first, _, last = name.partition(" ")
    if last:
        by_name |= Q(first_name__iexact=first, last_name__iexact=last)
    existing = User.objects.filter(by_name).order_by("pk").first()
    if existing:
        return existing
    base = slugify(name.split("@")[0])[:140] or "teammate"
    username, suffix = base, 1
    while User.objects.filter(username__iexact=username).exists():
        suffix += 1
        username = f"{base}-{suffix}"
    user = User(
        username=username,
        email=name if "@" in name else "",
        first_name="" if "@" in name else first[:150],
        last_name="" if "@" in name else last[:150],
        is_active=False,
    )
    user.set_unusable_password()
    user.save()
    return user


def ensure_demo_login(data_dir: Path) -> tuple[str, str] | None:
    """The demo owner's login, creating the user the first time.

    The password is random and kept (mode 0600) in the data dir so that every
    ``handraise serve --demo`` can print it again. Returns None when a ``demo``
    user exists but its password file is gone (we do not reset a password).
    """
    login_file = data_dir / "demo-login.txt"
    User = get_user_model()
    if User.objects.filter(username=DEMO_USERNAME).exists():
        if login_file.exists():
            return DEMO_USERNAME, login_file.read_text().strip()
        return None
    password = secrets.token_urlsafe(12)
    create_user(username=DEMO_USERNAME, password=password, email="demo@example.com", is_owner=True)
    login_file.unlink(missing_ok=True)
    with login_file.open("x") as handle:
        login_file.chmod(0o600)
        handle.write(password)
    return DEMO_USERNAME, password


def erase_admin_history(*, rows: Mapping[type[models.Model], Collection[int]]) -> dict[str, int]:
    """Delete the admin's change history of these rows; how many entries.

    Each entry keeps the row as it was shown (a contact's name, an email address)
    and what was changed, so an erased person's rows must not keep theirs.
    """
    wanted = Q(pk__in=[])
    for model, pks in rows.items():
        if pks:
            content_type = ContentType.objects.get_for_model(model)
            wanted |= Q(content_type=content_type, object_id__in=[str(pk) for pk in pks])
    deleted, _ = LogEntry.objects.filter(wanted).delete()
    return {"admin_history": deleted}


# Every field of the business's settings that an export carries and an import restores.
SETTINGS_FIELDS = (
    "name",
    "time_zone",
    "holiday_country",
    "holiday_subdivision",
    "default_phone_region",
    "response_target_minutes",
    "currency",
    "reply_to_email",
    "acknowledgement_subject",
    "acknowledgement_body",
    "website_addresses",
)


def update_website_addresses(*, addresses: str) -> BusinessSettings:
    """The business's own sites, one origin per line, as ``core.origins`` cleans them;
    ``ValidationError`` naming the first line that is not an origin."""
    settings = BusinessSettings.load()
    try:
        settings.website_addresses = clean_origin_lines(addresses)
    except ValidationError as error:
        raise ValidationError({"website_addresses": error.messages}) from None
    with transaction.atomic():
        settings.save(update_fields=["website_addresses", "updated_at"])
    return settings


@transaction.atomic
def record_imported_settings(*, business: dict, hours: Sequence[dict] | None) -> BusinessSettings:
    """The business's settings (and its opening hours, when given) as an export had them.

    The values are checked as the settings page checks them (``ValidationError``
    otherwise), and replace the install's own; fields the file leaves out keep theirs.
    ``hours`` replaces every opening window; ``None`` leaves the hours alone.
    """
    settings = BusinessSettings.load()
    given = {name: business[name] for name in SETTINGS_FIELDS if name in business}
    for name, value in given.items():
        setattr(settings, name, value)
    settings.full_clean()
    settings.save()
    if hours is not None:
        windows = [
            BusinessHours(
                weekday=window["weekday"],
                opens=time.fromisoformat(window["opens"]),
                closes=time.fromisoformat(window["closes"]),
            )
            for window in hours
        ]
        for window in windows:
            # Checked against each other, not against the windows they replace.
            window.full_clean(validate_unique=False, validate_constraints=False)
            if window.closes <= window.opens:
                raise ValidationError("An opening window must close after it opens.")
        if len({(w.weekday, w.opens) for w in windows}) < len(windows):
            raise ValidationError("Two opening windows start at the same time on the same day.")
        BusinessHours.objects.all().delete()
        BusinessHours.objects.bulk_create(windows)
    return settings
