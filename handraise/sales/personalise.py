"""Personalising a cadence email: ``{{ first_name }}`` and a few other plain values.

A cadence's subject and body are written by the business's users, so they are
never rendered as a Django template: a template with model objects in its context
could reach any attribute (``{{ deal.owner.password }}``) and runs tags and
filters. Here a placeholder is one name from a short, fixed list, replaced by a
plain string; anything else is refused when the step is saved (so a typo is
caught by the person writing it, not by the prospect reading it).
"""

import re
from collections.abc import Mapping

from django.core.exceptions import ValidationError

# name -> what it stands for (shown to whoever writes a step)
PLACEHOLDERS = {
    "first_name": "the contact's first name",
    "name": "the contact's full name",
    "company": "the contact's organisation",
    "deal": "the deal's title",
    "owner": "the deal owner's name",
    "business": "your business's name",
}
# The dotted spellings the first cadences were written with.
ALIASES = {"contact.name": "name", "contact.first_name": "first_name", "deal.title": "deal"}


def _shown(name: str) -> str:
    return "{{ " + name + " }}"


PLACEHOLDER_HELP = ", ".join(_shown(name) for name in PLACEHOLDERS)

_PLACEHOLDER = re.compile(r"{{\s*([^{}]*?)\s*}}")


def _known(name: str) -> str | None:
    name = ALIASES.get(name, name)
    return name if name in PLACEHOLDERS else None


def validate_placeholders(value: str) -> None:
    unknown = sorted({m[1] for m in _PLACEHOLDER.finditer(value) if _known(m[1]) is None})
    if unknown:
        shown = ", ".join(_shown(name) for name in unknown)
        raise ValidationError(
            f"Unknown placeholder {shown}. Use one of {PLACEHOLDER_HELP}.", code="placeholder"
        )


def personalise(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each known placeholder replaced; an unknown one is left as written."""

    def replace(match: re.Match) -> str:
        name = _known(match[1])
        return values.get(name, "") if name else match[0]

    return _PLACEHOLDER.sub(replace, text)
