"""The site script on the customer's own website (another origin), end to end.

The owner registers her site on the Site script page and pastes its line into her
pages. A prospect lands on an article from a newsletter (UTM tags), reads a second
one, then sends the plain contact form on the site: the enquiry carries the first
landing's campaign, and both articles join the prospect's contact, shown in the
Inbox. A second prospect whose browser sends Global Privacy Control is counted,
but nothing that could identify them is stored, in the browser or in Handraise.
"""

import json

import pytest
from playwright.sync_api import expect

from tests.browser import steps

pytestmark = pytest.mark.browser

DESKTOP_CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
ARTICLES = {
    "pricing.html": ("Pricing a website rebuild", "discovery.html", "Read on"),
    "discovery.html": ("How we run a discovery workshop", "contact.html", "Get in touch"),
}
ARTICLE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>{script}</head>
<body><main><h1>{title}</h1><p>Some words worth reading.</p>
<p><a href="{next}">{label}</a></p></main></body></html>
"""
CAMPAIGN = "?utm_source=newsletter&utm_medium=email&utm_campaign=spring-2026"
PROSPECT = {"name": "Ines Moreau", "email": "ines@example.org", "message": "Loved the articles."}
PRIVATE = {"name": "Pat Quiet", "email": "pat@example.org", "message": "Please call me."}

STORED = """
import json
from handraise.enquiries.models import Enquiry
from handraise.marketing.models import Touchpoint
enquiry = Enquiry.objects.select_related("contact").get(from_email__icontains={email!r})
print(json.dumps({{
    "visitor": enquiry.visitor_id,
    "campaign": [enquiry.utm_source, enquiry.utm_medium, enquiry.utm_campaign],
    "joined": sorted(
        t.asset.title for t in enquiry.contact.touchpoints.all() if t.asset_id
    ),
    "site_visits": list(
        Touchpoint.objects.filter(event_id__isnull=False).values_list("visitor_id", "url")
    ),
}}))
"""


def publish_site(handraise, customer_site, owner) -> None:
    """The owner registers the site, adds the articles as assets and pastes the line."""
    owner.get_by_role("navigation", name="Main").get_by_role("link", name="Marketing").click()
    owner.get_by_role("navigation", name="Marketing pages").get_by_role(
        "link", name="Site script"
    ).click()
    expect(owner.get_by_role("heading", level=1)).to_have_text("Site script")
    owner.get_by_label("Your website addresses, one per line").fill(customer_site.origin)
    owner.get_by_role("button", name="Save the addresses").click()
    expect(owner.get_by_role("list", name="Messages")).to_have_text("Website addresses saved.")
    script = owner.locator("#snippet").input_value()
    assert script == f'<script src="{handraise.url}/t.js" defer></script>'

    for name, (title, _, _) in ARTICLES.items():
        owner.goto(f"{handraise.url}/marketing/assets/new/")
        owner.get_by_label("Kind").select_option("Article")
        owner.get_by_label("Title").fill(title)
        owner.get_by_label("URL", exact=True).fill(f"{customer_site.origin}/{name}")
        owner.get_by_role("button", name="Add the asset").click()
        expect(owner.get_by_role("list", name="Messages")).to_contain_text(title)
        next_page = ARTICLES[name][1]
        label = ARTICLES[name][2]
        page = ARTICLE.format(title=title, script=script, next=next_page, label=label)
        (customer_site.root / name).write_text(page)

    steps.open_contact_form_settings(owner)
    customer_site.publish_contact_page(steps.copy_snippet(owner), script)


def visit(page, url: str) -> None:
    """Open a page and wait until its visit has reached Handraise (answered 204)."""
    with page.expect_response(lambda response: response.url.endswith("/t/")) as sent:
        page.goto(url)
    assert sent.value.status == 204


def stored(handraise, email: str) -> dict:
    return json.loads(handraise.shell(STORED.format(email=email)).strip().splitlines()[-1])


def test_the_pages_a_prospect_read_and_their_campaign_reach_the_enquiry(
    handraise, customer_site, new_context, shots
):
    owner = new_context().new_page()
    steps.log_in(owner, handraise.url)
    publish_site(handraise, customer_site, owner)
    shots.take(owner, "form-settings-after-publishing")

    prospect = new_context(user_agent=DESKTOP_CHROME).new_page()
    visit(prospect, f"{customer_site.origin}/pricing.html{CAMPAIGN}")
    with prospect.expect_response(lambda response: response.url.endswith("/t/")):
        prospect.get_by_role("link", name="Read on").click()
    expect(prospect.get_by_role("heading", level=1)).to_have_text("How we run a discovery workshop")
    with prospect.expect_response(lambda response: response.url.endswith("/t/")):
        prospect.get_by_role("link", name="Get in touch").click()
    form = prospect.locator("form")
    # The first landing's campaign, not this page's (it has none).
    expect(form.locator("input[name=utm_campaign]")).to_have_value("spring-2026")
    visitor = prospect.evaluate("localStorage.getItem('hr_visitor')")
    expect(form.locator("input[name=hr_visitor]")).to_have_value(visitor)
    steps.fill_contact_form(prospect, **PROSPECT)
    shots.take(prospect, "contact-form-on-the-site")
    prospect.get_by_role("button", name="Send").click()
    expect(prospect).to_have_url(f"{handraise.url}/f/contact/thanks/")

    steps.wait_for_enquiry(handraise.mail, PROSPECT["name"])
    found = stored(handraise, PROSPECT["email"])
    assert found["visitor"] == visitor
    assert found["campaign"] == ["newsletter", "email", "spring-2026"]
    assert found["joined"] == sorted(title for title, _, _ in ARTICLES.values())
    assert {url for _, url in found["site_visits"]} == {
        f"{customer_site.origin}/pricing.html",
        f"{customer_site.origin}/discovery.html",
        f"{customer_site.origin}/contact.html",
    }

    steps.open_inbox(owner, handraise.url)
    owner.locator("#inbox-list").get_by_role("link", name=PROSPECT["name"]).click()
    panel = owner.get_by_role("complementary", name="Who they are")
    expect(panel).to_contain_text("spring-2026 (newsletter / email)")
    read = panel.locator("ol.touchpoints > li")
    expect(read.filter(has_text="Pricing a website rebuild")).to_have_count(1)
    expect(read.filter(has_text="How we run a discovery workshop")).to_have_count(1)
    shots.take(owner, "enquiry-with-what-they-read")


def test_with_global_privacy_control_nothing_identifying_is_stored(
    handraise, customer_site, new_context, shots
):
    owner = new_context().new_page()
    steps.log_in(owner, handraise.url)
    publish_site(handraise, customer_site, owner)

    # A browser with GPC on says so in a header and to scripts, on every page.
    context = new_context(user_agent=DESKTOP_CHROME, extra_http_headers={"Sec-GPC": "1"})
    context.add_init_script(
        "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true});"
    )
    prospect = context.new_page()
    visit(prospect, f"{customer_site.origin}/pricing.html{CAMPAIGN}")
    with prospect.expect_response(lambda response: response.url.endswith("/t/")):
        prospect.get_by_role("link", name="Read on").click()
    with prospect.expect_response(lambda response: response.url.endswith("/t/")):
        prospect.get_by_role("link", name="Get in touch").click()
    kept = prospect.evaluate(
        "[...Object.keys(localStorage), ...Object.keys(sessionStorage), document.cookie]"
        ".filter(Boolean)"
    )
    assert kept == []
    expect(prospect.locator("input[name=hr_visitor]")).to_have_count(0)
    steps.fill_contact_form(prospect, **PRIVATE)
    prospect.get_by_role("button", name="Send").click()
    expect(prospect).to_have_url(f"{handraise.url}/f/contact/thanks/")

    steps.wait_for_enquiry(handraise.mail, PRIVATE["name"])
    found = stored(handraise, PRIVATE["email"])
    assert found["visitor"] == ""
    assert found["joined"] == []
    # The three visits are counted, with no id that could join them to anyone.
    assert sorted(found["site_visits"]) == [
        ["", f"{customer_site.origin}/contact.html"],
        ["", f"{customer_site.origin}/discovery.html"],
        ["", f"{customer_site.origin}/pricing.html"],
    ]
    shots.take(prospect, "thanked-without-being-tracked")
