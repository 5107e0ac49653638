"""The site script (``GET /t.js``) and its events (``POST /t/``): what is stored, what is
refused and how, and the page where the owner installs it."""

import gzip
import json
import secrets
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils.html import escape

from handraise.accounts.models import BusinessSettings
from handraise.core.text import clean_text
from handraise.enquiries.models import Form
from handraise.marketing.models import Asset, Channel, Touchpoint
from handraise.marketing.site_events import BODY_MAX
from handraise.marketing.site_selectors import forget_site

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

SITE = "https://www.acme-studio.example"
BROWSER = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
VISITOR = "4f2a9c1e8b7d6a5f4e3d2c1b0a998877"
BLNS = Path(settings.BASE_DIR).parent / "tests" / "data" / "blns.json"


@pytest.fixture(autouse=True)
def registered_site():
    business = BusinessSettings.load()
    business.website_addresses = SITE
    business.save()


def event(**overrides) -> dict:
    return {
        "id": secrets.token_hex(16),
        "visitor": VISITOR,
        "url": f"{SITE}/blog/pricing-a-rebuild/?utm_source=newsletter&ref=a@b.example#top",
        "referrer": "",
        "utm_source": "newsletter",
        "utm_medium": "email",
        "utm_campaign": "spring-2026",
    } | overrides


def send(client, body, *, origin=SITE, agent=BROWSER, **headers):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    extra = {"user-agent": agent, **headers}
    if origin is not None:
        extra["origin"] = origin
    # What sendBeacon sends a string as: a "simple" request, no CORS preflight.
    return client.post("/t/", data, content_type="text/plain;charset=UTF-8", headers=extra)


# --- the script ------------------------------------------------------------------------


def test_the_script_is_small_cached_and_talks_only_to_handraise(client):
    response = client.get("/t.js", headers={"accept-encoding": "gzip, br"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Content-Encoding"] == "gzip"
    assert len(response.content) <= 2048  # the limit, gzipped
    script = gzip.decompress(response.content).decode()
    assert client.get("/t.js").content.decode() == script
    assert "max-age=3600" in response["Cache-Control"]
    # Its only destination is the origin it was loaded from.
    assert 'endpoint = base + "/t/"' in script
    assert "new URL(me.src).origin" in script
    again = client.get("/t.js", headers={"if-none-match": response["ETag"]})
    assert again.status_code == 304


def test_the_script_answers_anyone_signed_in_or_not(client, owner_client):
    assert client.get("/t.js").status_code == 200
    assert owner_client.get("/t.js").status_code == 200
    assert client.post("/t.js").status_code == 405


# --- what an event stores ---------------------------------------------------------------


def test_a_visit_is_stored_with_its_asset_campaign_and_visitor_but_no_address(client):
    asset = Asset.objects.create(
        kind=Asset.Kind.ARTICLE, title="Pricing a rebuild", url=f"{SITE}/blog/pricing-a-rebuild"
    )
    response = send(client, event(), REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 204
    touchpoint = Touchpoint.objects.get()
    assert touchpoint.asset == asset
    assert touchpoint.visitor_id == VISITOR
    assert touchpoint.channel == Channel.EMAIL
    assert (touchpoint.utm_source, touchpoint.utm_medium, touchpoint.utm_campaign) == (
        "newsletter",
        "email",
        "spring-2026",
    )
    # The query string (here an address a mailing tool added) and fragment are dropped.
    assert touchpoint.url == f"{SITE}/blog/pricing-a-rebuild"
    stored = json.dumps(list(Touchpoint.objects.values()), default=str)
    assert "203.0.113.9" not in stored and "127.0.0.1" not in stored


def test_a_replayed_event_is_counted_once(client):
    sent = event()
    assert [send(client, sent).status_code for _ in range(3)] == [204, 204, 204]
    assert Touchpoint.objects.count() == 1


def test_a_referrer_from_the_business_own_pages_is_not_a_referral(client):
    send(client, event(referrer=f"{SITE}/", utm_source="", utm_medium="", utm_campaign=""))
    send(client, event(referrer="https://www.google.com/", utm_source="", utm_medium=""))
    own, search = Touchpoint.objects.order_by("pk")
    assert (own.channel, own.referrer) == (Channel.DIRECT, "")
    assert (search.channel, search.referrer) == (Channel.ORGANIC_SEARCH, "https://www.google.com/")


@pytest.mark.parametrize("header", [{"Sec-GPC": "1"}, {"DNT": "1"}])
def test_a_browser_that_asks_not_to_be_tracked_is_counted_without_an_id(client, header):
    referrer = "https://news.example/for/someone?u=7781"
    assert send(client, event(referrer=referrer), **header).status_code == 204
    touchpoint = Touchpoint.objects.get()
    assert touchpoint.visitor_id == ""
    assert touchpoint.referrer == "https://news.example"
    assert touchpoint.utm_campaign == "spring-2026"  # the campaign is still counted


def test_a_form_allowed_origin_may_send_events_too(client):
    Form.objects.create(slug="contact-2", name="Landing", allowed_origins="https://landing.example")
    body = event(url="https://landing.example/offer")
    assert send(client, body, origin="https://landing.example").status_code == 204
    assert Touchpoint.objects.get().url == "https://landing.example/offer"


def test_a_robot_is_answered_and_not_counted(client):
    robot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    assert send(client, event(), agent=robot).status_code == 204
    assert send(client, event(), agent="").status_code == 204
    assert Touchpoint.objects.count() == 0


def test_events_past_the_rate_limit_are_refused(client, settings):
    settings.TRACK_RATE_LIMIT = "3/m"
    statuses = [send(client, event()).status_code for _ in range(5)]
    assert statuses == [204, 204, 204, 429, 429]
    assert Touchpoint.objects.count() == 3


def test_an_event_costs_one_insert_once_the_site_is_known(client, django_assert_num_queries):
    send(client, event())  # loads the site's addresses and pages
    with django_assert_num_queries(1):
        assert send(client, event()).status_code == 204


def test_a_new_asset_is_matched_at_once(owner_client, client):
    send(client, event())
    owner_client.post(
        reverse("marketing-asset-new"),
        {"kind": "article", "title": "Pricing a rebuild", "url": f"{SITE}/blog/pricing-a-rebuild/"},
    )
    asset = Asset.objects.get()
    send(client, event())
    assert [t.asset_id for t in Touchpoint.objects.order_by("pk")] == [None, asset.pk]


# --- what is refused ----------------------------------------------------------------------


def test_an_oversized_body_is_refused_by_its_length_alone(client):
    body = json.dumps(event(referrer="x" * BODY_MAX)).encode()
    response = send(client, body)
    assert response.status_code == 413
    assert Touchpoint.objects.count() == 0


@pytest.mark.parametrize("origin", [None, "https://evil.example", "null", f"{SITE}.evil.example"])
def test_an_unregistered_origin_is_refused(client, origin):
    assert send(client, event(), origin=origin).status_code == 403
    assert Touchpoint.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json", "not JSON"),
        (b"\xff\xfe{}", "not JSON"),
        (b"[1, 2]", "JSON object"),
        (json.dumps(event(extra="1")).encode(), "Unknown field 'extra'"),
        (json.dumps(event(utm_source=7)).encode(), "Every field is text"),
        (json.dumps(event(id="short")).encode(), "event id"),
        (json.dumps(event(visitor="a b c d e f g h i j k")).encode(), "visitor id"),
        (json.dumps(event(url="javascript:alert(1)")).encode(), "http(s)"),
        (json.dumps(event(url="https://evil.example/page")).encode(), "not on the site"),
        (json.dumps(event(utm_campaign="c" * 201)).encode(), "longer than 200"),
    ],
)
def test_a_malformed_event_is_refused_with_its_reason(client, body, reason):
    response = send(client, body)
    assert response.status_code == 400
    assert reason in response.content.decode()
    assert Touchpoint.objects.count() == 0


def test_other_methods_are_refused(client):
    assert client.get("/t/").status_code == 405
    assert client.put("/t/", b"{}").status_code == 405


def test_the_big_list_of_naughty_strings_through_every_event_field(client, settings):
    """Every string in every field the script fills: 204 (stored as given, cleaned) or
    400 with a reason, never a server error."""
    settings.TRACK_RATE_LIMIT = "100000/m"
    strings = [text for text in json.loads(BLNS.read_text(encoding="utf-8")) if text]
    assert len(strings) > 400
    fields = ["utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term"]
    fields += ["referrer", "visitor", "url", "id"]
    for index, text in enumerate(strings):
        field = fields[index % len(fields)]
        value = f"{SITE}/{text}" if field == "url" else text
        response = send(client, event(**{field: value}))
        assert response.status_code in (204, 400), (field, text)
        if response.status_code == 204 and field.startswith("utm_"):
            stored = Touchpoint.objects.latest("pk")
            assert getattr(stored, field) == clean_text(text).strip(), (field, text)


# --- the page that installs it -----------------------------------------------------------


def test_the_owner_registers_the_site_and_copies_the_line(owner_client):
    response = owner_client.post(
        reverse("marketing-site"),
        {"website_addresses": "https://WWW.Example.com:443/\n\nhttp://shop.example:8080"},
    )
    assert response.status_code == 302
    assert BusinessSettings.load().website_addresses == (
        "https://www.example.com\nhttp://shop.example:8080"
    )
    page = owner_client.get(reverse("marketing-site")).content.decode()
    line = f'<script src="{settings.BASE_URL}/t.js" defer></script>'
    assert escape(line) in page
    assert "No visits in the last 7 days" in page


def test_a_bad_address_is_refused_and_what_was_typed_is_kept(owner_client):
    typed = "https://www.example.com\nwww.example.com/blog"
    response = owner_client.post(reverse("marketing-site"), {"website_addresses": typed})
    assert response.status_code == 422
    page = response.content.decode()
    assert "is not an origin such as https://www.example.com" in page
    assert "www.example.com/blog</textarea>" in page
    assert BusinessSettings.load().website_addresses == SITE


def test_the_page_shows_what_the_script_recorded_escaped(owner_client, client):
    Asset.objects.create(
        kind=Asset.Kind.ARTICLE, title="Pricing <a rebuild>", url=f"{SITE}/blog/pricing-a-rebuild"
    )
    send(client, event(url=f"{SITE}/<script>alert(1)</script>"))
    send(client, event())
    page = owner_client.get(reverse("marketing-site")).content.decode()
    assert "Pricing &lt;a rebuild&gt;</a>" in page
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert f"{SITE}/blog/pricing-a-rebuild" in page


def test_the_teammate_may_use_the_page_and_the_outsider_sees_nothing(
    teammate_client, outsider_client
):
    assert teammate_client.get(reverse("marketing-site")).status_code == 200
    response = outsider_client.get(reverse("marketing-site"))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_page_costs_the_same_few_queries_however_many_pages(
    owner_client, client, django_assert_max_num_queries, settings
):
    settings.TRACK_RATE_LIMIT = "100000/m"
    for n in range(30):
        Asset.objects.create(kind=Asset.Kind.ARTICLE, title=f"Post {n}", url=f"{SITE}/p/{n}")
    for n in range(30):
        send(client, event(url=f"{SITE}/p/{n}"))
    with django_assert_max_num_queries(12):
        page = owner_client.get(reverse("marketing-site")).content.decode()
    assert page.count("Post ") == 10  # the ten pages read most


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_visit_on_a_connection_that_broke_is_sent_again_on_a_new_one(client):
    BusinessSettings.objects.filter(pk=1).update(website_addresses=SITE)
    forget_site()
    assert send(client, event()).status_code == 204
    broken = connection.connection
    broken.close()  # the kept connection dies (the database restarted)
    assert send(client, event()).status_code == 204
    assert connection.connection is not broken  # a new one took the batch
    assert Touchpoint.objects.count() == 2
