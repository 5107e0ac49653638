"""Markup a prospect types is shown as text, never run or rendered, in the owner's pages.

Checked in the browser's DOM: the page's Content-Security-Policy would block an
inline handler anyway, so the proof that escaping held is that no such element
exists at all, not only that nothing ran.
"""

import pytest
from playwright.sync_api import Page, expect

from tests.browser import steps

pytestmark = pytest.mark.browser

NAME = '<img src=x onerror="window.__pwned=1">'
MESSAGE = "<script>window.__pwned=1</script>"
EMAIL = "mallory@example.org"


def assert_nothing_injected(page: Page) -> None:
    injected = page.evaluate(
        """() => ({
            pwned: typeof window.__pwned,
            images: document.querySelectorAll('img[src="x"], img[onerror]').length,
            scripts: [...document.scripts].filter(s => s.text.includes('__pwned')).length,
        })"""
    )
    assert injected == {"pwned": "undefined", "images": 0, "scripts": 0}, page.url


def test_markup_in_an_enquiry_is_shown_literally_and_never_runs(handraise, new_context, shots):
    prospect = new_context().new_page()
    prospect.goto(f"{handraise.url}/f/contact/")
    steps.fill_contact_form(prospect, name=NAME, email=EMAIL, message=MESSAGE)
    shots.take(prospect, "markup-typed-into-the-form")
    prospect.get_by_role("button", name="Send").click()
    expect(prospect.get_by_role("heading", level=1)).to_have_text("Thank you")

    steps.wait_for_enquiry(handraise.mail, NAME)

    owner = new_context().new_page()
    steps.log_in(owner, handraise.url)
    steps.open_inbox(owner, handraise.url)
    row = owner.locator("#inbox-list tbody tr")
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell").nth(1)).to_have_text(NAME)
    expect(row.get_by_role("cell").nth(4)).to_have_text(MESSAGE)  # after Fit
    assert_nothing_injected(owner)
    shots.take(owner, "inbox-shows-markup-as-text")

    row.get_by_role("link", name=NAME).click()
    expect(owner.get_by_role("heading", level=1)).to_have_text(NAME)
    expect(owner).to_have_title(f"{NAME} · Inbox · Handraise")
    expect(owner.locator(".enquiry-message")).to_have_text(MESSAGE)
    panel = owner.get_by_role("complementary", name="Who they are")
    expect(panel.locator("dd").first).to_have_text(NAME)
    reply = owner.get_by_role("region", name="Reply by email")
    expect(reply.get_by_label("Message")).to_have_value("Hello <img,\n\n")
    convert = owner.get_by_role("region", name="Convert to a deal")
    expect(convert.get_by_label("Title")).to_have_value(f"{NAME}: {MESSAGE}")
    assert_nothing_injected(owner)
    shots.take(owner, "enquiry-shows-markup-as-text")
