"""Placeholders in text the business's users write: ``{{ first_name }}`` and a few more.

The acknowledgement, the saved replies and the cadence steps are written by the
business's users, so they are never rendered as a Django template: a template
with model objects in its context could reach any attribute
(``{{ business.owner.password }}``) and runs tags (``{% load %}``) and filters
(``{{ name|safe }}``). Here a placeholder is one name from a short, fixed
catalogue, replaced by a plain string in one pass (a value that itself looks like
a placeholder is not expanded again). Each kind of text offers the placeholders
its context can fill (an enquiry has a message, a deal has an owner);
``PlaceholderValidator`` refuses anything else when the text is saved, so a typo
is caught by the person writing it, not by the prospect reading it. At send time
whatever is not a known placeholder is left exactly as written.

``recipient_values`` is the one place the recipient's ``name`` and ``first_name``
are worked out. Not here: the other values of each context (the enquiry's and the
deal's own modules build them) and escaping (the text is plain, for plain email).
"""

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

ENQUIRY = "enquiry"  # the acknowledgement and the saved replies in the Inbox
DEAL = "deal"  # the steps of a follow-up cadence

# When we know no name at all, "Hello {{ first_name }}," still reads right.
NO_FIRST_NAME = "there"


@dataclass(frozen=True)
class Placeholder:
    meaning: str  # shown to whoever writes the text
    contexts: frozenset[str]


# In the order they are listed to whoever writes the text.
CATALOGUE = {
    "first_name": Placeholder(
        f"the contact's first name (“{NO_FIRST_NAME}” when there is no name)",
        frozenset({ENQUIRY, DEAL}),
    ),
    "name": Placeholder("the contact's full name", frozenset({ENQUIRY, DEAL})),
    "message": Placeholder("the enquiry's message", frozenset({ENQUIRY})),
    "reply_promise": Placeholder(
        "when you will reply, from your response target (“within 2 working hours”)",
        frozenset({ENQUIRY}),
    ),
    "company": Placeholder("the contact's organisation", frozenset({DEAL})),
    "deal": Placeholder("the deal's title", frozenset({DEAL})),
    "owner": Placeholder("the deal owner's name", frozenset({DEAL})),
    "business": Placeholder("your business's name", frozenset({ENQUIRY, DEAL})),
}
# The dotted spellings the first cadences were written with.
ALIASES = {"contact.name": "name", "contact.first_name": "first_name", "deal.title": "deal"}

# Each runs in time linear in the text: no match can run past a brace, and the name
# is stripped in Python (``{{\s*(.*?)\s*}}`` backtracks cubically on a run of spaces).
_PLACEHOLDER = re.compile(r"{{([^{}]*)}}")
# Django's tags and comments: not placeholders, and never run.
_TEMPLATE_TAG = re.compile(r"{%[^{}]*?%}|{#[^{}]*?#}")


def offered(context: str) -> dict[str, str]:
    """The placeholders ``context`` fills: name -> what it stands for, in catalogue order."""
    return {name: p.meaning for name, p in CATALOGUE.items() if context in p.contexts}


def shown(name: str) -> str:
    return "{{ " + name + " }}"


def listed(context: str) -> str:
    """``{{ first_name }}, {{ name }}, ...``: the placeholders ``context`` offers."""
    return ", ".join(shown(name) for name in offered(context))


def help_text(context: str) -> str:
    return f"Plain text. Placeholders: {listed(context)}."


def _canonical(name: str) -> str:
    return ALIASES.get(name, name)


def validate_placeholders(value: str, *, allowed: Collection[str]) -> None:
    """Refuse ``value`` if it uses a placeholder outside ``allowed``, or a template tag."""
    names = {m[1].strip() for m in _PLACEHOLDER.finditer(value)}
    unknown = sorted(name for name in names if _canonical(name) not in allowed)
    tags = sorted({m[0] for m in _TEMPLATE_TAG.finditer(value)})
    if not unknown and not tags:
        return
    problems = []
    if unknown:
        problems.append("Unknown placeholder " + ", ".join(shown(name) for name in unknown) + ".")
    if tags:
        problems.append(
            "Template tags and comments such as " + ", ".join(tags) + " are not supported."
        )
    usable = ", ".join(shown(name) for name in CATALOGUE if name in allowed)
    raise ValidationError(
        " ".join(problems) + f" Use one of {usable} (no filters or tags).", code="placeholder"
    )


@deconstructible
class PlaceholderValidator:
    """A field's validator: only the placeholders ``context`` offers (``ENQUIRY``, ``DEAL``)."""

    def __init__(self, context: str) -> None:
        if not offered(context):
            raise ValueError(f"No placeholders are offered for {context!r}.")
        self.context = context

    def __call__(self, value: str) -> None:
        validate_placeholders(value, allowed=offered(self.context))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PlaceholderValidator) and other.context == self.context

    def __hash__(self) -> int:
        return hash(self.context)


def fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each placeholder in ``values`` replaced; anything else left as written."""

    def replace(match: re.Match) -> str:
        name = _canonical(match[1].strip())
        return values[name] if name in values else match[0]

    return _PLACEHOLDER.sub(replace, text)


def recipient_values(*names: str) -> dict[str, str]:
    """``name`` and ``first_name`` of whoever the text is addressed to.

    ``name`` is the first of ``names`` that is not blank (an enquiry passes the
    name the prospect wrote, then the contact's), stripped; ``first_name`` is its
    first word, or ``NO_FIRST_NAME`` ("there") when there is no name, so that
    "Hi {{ first_name }}," reads "Hi there," rather than "Hi ,".
    """
    name = next((n.strip() for n in names if n and n.strip()), "")
    words = name.split()
    return {"name": name, "first_name": words[0] if words else NO_FIRST_NAME}
