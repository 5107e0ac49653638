"""The owner finds her calendar address, copies it, and rotates it in place.

The journey runs under the real Content-Security-Policy (no bypass): the copy
button and the in-place rotation work with static scripts alone. The feed is
fetched as a calendar app fetches it: a plain GET without cookies.
"""

import urllib.error
import urllib.request

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from tests.browser import steps
from tests.browser.accessibility import audit, control_problems

pytestmark = pytest.mark.browser


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_owner_copies_her_calendar_address_and_rotates_it(handraise, new_context, shots):
    context = new_context(permissions=["clipboard-read", "clipboard-write"])
    owner = context.new_page()
    refused = []
    owner.on("console", lambda m: refused.append(m.text) if "Security Policy" in m.text else None)
    steps.log_in(owner, handraise.url)
    owner.get_by_role("link", name="Calendar feed").click()
    expect(owner.get_by_role("heading", level=1)).to_have_text("Calendar feed")
    address = owner.get_by_label("Address to subscribe to").input_value()
    assert address.startswith(f"{handraise.url}/calendar/") and address.endswith(".ics")
    shots.take(owner, "calendar-address")

    owner.get_by_role("button", name="Copy the address").click()
    expect(owner.get_by_text("Copied.")).to_be_visible()
    assert owner.evaluate("navigator.clipboard.readText()") == address
    status, body = fetch(address)
    assert status == 200
    assert str(Calendar.from_ical(body)["X-WR-CALNAME"]) == "My business · Handraise"

    owner.get_by_role("link", name="Rotate the secret…").click()
    expect(owner.get_by_role("heading", name="Rotate the secret?")).to_be_visible()
    assert owner.url == f"{handraise.url}/settings/calendar/"  # swapped in place by htmx
    shots.take(owner, "rotate-asks-first")
    owner.get_by_role("button", name="Rotate the secret").click()
    expect(owner.get_by_text("the old address no longer works")).to_be_visible()
    shots.take(owner, "rotated")

    rotated = owner.get_by_label("Address to subscribe to").input_value()
    assert rotated != address
    assert fetch(address)[0] == 404
    assert fetch(rotated)[0] == 200
    owner.get_by_role("button", name="Copy the address").click()
    expect(owner.get_by_text("Copied.")).to_be_visible()
    assert owner.evaluate("navigator.clipboard.readText()") == rotated
    assert refused == []


def test_calendar_pages_have_no_serious_accessibility_violations(handraise, new_context, shots):
    owner = new_context(bypass_csp=True).new_page()
    steps.log_in(owner, handraise.url)
    found, problems = [], []
    owner.goto(f"{handraise.url}/settings/calendar/")
    found += audit(owner, "calendar-feed", shots.folder)
    problems += control_problems(owner)
    owner.goto(f"{handraise.url}/settings/calendar/rotate/")
    expect(owner.get_by_role("heading", name="Rotate the secret?")).to_be_visible()
    found += audit(owner, "calendar-rotate", shots.folder)
    problems += control_problems(owner)

    assert [str(finding) for finding in found if finding.blocking] == []
    assert problems == []
