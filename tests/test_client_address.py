"""The client's address behind a reverse proxy, and every rate limit following it.

Behind nginx or Caddy every connection comes from the proxy; the prospects are told
apart by the X-Forwarded-For the proxy writes. Without HANDRAISE_BEHIND_PROXY that
header is the client's own word and is ignored.
"""

import ipaddress
import json
from pathlib import Path

import pytest
from django.test import Client, RequestFactory

from handraise.core.client_address import address_for_rate_limits, client_address
from handraise.enquiries.models import Submission

PROXY = "10.0.0.2"  # the reverse proxy, as Handraise sees every connection
GOOD = {
    "name": "Ann Lee",
    "email": "ann@example.com",
    "message": "Can you help us fix our month-end close?",
}
RATE_LIMITED = "submissions from one address"
NAUGHTY = json.loads((Path(__file__).resolve().parent / "data" / "blns.json").read_text())
MALFORMED = [
    "",
    ",",
    " , ,",
    "unknown",
    "for=_hidden",
    '"198.51.100.1',
    "198.51.100.1:99999",
    "[2001:db8::1",
    "999.1.1.1",
    "fe80::1%" + "x" * 300,
    "1" * 5000,
    "\x00\r\n",
    "::",
    "0.0.0.0",
    "224.0.0.1",
    "2001:db8::1%eth0",
    ",".join(["198.51.100.1"] * 2000),
]


def through_proxy(xff: str, remote_addr: str = PROXY) -> dict:
    return {"REMOTE_ADDR": remote_addr, "HTTP_X_FORWARDED_FOR": xff}


@pytest.fixture
def behind_proxy(settings):
    settings.BEHIND_PROXY = True
    settings.PROXY_HOPS = 1
    return settings


def submitted_from_one_address() -> int:
    return Submission.objects.filter(quarantine_reason__contains=RATE_LIMITED).count()


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_thirty_prospects_through_one_proxy_are_not_rate_limited_together(behind_proxy):
    for i in range(30):
        prospect = Client(**through_proxy(f"203.0.113.{i + 1}"))
        response = prospect.post("/f/contact/", {**GOOD, "email": f"person{i}@example.com"})
        assert response.status_code == 303

    assert Submission.objects.count() == 30
    assert submitted_from_one_address() == 0
    # Each submission records its prospect's address, not the proxy's.
    recorded = set(Submission.objects.values_list("remote_addr", flat=True))
    assert recorded == {f"203.0.113.{i + 1}" for i in range(30)}


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_prospect_through_the_proxy_is_still_rate_limited(behind_proxy):
    behind_proxy.INTAKE_RATE_LIMIT = "3/10m"
    for i in range(4):
        # What the client wrote on the left changes every time; the proxy's entry does not.
        Client(**through_proxy(f"192.0.2.{i}, 203.0.113.7")).post(
            "/f/contact/", {**GOOD, "email": f"person{i}@example.com"}
        )

    assert submitted_from_one_address() == 1


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_without_behind_proxy_a_spoofed_header_shares_the_connections_bucket(settings):
    settings.BEHIND_PROXY = False
    settings.INTAKE_RATE_LIMIT = "3/10m"
    for i in range(4):
        Client(**through_proxy(f"203.0.113.{i + 1}", remote_addr="198.51.100.20")).post(
            "/f/contact/", {**GOOD, "email": f"person{i}@example.com"}
        )

    assert submitted_from_one_address() == 1


@pytest.mark.unit
def test_without_behind_proxy_the_header_is_ignored(settings, rf: RequestFactory):
    settings.BEHIND_PROXY = False
    request = rf.get("/", **through_proxy("203.0.113.5"))
    assert client_address(request) == PROXY


@pytest.mark.unit
def test_one_hop_takes_the_rightmost_address(behind_proxy, rf: RequestFactory):
    request = rf.get("/", **through_proxy("192.0.2.66, 198.51.100.1, 203.0.113.5"))
    assert client_address(request) == "203.0.113.5"


@pytest.mark.unit
def test_two_hops_take_the_second_rightmost_address(behind_proxy, rf: RequestFactory):
    behind_proxy.PROXY_HOPS = 2
    # The client wrote 192.0.2.66; the CDN added the client's real address, and the
    # nginx in front of Handraise added the CDN's.
    request = rf.get("/", **through_proxy("192.0.2.66, 203.0.113.5, 198.51.100.1"))
    assert client_address(request) == "203.0.113.5"


@pytest.mark.unit
def test_other_client_headers_are_never_believed(behind_proxy, rf: RequestFactory):
    request = rf.get(
        "/",
        HTTP_X_REAL_IP="192.0.2.1",
        HTTP_FORWARDED="for=192.0.2.2",
        HTTP_CF_CONNECTING_IP="192.0.2.3",
        **through_proxy("203.0.113.5"),
    )
    assert client_address(request) == "203.0.113.5"


@pytest.mark.unit
def test_behind_proxy_without_the_header_falls_back_to_the_connection(
    behind_proxy, rf: RequestFactory
):
    assert client_address(rf.get("/", REMOTE_ADDR=PROXY)) == PROXY


@pytest.mark.unit
def test_ipv6_and_mapped_addresses_are_written_canonically(behind_proxy, rf: RequestFactory):
    assert client_address(rf.get("/", **through_proxy("2001:DB8:0::1"))) == "2001:db8::1"
    assert client_address(rf.get("/", **through_proxy("::ffff:203.0.113.5"))) == "203.0.113.5"
    assert client_address(rf.get("/", **through_proxy("[2001:db8::2]:443"))) == "2001:db8::2"


@pytest.mark.unit
@pytest.mark.parametrize("hops", [1, 2])
@pytest.mark.parametrize("xff", MALFORMED)
def test_malformed_headers_give_an_address_or_the_connections(behind_proxy, rf, hops, xff):
    behind_proxy.PROXY_HOPS = hops
    address = client_address(rf.get("/", **through_proxy(xff)))
    assert ipaddress.ip_address(address)


@pytest.mark.unit
@pytest.mark.parametrize("xff", ["", ",", "unknown", "for=_hidden", "999.1.1.1", "1" * 5000, "::"])
def test_an_unreadable_header_falls_back_to_the_connection(behind_proxy, rf, xff):
    assert client_address(rf.get("/", **through_proxy(xff))) == PROXY


@pytest.mark.unit
def test_naughty_strings_as_the_header_give_a_usable_address(behind_proxy, rf):
    for hops in (1, 2, 5):
        behind_proxy.PROXY_HOPS = hops
        for xff in NAUGHTY:
            request = rf.get("/", **through_proxy(xff))
            address = client_address(request)
            assert address is None or isinstance(address, str), xff
            assert address_for_rate_limits(request), xff


@pytest.mark.unit
@pytest.mark.parametrize("remote_addr", ["", "unix:", "not-an-address", "::1", "127.0.0.1"])
def test_any_connection_address_gives_a_rate_limit_key(settings, rf, remote_addr):
    settings.BEHIND_PROXY = False
    request = rf.get("/")
    request.META["REMOTE_ADDR"] = remote_addr
    assert address_for_rate_limits(request)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_malformed_headers_never_give_a_server_error(behind_proxy, teammate):
    behind_proxy.INTAKE_RATE_LIMIT = "1000000/m"
    for xff in MALFORMED + NAUGHTY[::10]:
        client = Client(**through_proxy(xff))
        intake = client.post("/f/contact/", GOOD)
        login = client.post("/login/", {"username": "teammate", "password": "wrong"})
        admin_login = client.post("/admin/login/", {"username": "teammate", "password": "x"})
        reset = client.post("/password/reset/", {"email": "nobody@example.com"})
        statuses = [r.status_code for r in (intake, login, admin_login, reset)]
        assert max(statuses) < 500, (xff, statuses)
