"""Every page a newcomer and a prospect meet passes axe-core with nothing serious.

Pages are checked in the state a person sees them: the login page (also with
its error), Home empty and with figures, the Inbox with an enquiry in it, the
enquiry, the deal it becomes, the contact page and the contact list, the Forms pages, and
the public form (blank, with errors, and its thank-you page). Serious and
critical violations fail the test; the lesser ones are listed in the run's
summary and in the failure message.

Besides axe, the browser is asked whether it can tie every form control to its
label and description; axe cannot see a label lost to a duplicated id, and only
flags a description pointing at nothing as "needs review".
"""

import pytest
from playwright.sync_api import expect

from tests.browser import steps
from tests.browser.accessibility import audit, control_problems
from tests.processes import post_json

pytestmark = pytest.mark.browser


def test_pages_have_no_serious_accessibility_violations(handraise, new_context, shots):
    found = []

    def check(page, name: str) -> None:
        shots.take(page, name)
        found.extend(audit(page, name, shots.folder))

    owner = new_context(bypass_csp=True).new_page()
    owner.goto(f"{handraise.url}/login/")
    check(owner, "login")
    steps.log_in(owner, handraise.url, password="not-the-password")
    expect(owner.get_by_role("alert")).to_be_visible()
    check(owner, "login-with-error")
    steps.log_in(owner, handraise.url)
    expect(owner.get_by_role("heading", name="Nothing has arrived yet")).to_be_visible()
    check(owner, "home-empty")

    prospect = new_context(bypass_csp=True).new_page()
    prospect.goto(f"{handraise.url}/f/contact/")
    expect(prospect.get_by_role("heading", level=1)).to_have_text("Get in touch with My business")
    check(prospect, "public-form")
    prospect.get_by_role("button", name="Send").click()
    expect(prospect.get_by_role("alert").first).to_be_visible()
    check(prospect, "public-form-with-errors")
    steps.fill_contact_form(
        prospect, name="Ada Byron", email="ada@example.com", message="Do you audit websites?"
    )
    prospect.get_by_role("button", name="Send").click()
    expect(prospect.get_by_role("heading", level=1)).to_have_text("Thank you")
    check(prospect, "public-thanks")

    steps.wait_for_enquiry(handraise.mail, "Ada Byron")
    steps.open_inbox(owner, handraise.url)
    check(owner, "inbox")
    owner.get_by_role("link", name="Ada Byron").click()
    expect(owner.get_by_role("heading", level=1)).to_have_text("Ada Byron")
    check(owner, "enquiry")
    owner.get_by_role("button", name="Open deal").click()
    owner.get_by_role("complementary").get_by_role("link", name="Ada Byron: Do you").click()
    expect(owner.get_by_role("heading", name="Send a proposal")).to_be_visible()
    check(owner, "deal")
    owner.get_by_role("complementary").get_by_role("link", name="Ada Byron").click()
    expect(owner.get_by_role("heading", name="Timeline")).to_be_visible()
    check(owner, "contact")
    owner.get_by_role("navigation", name="Main").get_by_role("link", name="Contacts").click()
    expect(owner.get_by_role("link", name="Ada Byron")).to_be_visible()
    check(owner, "contacts")
    owner.get_by_role("navigation", name="Main").get_by_role("link", name="Forms").click()
    check(owner, "forms")
    owner.get_by_role("link", name="Contact form").click()
    expect(owner.locator("#snippet")).to_be_visible()
    check(owner, "form-settings")
    owner.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    expect(owner.get_by_role("heading", name="Enquiries", exact=True)).to_be_visible()
    check(owner, "home-with-figures")
    owner.goto(f"{handraise.url}/inbox/new/")
    check(owner, "record-an-enquiry")
    owner.goto(f"{handraise.url}/inbox/quarantine/")
    check(owner, "quarantine")
    owner.goto(f"{handraise.url}/marketing/fit/")
    expect(owner.get_by_role("heading", name="By channel")).to_be_visible()
    check(owner, "marketing-fit")
    owner.goto(f"{handraise.url}/settings/ideal-client/")
    check(owner, "ideal-client")

    blocking = [finding for finding in found if finding.blocking]
    lesser = [finding for finding in found if not finding.blocking]
    print("axe findings:", *(found or ["none"]), sep="\n  ")
    assert not blocking, "\n".join(
        [
            "serious or critical violations:",
            *map(str, blocking),
            "lesser violations and items needing review:",
            *map(str, lesser or ["none"]),
        ]
    )


def test_form_controls_have_their_own_labels_and_descriptions(handraise, new_context, shots):
    problems = []

    def check(page, name: str) -> None:
        shots.take(page, name)
        problems.extend(f"{name}: {problem}" for problem in control_problems(page))

    status, _ = post_json(
        f"{handraise.url}/f/contact/",
        {"name": "Lin Ko", "email": "lin@example.net", "message": "Can we talk?"},
    )
    assert status == 201
    prospect = new_context().new_page()
    prospect.goto(f"{handraise.url}/f/contact/")
    check(prospect, "public-form")
    prospect.get_by_role("button", name="Send").click()
    expect(prospect.get_by_role("alert").first).to_be_visible()
    check(prospect, "public-form-with-errors")

    owner = new_context().new_page()
    owner.goto(f"{handraise.url}/login/")
    check(owner, "login")
    steps.log_in(owner, handraise.url)
    steps.wait_for_enquiry(handraise.mail, "Lin Ko")
    steps.open_inbox(owner, handraise.url)
    check(owner, "inbox")
    owner.get_by_role("link", name="Lin Ko").click()
    expect(owner.get_by_role("heading", level=1)).to_have_text("Lin Ko")
    check(owner, "enquiry")
    steps.open_contact_form_settings(owner)
    check(owner, "form-settings")
    owner.goto(f"{handraise.url}/inbox/new/")
    check(owner, "record-an-enquiry")
    owner.goto(f"{handraise.url}/settings/ideal-client/")
    check(owner, "ideal-client")

    assert problems == [], "\n".join(problems)


PIPELINE_DEALS = [
    {
        "name": "Nia Holt",
        "email": "nia@example.net",
        "title": "Nia Holt: yoga studio site",
        "value": "4200",
        "next_step": "Send two sample layouts",
        "due_in_days": 2,
    },
    {
        "name": "Omar Said",
        "email": "omar@example.net",
        "title": "Omar Said: menu redesign",
        "value": "1800",
        "next_step": "Call about the print run",
        "due_in_days": 6,
    },
]


def test_pipeline_pages_have_no_serious_accessibility_violations(handraise, new_context, shots):
    steps.open_deals(handraise, PIPELINE_DEALS)
    found = []
    problems = []

    def check(page, name: str) -> None:
        shots.take(page, name)
        found.extend(audit(page, name, shots.folder))
        problems.extend(f"{name}: {problem}" for problem in control_problems(page))

    owner = new_context(bypass_csp=True).new_page()
    steps.log_in(owner, handraise.url)
    owner.goto(f"{handraise.url}/pipeline/")
    expect(owner.locator("#board .card")).to_have_count(2)
    check(owner, "pipeline")
    nia = owner.locator("#board .card").filter(has_text="Nia Holt")
    nia.get_by_label("Move to").select_option("Won")
    nia.get_by_role("button", name="Move").click()
    expect(owner.get_by_role("dialog").get_by_label("Final value")).to_be_visible()
    check(owner, "pipeline-win-dialog")
    owner.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    expect(owner.get_by_role("dialog")).to_be_hidden()

    owner.goto(f"{handraise.url}/pipeline/list/")
    expect(owner.get_by_role("link", name="Omar Said: menu redesign")).to_be_visible()
    check(owner, "pipeline-list")
    owner.get_by_role("link", name="Nia Holt: yoga studio site").click()
    expect(owner.get_by_role("heading", level=1)).to_have_text("Nia Holt: yoga studio site")
    check(owner, "deal")
    won = owner.get_by_role("region", name="Won it?")
    won.get_by_label("Why was it won?").select_option("Right expertise")
    won.get_by_role("button", name="Mark as won").click()
    expect(owner.get_by_role("region", name="Won on")).to_be_visible()
    check(owner, "deal-won")
    owner.goto(f"{handraise.url}/today/")
    expect(owner.get_by_role("heading", level=1)).to_have_text("Today")
    check(owner, "today")

    blocking = [finding for finding in found if finding.blocking]
    lesser = [finding for finding in found if not finding.blocking]
    print("axe findings:", *(found or ["none"]), sep="\n  ")
    assert not blocking, "\n".join(
        [
            "serious or critical violations:",
            *map(str, blocking),
            "lesser violations and items needing review:",
            *map(str, lesser or ["none"]),
        ]
    )
    assert problems == [], "\n".join(problems)
