"""A newsletter's tracked link, end to end, with JavaScript off on the prospect's side.

The owner builds a short link to the hosted contact form in the link builder; the
newsletter (a page on the customer's site, another origin) links to it. The
prospect follows it, lands on the form with the campaign in its address, sends the
plain form, and the enquiry in the Inbox shows the campaign and where they came
from; the link's page counts the click.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import steps
from tests.browser.accessibility import audit, control_problems

pytestmark = pytest.mark.browser

PROSPECT = {"name": "Mara Quist", "email": "mara@example.org", "message": "Saw your newsletter."}
# A browser's own user agent: headless Chromium names itself, and robots are not counted.
DESKTOP_CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
NEWSLETTER = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Acme Studio news, spring</title></head>
<body><main><h1>Spring news from Acme Studio</h1>
<p>We have two slots left this season. <a href="{link}">Book a call</a>.</p>
</main></body></html>
"""


def open_tracked_links(page) -> None:
    """Marketing in the main navigation, then its Tracked links page."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Marketing").click()
    page.get_by_role("navigation", name="Marketing pages").get_by_role(
        "link", name="Tracked links"
    ).click()


def test_a_newsletter_link_brings_a_prospect_whose_enquiry_shows_the_campaign(
    handraise, customer_site, new_context, shots
):
    owner = new_context().new_page()
    steps.log_in(owner, handraise.url)
    open_tracked_links(owner)
    expect(owner.get_by_role("heading", level=1)).to_have_text("Tracked links")
    expect(owner.locator("#link-list")).to_contain_text("No tracked links yet")
    owner.get_by_label("Target address").fill(f"{handraise.url}/f/contact/")
    owner.get_by_label("Source (utm_source)").fill("Newsletter")
    owner.get_by_label("Medium (utm_medium)").fill("Email")
    owner.get_by_label("Campaign (utm_campaign)").fill("Spring 2026")
    shots.take(owner, "builder-filled-in")
    owner.get_by_role("button", name="Make the link").click()

    expect(owner.get_by_role("heading", level=1)).to_have_text("spring-2026")
    short = owner.get_by_label("Short address (counts each click)").input_value()
    assert re.fullmatch(rf"{re.escape(handraise.url)}/r/[2-9a-hjkmnp-z]{{7}}", short)
    expect(owner.get_by_label(re.compile("^Full tagged address"))).to_have_value(
        f"{handraise.url}/f/contact/?utm_source=newsletter&utm_medium=email"
        "&utm_campaign=spring-2026"
    )
    expect(owner.locator("svg.qr-code")).to_be_visible()
    # The copy script runs under the strict CSP: its buttons are shown.
    expect(owner.get_by_role("button", name="Copy the short address")).to_be_visible()
    shots.take(owner, "link-with-qr-code")

    (customer_site.root / "newsletter.html").write_text(NEWSLETTER.format(link=short))
    prospect = new_context(java_script_enabled=False, user_agent=DESKTOP_CHROME).new_page()
    prospect.goto(f"{customer_site.origin}/newsletter.html")
    prospect.get_by_role("link", name="Book a call").click()

    expect(prospect).to_have_url(
        f"{handraise.url}/f/contact/?utm_source=newsletter&utm_medium=email"
        "&utm_campaign=spring-2026"
    )
    steps.fill_contact_form(prospect, **PROSPECT)
    shots.take(prospect, "form-from-the-newsletter")
    prospect.get_by_role("button", name="Send").click()
    expect(prospect).to_have_url(f"{handraise.url}/f/contact/thanks/")

    steps.wait_for_enquiry(handraise.mail, PROSPECT["name"])
    steps.open_inbox(owner, handraise.url)
    owner.locator("#inbox-list").get_by_role("link", name=PROSPECT["name"]).click()
    panel = owner.get_by_role("complementary", name="Who they are")
    expect(panel).to_contain_text("Campaign")
    expect(panel).to_contain_text("spring-2026 (newsletter / email)")
    # The browser's default policy sends the newsletter page's origin as the referrer.
    expect(panel).to_contain_text(f"Came from{customer_site.origin}/")
    shots.take(owner, "enquiry-with-the-campaign")

    open_tracked_links(owner)
    row = owner.locator("#link-list tbody tr")
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell").nth(3)).to_have_text("1")
    shots.take(owner, "link-list-with-one-click")


def test_the_link_pages_have_no_serious_accessibility_violations(handraise, new_context, shots):
    found = []
    problems = []

    def check(page, name: str) -> None:
        shots.take(page, name)
        found.extend(audit(page, name, shots.folder))
        problems.extend(f"{name}: {problem}" for problem in control_problems(page))

    owner = new_context(bypass_csp=True).new_page()  # axe is injected into the page
    steps.log_in(owner, handraise.url)
    owner.goto(f"{handraise.url}/marketing/links/")
    check(owner, "builder-empty")
    owner.get_by_label("Target address").fill("javascript:alert(1)")
    owner.get_by_role("button", name="Make the link").click()
    expect(owner.locator(".field-invalid")).to_have_count(3)
    check(owner, "builder-with-errors")
    owner.get_by_label("Target address").fill("https://www.example.com/talk/")
    owner.get_by_label("Source (utm_source)").fill("devconf")
    owner.get_by_label("Medium (utm_medium)").fill("qr")
    owner.get_by_role("button", name="Make the link").click()
    expect(owner.get_by_role("heading", level=1)).to_have_text("https://www.example.com/talk/")
    check(owner, "link-page")
    owner.goto(f"{handraise.url}/marketing/links/")
    expect(owner.locator("#link-list tbody tr")).to_have_count(1)
    check(owner, "link-list")

    blocking = [finding for finding in found if finding.blocking]
    assert not blocking, "\n".join(map(str, found))
    assert problems == [], "\n".join(problems)
