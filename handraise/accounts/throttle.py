"""Sign-in throttling: failed passwords are counted so none can be guessed at speed,
without letting a guesser lock the account's own people out.

Following OWASP's "device cookie" design, a browser that signed into an account
once gets a signed cookie naming that account. Failed sign-ins are counted in
buckets, and an attempt is refused, before its password is checked, once any of
its buckets is full:

- a browser holding the account's device cookie: only its own bucket, per cookie
  (``LOGIN_RATE_LIMIT``). A guesser elsewhere fills other buckets, never this one;
- any other browser: per account and address (``LOGIN_RATE_LIMIT``), so one guesser
  is stopped soon; per address across accounts (``LOGIN_ADDRESS_RATE_LIMIT``), so
  one address cannot try a password on every account; and per account across
  addresses (``LOGIN_ACCOUNT_RATE_LIMIT``, wider than the first), so many addresses
  cannot hammer one account. A guesser from one address is stopped by its own
  bucket long before the account's bucket fills, so a teammate signing in from
  another address, even in a new browser, is not locked out.

Only failures count: signing in successfully costs nothing.
"""

import secrets

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django_ratelimit.core import get_usage

from handraise.core.client_address import address_for_rate_limits

DEVICE_COOKIE = "handraise_device"
DEVICE_COOKIE_SALT = "handraise.accounts.device"
DEVICE_COOKIE_AGE = 365 * 24 * 60 * 60


def account_name(username: object) -> str:
    """The posted account name as the buckets count it (case and spaces ignored)."""
    return str(username or "").strip().lower()[:150]


def sign_in_refused(request: HttpRequest, username: object) -> bool:
    """True when this attempt must be refused without checking its password."""
    return any(_full(request, bucket) for bucket in _buckets(request, account_name(username)))


def record_failed_sign_in(request: HttpRequest, username: object) -> None:
    for bucket in _buckets(request, account_name(username)):
        _count(request, bucket, increment=True)


def remember_device(response: HttpResponse, *, username: str) -> None:
    """Give the browser that just signed in its device cookie for that account."""
    value = f"{account_name(username)}:{secrets.token_urlsafe(16)}"
    response.set_signed_cookie(
        DEVICE_COOKIE,
        value,
        salt=DEVICE_COOKIE_SALT,
        max_age=DEVICE_COOKIE_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _device(request: HttpRequest, name: str) -> str | None:
    """The device cookie's own id, when the browser signed into this account before."""
    value = request.get_signed_cookie(
        DEVICE_COOKIE, default=None, salt=DEVICE_COOKIE_SALT, max_age=DEVICE_COOKIE_AGE
    )
    if not value:
        return None
    cookie_name, _, device = value.rpartition(":")
    return device if name and cookie_name == name and device else None


def _buckets(request: HttpRequest, name: str) -> list[tuple[str, str, str]]:
    """(group, key, rate) for every bucket this attempt is counted in."""
    device = _device(request, name)
    if device:
        return [("login-device", f"{name}:{device}", settings.LOGIN_RATE_LIMIT)]
    address = address_for_rate_limits(request)
    return [
        ("login-account-address", f"{name}@{address}", settings.LOGIN_RATE_LIMIT),
        ("login-address", address, settings.LOGIN_ADDRESS_RATE_LIMIT),
        ("login-account", name, settings.LOGIN_ACCOUNT_RATE_LIMIT),
    ]


def _count(request: HttpRequest, bucket: tuple[str, str, str], *, increment: bool) -> dict:
    group, key, rate = bucket
    usage = get_usage(
        request, group=group, key=lambda _group, _request: key, rate=rate, increment=increment
    )
    # None only when RATELIMIT_FAIL_OPEN is set and the cache is unreachable.
    return usage or {"count": 0, "limit": 1}


def _full(request: HttpRequest, bucket: tuple[str, str, str]) -> bool:
    # Full once the limit's worth of failures is counted (a cache that cannot be
    # read reports a limit of 0, so it refuses too).
    usage = _count(request, bucket, increment=False)
    return usage["count"] >= usage["limit"]
