"""The mailbox check's fast path for plain addresses says what email-validator says.

``check_mailbox`` answers plain addresses itself (a regular expression) and sends
the rest to email-validator. Whatever the fast path accepts, email-validator must
accept with the very same normalised form; otherwise a prospect's address could
be stored that mail cannot be sent to, or one person become two.
"""

import random

import pytest
from django.core.exceptions import ValidationError
from email_validator import EmailNotValidError, validate_email

from handraise.core.mailbox import _plain, check_mailbox

pytestmark = pytest.mark.unit


def general(value: str) -> str | None:
    try:
        return validate_email(
            value,
            check_deliverability=False,
            allow_smtputf8=True,
            allow_quoted_local=False,
            allow_domain_literal=False,
            allow_display_name=False,
        ).normalized
    except EmailNotValidError:
        return None


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("Ann.Lee@Example.COM", "Ann.Lee@example.com"),
        ("x_y+z@a-b.co.uk", "x_y+z@a-b.co.uk"),
        ("ann@localhost.test", None),  # special-use: the general path refuses it
        ("ann@ab--cd.com", None),  # "--" could be Punycode: the general path decides
        ("ann@example.123", None),
        ("a" * 65 + "@example.com", None),
        ("ann@" + "a" * 63 + "." + "b" * 63 + "." + "c" * 63 + "." + "d" * 57 + ".com", None),
    ],
)
def test_plain_addresses_and_the_ones_left_to_email_validator(address, expected):
    assert _plain(address) == (expected or "")
    if expected:
        assert general(address) == expected


def corpus(count: int, seed: int) -> list[str]:
    """Addresses near the edge of the plain shape: odd characters, dots, hyphens,
    Punycode, special-use and numeric domains, lengths either side of the limits."""
    rng = random.Random(seed)

    def part(alphabet: str, longest: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, longest)))

    def odd(text: str, characters: str) -> str:
        """Now and then, a character that leaves the plain shape (or nearly does)."""
        if rng.random() < 0.15:
            at = rng.randint(0, len(text))
            text = text[:at] + rng.choice(characters) + text[at:]
        return text

    words = ["ann", "Lee", "xn--", "a-", "b", "q", "Z9", "mail", "test", "local", "onion"]
    addresses = []
    for _ in range(count):
        local = ".".join(part("abcZ09_+-", 10) for _ in range(rng.randint(1, 3)))
        local = odd(local, "!#'.é@ ")
        labels = [rng.choice(words) + part("ab9", 6) for _ in range(rng.randint(1, 3))]
        domain = odd(".".join(labels), "-_.é!")
        tld = rng.choice(["com", "co", "uk", "test", "onion", "123", "x", "Com", "c-m", "local"])
        address = f"{local}@{domain}.{tld}"
        if rng.random() < 0.1:
            address = "a" * rng.randint(55, 70) + address
        addresses.append(address)
    return addresses


def test_what_the_fast_path_accepts_email_validator_accepts_the_same():
    checked = 0
    for address in corpus(20_000, seed=3):
        plain = _plain(address)
        if plain:
            assert general(address) == plain, address
            checked += 1
    assert checked > 2000  # the corpus reached the fast path often enough to mean it


def test_both_paths_refuse_with_a_clear_message():
    with pytest.raises(ValidationError, match="special-use or reserved"):
        check_mailbox("ann@example.test")
    assert check_mailbox("Ann@Example.com") == "Ann@example.com"
