"""Tracked links: the builder's conventions, the pages for the three users, the QR
downloads, and the public redirect ``/r/<code>`` (never an open redirect)."""

import json
import struct
import zlib
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit
from xml.etree import ElementTree

import pytest
import segno
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from handraise.marketing import link_selectors, link_services
from handraise.marketing.models import Asset, Channel, ShortLink, Touchpoint
from handraise.marketing.tagging import tagged_url, utm_value

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

BROWSER = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
# The repository's copy of ../shared/data/blns.json (CI runs on a lone clone).
BLNS = Path(settings.BASE_DIR).parent / "tests" / "data" / "blns.json"


def make_link(**overrides) -> ShortLink:
    fields = {
        "label": "Spring newsletter",
        "target_url": "https://www.example.com/services/?lang=en",
        "utm_source": "newsletter",
        "utm_medium": "email",
        "utm_campaign": "spring-2026",
    }
    return link_services.create_short_link(**(fields | overrides))


def follow(client, link_or_code, *, agent=BROWSER, method="get", query="", **headers):
    code = getattr(link_or_code, "code", link_or_code)
    url = f"/r/{code}" + (f"?{query}" if query else "")
    return getattr(client, method)(url, headers={"user-agent": agent, **headers})


# --- the conventions --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("Newsletter", "newsletter"),
        ("  Spring   Sale 2026 ", "spring-sale-2026"),
        ("LinkedIn\tPost", "linkedin-post"),
        ("", ""),
    ],
)
def test_tags_are_stored_lower_case_with_hyphens(given, stored):
    assert utm_value(given) == stored


def test_the_targets_own_query_is_kept_and_its_utm_tags_replaced():
    url = tagged_url(
        "https://shop.example/p?a=1&UTM_SOURCE=old&flag&b=%2F&utm_term=x#top",
        {"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "", "utm_term": ""},
    )
    assert url == "https://shop.example/p?a=1&flag&b=%2F&utm_source=newsletter&utm_medium=email#top"


def test_tag_values_are_percent_encoded():
    url = tagged_url("https://a.example/", {"utm_source": "a&b=c", "utm_medium": "é"})
    assert dict(parse_qsl(urlsplit(url).query)) == {"utm_source": "a&b=c", "utm_medium": "é"}


def test_a_link_without_source_or_medium_is_refused():
    with pytest.raises(ValidationError) as refused:
        make_link(utm_source=" ", utm_medium="")
    assert {"utm_source", "utm_medium"} <= set(refused.value.message_dict)


@pytest.mark.parametrize(
    "target",
    [
        "javascript:alert(1)",
        "ftp://files.example/x",
        "//evil.example/",
        "https://bank.example@evil.example/",
        "data:text/html,hi",
        "https://",
    ],
)
def test_only_http_and_https_targets_are_accepted(target):
    with pytest.raises(ValidationError):
        make_link(target_url=target)


def test_codes_are_short_random_and_unambiguous():
    codes = {make_link().code for _ in range(20)}
    assert len(codes) == 20
    for code in codes:
        assert len(code) == link_services.CODE_LENGTH
        assert set(code) <= set(link_services.CODE_ALPHABET)
        assert not set(code) & set("01ilo")


def test_an_update_keeps_the_code_and_archiving_twice_changes_nothing():
    link = make_link()
    code = link.code
    link_services.update_short_link(
        link=link,
        label="Fixed",
        target_url="https://www.example.com/fixed/",
        utm_source="Newsletter",
        utm_medium="Email",
    )
    link.refresh_from_db()
    assert (link.code, link.label, link.utm_source, link.utm_campaign) == (
        code,
        "Fixed",
        "newsletter",
        "",
    )
    first = link_services.archive_short_link(link=link).archived_at
    assert first is not None
    assert link_services.archive_short_link(link=link).archived_at == first


# --- the redirect -----------------------------------------------------------------------


def test_a_click_redirects_to_the_target_with_its_tags(client):
    link = make_link(utm_content="Header Button")
    response = follow(client, link)
    assert response.status_code == 302
    assert response["Location"] == (
        "https://www.example.com/services/?lang=en&utm_source=newsletter&utm_medium=email"
        "&utm_campaign=spring-2026&utm_content=header-button"
    )
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_a_click_records_a_touchpoint_with_asset_channel_and_tags(client):
    asset = Asset.objects.create(kind=Asset.Kind.NEWSLETTER, title="Spring issue")
    link = make_link(asset=asset)
    follow(client, link, referer="https://mail.google.com/mail/u/0/")
    touchpoint = Touchpoint.objects.get()
    assert touchpoint.short_link == link
    assert touchpoint.asset == asset
    assert touchpoint.channel == Channel.EMAIL
    assert touchpoint.url == link.target_url
    assert touchpoint.referrer == "https://mail.google.com/mail/u/0/"
    assert (touchpoint.utm_source, touchpoint.utm_medium, touchpoint.utm_campaign) == (
        "newsletter",
        "email",
        "spring-2026",
    )
    assert touchpoint.visitor_id == "" and touchpoint.contact is None


@pytest.mark.parametrize(
    ("source", "medium", "channel"),
    [
        ("linkedin", "social", Channel.SOCIAL),
        ("conference", "qr", Channel.EVENT),
        ("google", "cpc", Channel.PAID),
        ("partner-blog", "referral", Channel.REFERRAL),
    ],
)
def test_the_touchpoints_channel_follows_the_links_tags(client, source, medium, channel):
    follow(client, make_link(utm_source=source, utm_medium=medium))
    assert Touchpoint.objects.get().channel == channel


def test_a_long_referrer_is_cut_and_a_hostile_one_cleaned(client):
    follow(client, make_link(), referer="https://blog.example/" + "a" * 5000)
    assert len(Touchpoint.objects.get().referrer) == link_services.REFERRER_MAX


@pytest.mark.parametrize(
    "query",
    [
        "next=https://evil.example/",
        "url=//evil.example",
        "to=%2F%2Fevil.example",
        "redirect=https:%2F%2Fevil.example",
        "target=%5C%5Cevil.example",
        "next=javascript:alert(1)",
    ],
)
def test_the_request_never_chooses_where_a_link_goes(client, query):
    link = make_link()
    response = follow(client, link, query=query)
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert (location.scheme, location.netloc, location.path) == (
        "https",
        "www.example.com",
        "/services/",
    )
    assert "evil" not in response["Location"] and "javascript" not in response["Location"]


@pytest.mark.parametrize(
    "path",
    [
        "/r/nosuchc",
        "/r/%2F%2Fevil.example",
        "/r//evil.example",
        "/r/%5Cevil.example",
        "/r/\\evil.example",
        "/r/https:%2F%2Fevil.example",
        "/r/..%2F..%2Fadmin",
        "/r/" + "a" * 300,
        "/r/%00",
    ],
)
def test_unknown_or_malformed_codes_are_not_found(client, path):
    make_link()
    response = client.get(path, headers={"user-agent": BROWSER})
    assert response.status_code == 404
    assert "Location" not in response
    assert not Touchpoint.objects.exists()


def test_an_archived_link_is_gone_and_counts_nothing(client):
    link = make_link()
    link_services.archive_short_link(link=link)
    response = follow(client, link)
    assert response.status_code == 410
    assert "no longer in use" in response.content.decode()
    assert not Touchpoint.objects.exists()


def test_a_code_typed_in_capitals_still_works(client):
    link = make_link()
    assert follow(client, link.code.upper()).status_code == 302


@pytest.mark.parametrize(
    "agent",
    [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "curl/8.5.0",
        "",
    ],
)
def test_robots_are_redirected_but_not_counted(client, agent):
    link = make_link()
    assert follow(client, link, agent=agent).status_code == 302
    assert not Touchpoint.objects.exists()


def test_a_head_request_is_redirected_but_not_counted(client):
    link = make_link()
    response = follow(client, link, method="head")
    assert response.status_code == 302
    assert response["Location"].startswith("https://www.example.com/services/")
    assert not Touchpoint.objects.exists()


def test_other_methods_are_refused(client):
    link = make_link()
    assert follow(client, link, method="post").status_code == 405
    assert not Touchpoint.objects.exists()


def test_clicks_past_the_rate_limit_are_redirected_but_not_counted(client, settings):
    settings.LINK_RATE_LIMIT = "3/m"
    link = make_link()
    statuses = [follow(client, link).status_code for _ in range(5)]
    assert statuses == [302] * 5
    assert Touchpoint.objects.count() == 3


def test_a_click_costs_one_lookup_and_one_insert(client, django_assert_num_queries):
    link = make_link()
    with django_assert_num_queries(2):
        follow(client, link)


# --- the builder's pages ----------------------------------------------------------------


def test_an_outsider_sees_nothing(outsider_client):
    link = make_link()
    for url in (
        reverse("marketing-links"),
        reverse("marketing-link", args=[link.pk]),
        reverse("marketing-link-qr-svg", args=[link.pk]),
        reverse("marketing-link-qr-png", args=[link.pk]),
    ):
        response = outsider_client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        assert link.code not in response.content.decode()
    response = outsider_client.post(reverse("marketing-link-archive", args=[link.pk]))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    link.refresh_from_db()
    assert not link.archived


def test_an_anonymous_user_is_refused_by_the_selector():
    with pytest.raises(PermissionDenied):
        link_selectors.short_link_for_user(AnonymousUser(), 1)


@pytest.mark.parametrize("who", ["owner_client", "teammate_client"])
def test_owners_and_teammates_build_a_link(request, who):
    client = request.getfixturevalue(who)
    response = client.post(
        reverse("marketing-links"),
        {
            "target_url": "www.example.com/talk?utm_source=old&ref=1",
            "utm_source": "DevConf 2026",
            "utm_medium": "QR",
            "utm_campaign": "Autumn Talk",
        },
    )
    link = ShortLink.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("marketing-link", args=[link.pk])
    assert (link.target_url, link.utm_source, link.utm_medium, link.label) == (
        "https://www.example.com/talk?utm_source=old&ref=1",
        "devconf-2026",
        "qr",
        "autumn-talk",
    )
    page = client.get(response["Location"]).content.decode()
    assert f"{settings.BASE_URL}/r/{link.code}" in page
    assert (
        "https://www.example.com/talk?ref=1&amp;utm_source=devconf-2026&amp;utm_medium=qr"
        "&amp;utm_campaign=autumn-talk"
    ) in page
    assert '<svg width="' in page and 'class="qr-code"' in page
    assert 'data-copy="short-url"' in page and 'data-copy="tagged-url"' in page
    assert "core/copy.js" in page


def test_a_bad_link_gets_its_errors_and_keeps_what_was_typed(owner_client):
    response = owner_client.post(
        reverse("marketing-links"),
        {"target_url": "javascript:alert(1)", "utm_source": "", "utm_campaign": "Kept"},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "starts with http:// or https://" in page
    assert "This field is required." in page
    assert 'value="Kept"' in page
    assert not ShortLink.objects.exists()


def test_the_list_counts_clicks_and_the_last_click_in_sql(
    owner_client, django_assert_max_num_queries
):
    busy = make_link(label="Busy link")
    make_link(label="Quiet link")
    for _ in range(3):
        link_services.record_link_click(link=busy, referrer="")
    for n in range(30):
        make_link(label=f"Link {n}")
    with django_assert_max_num_queries(8):
        response = owner_client.get(reverse("marketing-links"))
    links = {link.label: link for link in response.context["page"]}
    assert response.context["page"].paginator.count == 32
    assert len(links) == 25
    assert "Busy link" not in links  # the oldest are on page two
    page2 = owner_client.get(reverse("marketing-links"), {"page": 2}).context["page"]
    by_label = {link.label: link for link in page2}
    assert by_label["Busy link"].clicks == 3
    assert by_label["Busy link"].last_click is not None
    assert by_label["Quiet link"].clicks == 0 and by_label["Quiet link"].last_click is None


def test_the_list_searches_and_answers_htmx_with_the_partial(teammate_client):
    make_link(label="Spring newsletter")
    make_link(label="Talk at DevConf", utm_source="devconf", utm_medium="qr")
    response = teammate_client.get(
        reverse("marketing-links"), {"q": "devconf"}, headers={"HX-Request": "true"}
    )
    page = response.content.decode()
    assert "Talk at DevConf" in page and "Spring newsletter" not in page
    assert "<html" not in page


def test_the_list_says_what_to_do_when_empty(owner_client):
    page = owner_client.get(reverse("marketing-links")).content.decode()
    assert "No tracked links yet" in page


def test_archived_links_leave_the_list_and_show_under_archived(owner_client):
    link = make_link(label="Old flyer")
    owner_client.post(reverse("marketing-link-archive", args=[link.pk]))
    assert "Old flyer" not in owner_client.get(reverse("marketing-links")).content.decode()
    archived = owner_client.get(reverse("marketing-links"), {"archived": "1"})
    assert "Old flyer" in archived.content.decode()


def test_a_link_is_corrected_from_its_page(teammate_client):
    link = make_link()
    response = teammate_client.post(
        reverse("marketing-link", args=[link.pk]),
        {"target_url": "https://www.example.com/new/", "utm_source": "x", "utm_medium": "Social"},
    )
    assert response.status_code == 302
    link.refresh_from_db()
    assert (link.target_url, link.utm_medium) == ("https://www.example.com/new/", "social")


# --- QR downloads -----------------------------------------------------------------------


def png_chunks(data: bytes):
    position = 8
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        yield kind, data[position + 8 : position + 8 + length]
        position += 12 + length


def test_the_png_download_is_a_png_of_the_codes_size(owner_client):
    link = make_link()
    response = owner_client.get(reverse("marketing-link-qr-png", args=[link.pk]))
    assert response["Content-Type"] == "image/png"
    assert f"qr-{link.code}.png" in response["Content-Disposition"]
    data = response.content
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks = list(png_chunks(data))
    width, height, depth, colour = struct.unpack(">IIBB", chunks[0][1][:10])
    expected = segno.make_qr(f"{settings.BASE_URL}/r/{link.code}", error="m").symbol_size(
        scale=16, border=4
    )
    assert (width, height) == expected
    # The pixels decode: one filter byte per row, then the row's bits.
    pixels = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    row_bytes = (width * depth * (3 if colour == 2 else 1) + 7) // 8
    assert len(pixels) == height * (1 + row_bytes)
    assert chunks[-1][0] == b"IEND"


def test_the_svg_download_is_an_svg_of_the_short_address(teammate_client):
    link = make_link()
    response = teammate_client.get(reverse("marketing-link-qr-svg", args=[link.pk]))
    assert response["Content-Type"] == "image/svg+xml"
    assert f"qr-{link.code}.svg" in response["Content-Disposition"]
    root = ElementTree.fromstring(response.content)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    size = segno.make_qr(f"{settings.BASE_URL}/r/{link.code}", error="m").symbol_size(
        scale=10, border=4
    )
    assert (int(root.get("width")), int(root.get("height"))) == size


# --- hostile input ----------------------------------------------------------------------


def blns() -> list[str]:
    return [text for text in json.loads(BLNS.read_text(encoding="utf-8")) if text]


def test_the_big_list_of_naughty_strings_through_every_builder_field(owner_client):
    """Every string in every field: a clear answer (saved or 422), never a 500, and what
    was saved is shown escaped."""
    fields = ["target_url", "utm_source", "utm_medium", "utm_campaign", "utm_content", "label"]
    strings = blns()
    assert len(strings) > 400
    valid = {
        "target_url": "https://www.example.com/",
        "utm_source": "newsletter",
        "utm_medium": "email",
    }
    for index, text in enumerate(strings):
        field = fields[index % len(fields)]
        response = owner_client.post(reverse("marketing-links"), valid | {field: text})
        assert response.status_code in (302, 422), (field, text)
        if response.status_code == 302:
            page = owner_client.get(response["Location"])
            assert page.status_code == 200, (field, text)
            assert "<script>alert" not in page.content.decode()
    assert ShortLink.objects.exists()
    listing = owner_client.get(reverse("marketing-links"), {"q": strings[100]})
    assert listing.status_code == 200
    for text in strings[:200]:
        assert owner_client.get(reverse("marketing-links"), {"q": text}).status_code == 200


FUZZ = hypothesis_settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PRINTABLE = st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="#")


def test_generated_paths_queries_and_headers_never_redirect_elsewhere(client):
    """Whatever follows /r/, whatever the query and headers: 302 to the registered target
    only, or 404, never a server error."""
    link = make_link()
    allowed = tagged_url(link.target_url, link.utm)

    @FUZZ
    @given(
        tail=st.one_of(st.just(link.code), st.text(PRINTABLE, max_size=60)),
        query=st.text(PRINTABLE, max_size=120),
        referer=st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=300),
        agent=st.one_of(st.just(BROWSER), st.text(max_size=200)),
    )
    def request(tail, query, referer, agent):
        response = client.get(
            f"/r/{tail}?{query}", headers={"referer": referer, "user-agent": agent}
        )
        assert response.status_code in (302, 404), response.status_code
        if response.status_code == 302:
            assert response["Location"] == allowed

    request()
