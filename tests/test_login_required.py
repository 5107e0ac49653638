"""Only the business's own users see its data: every URL but the public ones needs a login.

The test walks the whole URL configuration (the admin's included), builds a
concrete address for every pattern and asks for it as an anonymous visitor,
with GET and with POST. A new page is covered the moment its URL exists; a new
public page must be named in PUBLIC_URL_NAMES, one line, on purpose.
"""

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.shortcuts import resolve_url
from django.template.loader import render_to_string
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils.regex_helper import normalize

# Views an anonymous visitor may open, by URL name ("namespace:name" inside a namespace).
PUBLIC_URL_NAMES = {
    "login",
    "password_reset",  # asking for a reset link by email
    "password_reset_done",
    "password_reset_confirm",  # the emailed link: its token is the credential
    "password_reset_complete",
    "admin:login",  # the admin's own login form
    "intake",  # POST /f/<slug>/: the public enquiry intake
    "intake-thanks",
    "calendar-feed",  # GET /calendar/<secret>.ics: the secret is the credential
    "link-redirect",  # GET /r/<code>: a tracked link, redirecting to its registered target
    "site-script",  # GET /t.js: the script the business adds to its own site
    "site-event",  # POST /t/: that script's visits, only from the sites registered
}
# The configuration has at least this many patterns (the admin alone has over a hundred);
# fewer means the walk below went wrong and the test would prove nothing.
MINIMUM_PATTERNS_CHECKED = 100

# Values tried, in order, for a path parameter until the address resolves back to its
# own pattern: a number, a word, a UUID, then the app labels (the admin's app index).
SAMPLE_VALUES = ["1", "x", str(uuid.UUID(int=1))]
CONVERTER_SAMPLES = {"int": "1", "slug": "x", "str": "x", "path": "x", "uuid": SAMPLE_VALUES[2]}
ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass(frozen=True)
class Endpoint:
    name: str  # namespaced URL name, or the pattern itself when it has no name
    url: str | None  # None when no concrete address resolves back to the pattern


def candidate_values() -> list[str]:
    return SAMPLE_VALUES + [config.label for config in apps.get_app_configs()]


def concrete_pieces(pattern: RoutePattern | RegexPattern) -> Iterator[str]:
    """Concrete path pieces this one pattern (not its children) may match, likeliest first."""
    if isinstance(pattern, RoutePattern):
        yield ROUTE_PARAMETER.sub(
            lambda match: CONVERTER_SAMPLES.get(match["converter"] or "str", "1"), str(pattern)
        )
        # A custom converter: try every sample value in every parameter.
        for value in candidate_values():
            yield ROUTE_PARAMETER.sub(value, str(pattern))
        return
    for template, params in normalize(pattern.regex.pattern):
        for value in candidate_values():
            yield template % dict.fromkeys(params, value)


def walk(resolver: URLResolver, prefix: str = "/", namespace: str = "") -> Iterator[Endpoint]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            pieces = list(dict.fromkeys(concrete_pieces(entry.pattern)))
            yield from walk(entry, prefix + pieces[0], inner)
            continue
        assert isinstance(entry, URLPattern)
        name = f"{namespace}{entry.name}" if entry.name else f"{prefix}{entry.pattern}"
        url = next(
            (
                prefix + piece
                for piece in dict.fromkeys(concrete_pieces(entry.pattern))
                if resolves_to(prefix + piece, entry)
            ),
            None,
        )
        yield Endpoint(name=name, url=url)


def resolves_to(url: str, entry: URLPattern) -> bool:
    try:
        return resolve(url).func is entry.callback
    except Resolver404:
        return False


ENDPOINTS = list(walk(get_resolver()))
PROTECTED = [e for e in ENDPOINTS if e.name not in PUBLIC_URL_NAMES and e.url is not None]
PUBLIC = [e for e in ENDPOINTS if e.name in PUBLIC_URL_NAMES and e.url is not None]


def login_paths() -> set[str]:
    return {resolve_url(settings.LOGIN_URL), reverse("admin:login")}


def assert_sent_to_login(response) -> None:
    assert response.status_code == 302, response.status_code
    assert urlsplit(response["Location"]).path in login_paths(), response["Location"]


@pytest.mark.unit
def test_every_pattern_gets_a_concrete_address():
    unbuildable = [e.name for e in ENDPOINTS if e.url is None]
    assert unbuildable == [], "extend SAMPLE_VALUES so these patterns can be checked"


@pytest.mark.unit
def test_the_walk_covers_the_whole_configuration():
    assert len(PROTECTED) >= MINIMUM_PATTERNS_CHECKED


@pytest.mark.unit
@pytest.mark.parametrize("name", sorted(PUBLIC_URL_NAMES))
def test_every_public_name_exists(name):
    assert name in {e.name for e in PUBLIC}


@pytest.mark.integration
@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", PROTECTED, ids=lambda e: e.url)
def test_anonymous_get_is_sent_to_login(outsider_client, endpoint):
    assert_sent_to_login(outsider_client.get(endpoint.url))


@pytest.mark.integration
@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", PROTECTED, ids=lambda e: e.url)
def test_anonymous_post_is_sent_to_login(outsider_client, endpoint):
    assert_sent_to_login(outsider_client.post(endpoint.url, {"name": "x", "email": "x@x.test"}))


@pytest.mark.integration
@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", PUBLIC, ids=lambda e: e.url)
def test_public_pages_answer_anonymous_get_without_error(outsider_client, endpoint):
    assert outsider_client.get(endpoint.url).status_code < 500


@pytest.mark.integration
@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", PUBLIC, ids=lambda e: e.url)
def test_public_pages_answer_anonymous_post_without_error(outsider_client, endpoint):
    assert outsider_client.post(endpoint.url, {}).status_code < 500


@pytest.mark.integration
@pytest.mark.django_db
def test_unknown_address_shows_the_not_found_page(outsider_client):
    response = outsider_client.get("/no-such-page/")

    assert response.status_code == 404
    assert b"Page not found" in response.content


@pytest.mark.unit
def test_server_error_page_renders_without_any_context():
    assert "Something went wrong" in render_to_string("500.html")


@pytest.mark.unit
def test_forbidden_page_renders_without_any_context():
    assert "You cannot open this page" in render_to_string("403.html")
