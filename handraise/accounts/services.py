"""Writes for users: creating people who may sign in."""

import secrets
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

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
