"""The address of the person at the other end of a request, for rate limits and records.

Directly on the internet that is the connection's own address (``REMOTE_ADDR``), and
``X-Forwarded-For`` is ignored: anyone can write that header. Behind a reverse proxy
(``HANDRAISE_BEHIND_PROXY=1``) every connection comes from the proxy, so the address
is read from ``X-Forwarded-For`` as the proxies append to it: each trusted hop adds
the address it saw on the right, so with ``HANDRAISE_PROXY_HOPS`` trusted proxies the
client is that many places from the right. Whatever the client wrote further left
is never believed. django-ipware does the parsing; a header it cannot read falls
back to the proxy's own address (one shared bucket) and never raises.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from ipware import get_client_ip

# A stand-in for rate limits when no address is known at all (a Unix socket with no
# proxy header): such requests share one bucket rather than escape the limit.
UNKNOWN_ADDRESS = "0.0.0.0"  # noqa: S104 (a bucket's name, nothing binds to it)


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address as text, or None when the request carries none readable."""
    if settings.BEHIND_PROXY:
        forwarded, _routable = get_client_ip(
            request,
            # Counted from the right: hop 1 is what the nearest proxy saw.
            proxy_order="left-most",
            proxy_count=settings.PROXY_HOPS - 1,
            # Only the header our proxies write; X-Real-IP, Forwarded and the CDN
            # headers would be the client's own words.
            request_header_order=["HTTP_X_FORWARDED_FOR"],
            # Junk the client wrote to the left is skipped, not a reason to give up.
            strict=False,
        )
        address = _canonical(forwarded)
        if address:
            return address
    return _canonical(request.META.get("REMOTE_ADDR"))


def address_for_rate_limits(request: HttpRequest) -> str:
    """``client_address`` for django-ratelimit's ``key="ip"`` (RATELIMIT_IP_META_KEY)."""
    return client_address(request) or UNKNOWN_ADDRESS


def _canonical(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        # A zone ("fe80::1%eth0") names an interface of the sender, not the client.
        return str(ipaddress.IPv6Address(int(address)))
    return str(address)
