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

import re

from django.core.exceptions import ValidationError
from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

# The shape almost every real address has: a dot-atom of ASCII letters, digits, "_",
# "+" and "-" at a domain of letter-digit-hyphen labels under an alphabetic top-level
# domain. email-validator accepts each such address (within the lengths checked below,
# off a special-use domain, with no "--" that could make a label Punycode) and changes
# nothing but the domain's case; a test holds the two to that on thousands of addresses.
# Spelled out here because email-validator's general path took 80 µs an address,
# the largest part of reading a 100,000-row contacts file. Anything else goes the
# general way.
_PLAIN = re.compile(
    r"[a-z0-9_+-]+(?:\.[a-z0-9_+-]+)*@((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63})",
    re.ASCII | re.IGNORECASE,
)
_SPECIAL_USE = tuple(SPECIAL_USE_DOMAIN_NAMES)


def check_mailbox(value: str) -> str:
    """The address in its normalised form (NFC, domain lower-cased), or ValidationError."""
    plain = _plain(value)
    if plain:
        return plain
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


def _plain(value: str) -> str:
    """``value`` normalised if it is of the plain shape above, else ""."""
    match = _PLAIN.fullmatch(value)
    if not match or len(value) > 254 or value.index("@") > 64 or "--" in match[1]:
        return ""
    domain = match[1].lower()
    if any(domain == name or domain.endswith("." + name) for name in _SPECIAL_USE):
        return ""
    return value[: match.start(1)] + domain
