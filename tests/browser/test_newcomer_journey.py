"""A newcomer's first enquiry, end to end, with JavaScript switched off on the prospect's side.

The owner signs in, copies the contact form's snippet and pastes it into her own
(static) website; a prospect whose browser runs no JavaScript sends it; both
emails arrive; the owner answers from the Inbox and opens a deal.
"""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser import steps
from tests.processes import post_json

pytestmark = pytest.mark.browser

PROSPECT = {
    "name": "Priya Raman",
    "email": "priya@example.net",
    "message": "We need a new booking website for our physiotherapy clinic before March.",
}


def test_prospect_without_javascript_reaches_the_inbox_and_becomes_a_deal(
    handraise, customer_site, new_context, shots
):
    owner = new_context().new_page()

    # A mistyped password is refused, with a message the owner can read.
    steps.log_in(owner, handraise.url, password="not-the-password")
    expect(owner.get_by_role("alert")).to_contain_text("Please enter a correct username")
    expect(owner).to_have_url(re.compile(r"/login/$"))
    shots.take(owner, "login-refused")

    steps.log_in(owner, handraise.url)
    expect(owner.get_by_role("heading", level=1)).to_have_text("My business")
    shots.take(owner, "home")

    steps.open_contact_form_settings(owner)
    snippet = steps.copy_snippet(owner)
    assert f'action="{handraise.url}/f/contact/"' in snippet
    shots.take(owner, "form-settings")

    page_url = customer_site.publish_contact_page(snippet)
    prospect = new_context(java_script_enabled=False).new_page()
    prospect.goto(page_url)
    expect(prospect.get_by_role("heading", level=1)).to_have_text("Talk to Acme Studio")
    steps.fill_contact_form(prospect, **PROSPECT)
    shots.take(prospect, "prospect-fills-in-the-form")
    prospect.get_by_role("button", name="Send").click()

    expect(prospect).to_have_url(f"{handraise.url}/f/contact/thanks/")
    expect(prospect.get_by_role("heading", level=1)).to_have_text("Thank you")
    expect(prospect.locator(".thanks")).to_have_text(
        "Thank you — we have your message and will reply shortly."
    )
    shots.take(prospect, "prospect-thanked")

    acknowledgement = steps.wait_for_mail(handraise.mail, PROSPECT["email"], subject="Priya")
    assert str(acknowledgement["Subject"]) == "Thanks for getting in touch, Priya"
    notification = steps.wait_for_enquiry(handraise.mail, "Priya Raman")
    assert "We need a new booking website" in notification.get_content()

    steps.open_inbox(owner, handraise.url)
    listing = owner.locator("#inbox-list")
    expect(listing.locator(".section-note")).to_have_text(
        "1 waiting for a first response, soonest due first."
    )
    row = listing.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell").nth(0)).to_have_text(re.compile(r"^due in \d"))
    expect(row.get_by_role("cell").nth(1)).to_have_text("Priya Raman")
    expect(row.get_by_role("cell").nth(2)).to_have_text("Web form")
    expect(row.get_by_role("cell").nth(4)).to_have_text(PROSPECT["message"])  # after Fit
    shots.take(owner, "inbox-with-the-enquiry")

    row.get_by_role("link", name="Priya Raman").click()
    expect(owner.get_by_role("heading", level=1)).to_have_text("Priya Raman")
    expect(owner.locator(".enquiry-message")).to_have_text(PROSPECT["message"])
    expect(owner.locator(".enquiry-meta")).to_contain_text("Web form")
    expect(owner.locator(".enquiry-meta")).to_contain_text("Waiting for first response")
    panel = owner.get_by_role("complementary", name="Who they are")
    expect(panel).to_contain_text("Priya Raman")
    expect(panel).to_contain_text(PROSPECT["email"])
    expect(panel).to_contain_text("No visits recorded before this enquiry.")
    expect(panel).to_contain_text("None: this is their first.")
    expect(panel).to_contain_text("No deals yet.")
    shots.take(owner, "enquiry-with-context")

    reply = owner.get_by_role("region", name="Reply by email")
    expect(reply.get_by_label("Subject")).to_have_value("Re: your enquiry to My business")
    reply.get_by_label("Message").fill(
        "Hello Priya,\n\nThank you: March is possible. Could we talk on Tuesday?\n\nOlive"
    )
    reply.get_by_role("button", name="Send reply").click()
    expect(owner.get_by_role("list", name="Messages")).to_have_text(
        "Reply to Priya Raman is on its way."
    )
    expect(owner.locator(".enquiry-meta")).to_contain_text("Responded")
    shots.take(owner, "replied")
    answer = steps.wait_for_mail(handraise.mail, PROSPECT["email"], subject="Re: your enquiry")
    assert "March is possible" in answer.get_content()

    owner.get_by_role("navigation", name="Main").get_by_role("link", name="Inbox").click()
    expect(owner.locator("#inbox-list .empty-state")).to_have_text(
        "Nobody is waiting for a reply. New enquiries appear here within a second of arriving."
    )
    expect(owner.locator("#inbox-list tbody tr")).to_have_count(0)
    shots.take(owner, "inbox-empty")

    owner.go_back()
    convert = owner.get_by_role("region", name="Convert to a deal")
    convert.get_by_label("Title").fill("Priya Raman: clinic booking website")
    convert.get_by_label("Value").fill("6500")
    convert.get_by_label("Next step", exact=True).fill("Call on Tuesday about the March launch")
    # Typed in: the prefilled date does not show in the date picker (see the next test).
    convert.get_by_label("Next step due").fill((date.today() + timedelta(days=2)).isoformat())
    convert.get_by_role("button", name="Open deal").click()
    expect(owner.get_by_role("list", name="Messages")).to_have_text(
        "Deal “Priya Raman: clinic booking website” opened in the pipeline."
    )
    expect(owner.locator(".enquiry-meta")).to_contain_text("Converted to deal")
    expect(panel).to_contain_text("Priya Raman: clinic booking website")
    expect(owner.get_by_role("region", name="Convert to a deal")).to_have_count(0)
    shots.take(owner, "converted-to-a-deal")


def test_convert_form_offers_today_as_the_next_step_due_date(handraise, new_context, shots):
    enquirer = {"name": "Dan Ode", "email": "dan@example.net", "message": "A quote, please."}
    status, _ = post_json(f"{handraise.url}/f/contact/", enquirer)
    assert status == 201

    owner = new_context().new_page()
    steps.log_in(owner, handraise.url)
    steps.wait_for_enquiry(handraise.mail, "Dan Ode")
    steps.open_inbox(owner, handraise.url)
    owner.get_by_role("link", name="Dan Ode").click()
    due = owner.get_by_role("region", name="Convert to a deal").get_by_label("Next step due")
    shots.take(owner, "convert-form")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", due.input_value()), (
        f"the date picker shows {due.input_value()!r}; the page sent "
        f"value={due.get_attribute('value')!r}"
    )
