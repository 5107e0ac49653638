"""Is this an address mail can be sent to? One check for every edge and for the outbox.

Django's ``EmailValidator`` accepts quoted local parts with control characters
(``"a\\x0bb\\x1cc"@x.example``), which then split a ``To:`` header over three
lines or put raw control bytes into ``RCPT TO``. email-validator checks what
RFC 5321/5322 (and RFC 6531 for international addresses) allow in a mailbox:
dot-atoms only (no quoted local parts, which real prospects never have), no IP
literals, a domain with a dot that is not a special-use name (``.test``,
``.local``, ``localhost``...), at most 254 characters. It never looks anything
up in DNS: intake must not wait on the network.

Deliberately not here: lower-casing and matching (``contacts.normalisation``).
"""

from django.core.exceptions import ValidationError
from email_validator import EmailNotValidError, validate_email


def check_mailbox(value: str) -> str:
    """The address in its normalised form (NFC, domain lower-cased), or ValidationError."""
    try:
        checked = validate_email(
            value,
            check_deliverability=False,
            allow_smtputf8=True,
            allow_quoted_local=False,
            allow_domain_literal=False,
            allow_display_name=False,
        )
    except EmailNotValidError as error:
        raise ValidationError(str(error), code="invalid") from None
    return checked.normalized
