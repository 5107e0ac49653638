"""Web origins (``https://www.example.com``) as owners type them and browsers send them.

A form's allowed origins and the business's website addresses are both lists of
origins, one per line. Both are compared with the ``Origin`` header a browser
sends, which is lower-case and leaves out the default port; an owner may type
``https://Example.com:443/`` and mean the same site.

What it does not do: decide which origins are allowed (the settings do) or look
anything up over the network.
"""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(address: str) -> str:
    """``scheme://host[:port]`` of an http(s) address, as a browser's ``Origin`` header
    has it; "" for anything else (no host, another scheme, a broken port)."""
    try:
        parts = urlsplit(address.strip())
        port = parts.port
    except ValueError:
        return ""
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in DEFAULT_PORTS or not host or "@" in parts.netloc:
        return ""
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    if port is None or port == DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def clean_origin_lines(text: str) -> str:
    """The origins in ``text``, one per line, each as ``origin_of`` gives it;
    ``ValidationError`` naming the first line that is not an origin."""
    origins: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        origin = origin_of(line)
        path = urlsplit(line).path if origin else ""
        if not origin or path not in ("", "/"):
            raise ValidationError(
                f"{line!r} is not an origin such as https://www.example.com.", code="origin"
            )
        if origin not in origins:
            origins.append(origin)
    return "\n".join(origins)


def origin_set(text: str) -> set[str]:
    """The origins of a stored list (already cleaned; tolerant of old, uncleaned ones)."""
    return {origin for origin in map(origin_of, text.splitlines()) if origin}
