"""Deciding whether a submission is spam: quarantined with a reason, never deleted.

Cheap checks only, run at intake: the honeypot field, the time taken to fill
the form (when the page script reports it), links and tell-tale phrases in the
message. The per-address rate limit needs the request and lives with intake.
"""

import re
from datetime import datetime

MIN_FILL_SECONDS = 3
MAX_LINKS = 3
LINK = re.compile(r"https?://|www\.|\[url=", re.IGNORECASE)
PHRASES = (
    "viagra",
    "cialis",
    "casino",
    "crypto investment",
    "seo services",
    "backlinks",
    "guest post",
    "increase your traffic",
    "rank on the first page",
    "loan offer",
    "bitcoin",
)


def spam_reason(*, message: str, honeypot: str, started_ms: str, received_at: datetime) -> str:
    """Why this looks like spam, or "" when it does not."""
    if honeypot.strip():
        return "the hidden honeypot field was filled in"
    if started_ms.strip().isdigit():
        seconds = received_at.timestamp() - int(started_ms) / 1000
        if 0 <= seconds < MIN_FILL_SECONDS:
            return f"sent {seconds:.1f} s after the form opened (people take longer)"
    links = len(LINK.findall(message))
    if links > MAX_LINKS:
        return f"{links} links in the message"
    lowered = message.casefold()
    for phrase in PHRASES:
        if phrase in lowered:
            return f"the message mentions {phrase!r}"
    return ""
