"""UTM tags by the usual conventions, and a target address with its tags added.

The conventions every analytics tool reads the same way: values lower-case
(``Newsletter`` and ``newsletter`` would otherwise be two sources), runs of
spaces as one hyphen, source and medium required, campaign recommended. Adding
tags keeps the target's own query string byte for byte (its order, its encoding,
a bare ``?flag``) and its fragment; any ``utm_*`` already in it is dropped so the
link's tags are the only ones.

What it does not do: validate the target (the link's form and model do) or read a
request. It is pure, so the link builder, the redirect and the tests agree.
"""

from urllib.parse import quote, unquote, urlsplit, urlunsplit

from handraise.core.text import clean_text

UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")
UTM_MAX_LENGTH = 200


def utm_value(text: str) -> str:
    """A UTM value by the conventions: cleaned, lower-case, whitespace runs as one hyphen."""
    return "-".join(clean_text(text).lower().split())[:UTM_MAX_LENGTH].strip("-")


def _is_utm(piece: str) -> bool:
    key = piece.split("=", 1)[0]
    return unquote(key.replace("+", " ")).strip().lower().startswith("utm_")


def tagged_url(target: str, utm: dict[str, str]) -> str:
    """``target`` with the non-empty ``utm`` values added, in the usual order."""
    parts = urlsplit(target)
    kept = [piece for piece in parts.query.split("&") if piece and not _is_utm(piece)]
    tags = [
        f"{name}={quote(utm[name], safe='')}" for name in UTM_FIELDS if utm.get(name, "").strip()
    ]
    return urlunsplit(parts._replace(query="&".join(kept + tags)))
