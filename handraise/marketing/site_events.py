"""What the site script (``/t.js``) sends to ``POST /t/``, read strictly.

An event is one small JSON object with exactly the keys the script writes:

    {"id": "<random, 16-64 of A-Z a-z 0-9 _ ->",
     "visitor": "<the browser's random id, or "" when it asks not to be tracked>",
     "url": "<the page, http(s)>", "referrer": "<the visit's landing referrer or "">",
     "utm_source": ..., "utm_medium": ..., "utm_campaign": ..., "utm_content": ...,
     "utm_term": ...}

Anything else (another key, a value that is not text, a page that is not on the
site that sent it, text over its limit) is refused whole with the reason, so a
forged event never lands half-read. Parsing is linear in the body, which the view
has already capped at ``BODY_MAX`` bytes.

What it does not do: decide whether the sending site is allowed, whether the
client is a robot or over its rate, or what the page is: the view and
``site_services`` do. It reads no database.
"""

import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from handraise.core.origins import origin_of
from handraise.core.text import clean_text

# The script's events are a few hundred bytes; a page address can be long.
BODY_MAX = 4096
URL_MAX = 2000
REFERRER_MAX = 500  # as the tracked links keep it
UTM_MAX = 200
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")
KEYS = frozenset({"id", "visitor", "url", "referrer", *UTM_KEYS})
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


class BadEvent(ValueError):
    """The body is not an event the script sends; the message says why."""


@dataclass(frozen=True)
class SiteEvent:
    event_id: str
    visitor_id: str
    page: str  # scheme, host and path: no query string or fragment, which may hold anything
    page_origin: str
    referrer: str
    utm: dict[str, str]


def parse_event(body: bytes) -> SiteEvent:
    """The event in ``body``; ``BadEvent`` for anything the script would not send."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BadEvent("The body is not JSON.") from None
    if not isinstance(data, dict):
        raise BadEvent("An event is a JSON object.")
    unknown = set(data) - KEYS
    if unknown:
        raise BadEvent(f"Unknown field {sorted(unknown)[0]!r}.")
    if not all(isinstance(value, str) for value in data.values()):
        raise BadEvent("Every field is text.")

    event_id = data.get("id", "")
    if not _TOKEN.fullmatch(event_id):
        raise BadEvent("The event id is missing or malformed.")
    visitor = data.get("visitor", "")
    if visitor and not _TOKEN.fullmatch(visitor):
        raise BadEvent("The visitor id is malformed.")

    url = data.get("url", "")
    if len(url) > URL_MAX:
        raise BadEvent(f"The page address is longer than {URL_MAX} characters.")
    page_origin = origin_of(url)
    if not page_origin:
        raise BadEvent("The page address is not an http(s) address.")
    utm = {}
    for key in UTM_KEYS:
        value = clean_text(data.get(key, "")).strip()
        if len(value) > UTM_MAX:
            raise BadEvent(f"{key} is longer than {UTM_MAX} characters.")
        utm[key] = value
    return SiteEvent(
        event_id=event_id,
        visitor_id=visitor,
        page=page_address(url),
        page_origin=page_origin,
        referrer=clean_text(data.get("referrer", "")).strip()[:REFERRER_MAX],
        utm=utm,
    )


def page_address(url: str) -> str:
    """``url`` as pages are matched and stored: the origin and path, without the query
    string or fragment and without a trailing slash (``/blog/`` is ``/blog``).

    A query string may hold anything a mailing tool put there (an address, a
    token); the campaign in it is kept separately, as UTM tags.
    """
    origin = origin_of(url)
    if not origin:
        return ""
    path = clean_text(urlsplit(url.strip()).path).rstrip("/")
    return origin + path
