"""Turning what people type into the one form Handraise stores and matches on.

Emails are checked as SMTP will see them (``core.mailbox``) and lower-cased whole (mailbox
providers treat the local part case-insensitively in practice, and matching must
not miss "Ann@X.com" vs "ann@x.com"). Phones become E.164 via ``phonenumbers``.
Nothing here touches the database.
"""

import phonenumbers
from django.core.exceptions import ValidationError

from handraise.core.mailbox import check_mailbox


def normalise_email(raw: str) -> str:
    """Return the stored form of an email address, or raise ValidationError."""
    return check_mailbox((raw or "").strip()).lower()


def normalise_phone(raw: str, *, region: str) -> str:
    """Return a phone number in E.164, reading national numbers in ``region``."""
    try:
        number = phonenumbers.parse((raw or "").strip(), region)
    except phonenumbers.NumberParseException:
        raise ValidationError(f"{raw!r} is not a phone number.", code="invalid_phone") from None
    if not phonenumbers.is_possible_number(number):
        raise ValidationError(f"{raw!r} is not a possible phone number.", code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_stored_email(value: str) -> None:
    """Model validator: the value must already be in normalised form."""
    if normalise_email(value) != value:
        raise ValidationError(
            f"{value!r} is not a lower-case email address.", code="not_normalised"
        )


def validate_e164(value: str) -> None:
    """Model validator: the value must be a possible number written in E.164."""
    if not value.startswith("+") or normalise_phone(value, region="ZZ") != value:
        raise ValidationError(f"{value!r} is not a phone number in E.164 form.", code="not_e164")
