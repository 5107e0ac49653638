"""Steps people take in the journeys: the owner signs in and copies the snippet, a
prospect fills in the form on the customer's site, mail arrives.

Each step acts through the page the way a person would (labels, link and button
names) and waits on what the person would wait for; the only polling is for mail.
"""

import time
from email.message import EmailMessage

from playwright.sync_api import Page, expect

from tests.browser.people import OWNER
from tests.processes import post_json


def log_in(page: Page, base_url: str, *, password: str = OWNER["password"]) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(OWNER["username"])
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def open_contact_form_settings(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Forms").click()
    expect(page.get_by_role("heading", level=1, name="Forms")).to_be_visible()
    page.get_by_role("link", name="Contact form").click()
    expect(page.get_by_role("heading", level=1, name="Contact form")).to_be_visible()


def copy_snippet(page: Page) -> str:
    """What a newcomer copies from the Forms settings page's first text box."""
    return page.locator("#snippet").input_value()


def copy_script_snippet(page: Page) -> str:
    return page.locator("#script-snippet").input_value()


def fill_contact_form(page: Page, *, name: str, email: str, message: str) -> None:
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("How can we help?").fill(message)


def wait_for_mail(
    mail_server, address: str, *, subject: str = "", timeout: float = 15
) -> EmailMessage:
    """The first message to ``address`` whose subject contains ``subject``."""
    deadline = time.monotonic() + timeout
    while True:
        for message in mail_server.to(address):
            if subject in str(message["Subject"]):
                return message
        if time.monotonic() > deadline:
            seen = [str(m["Subject"]) for m in mail_server.to(address)]
            raise AssertionError(
                f"no mail to {address} with {subject!r} in the subject within {timeout} s; "
                f"it got: {seen}"
            )
        time.sleep(0.1)


def wait_for_enquiry(mail_server, name: str) -> EmailMessage:
    """The owner's "New enquiry from ..." notification.

    The worker creates the enquiry and queues this email in one transaction and
    sends it after the commit: once it has arrived, the Inbox shows the enquiry.
    """
    return wait_for_mail(mail_server, OWNER["email"], subject=f"New enquiry from {name}")


def open_inbox(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/inbox/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inbox")


def open_deals(handraise, deals: list[dict]) -> None:
    """Deals in place: each person enquires through the public form, and the owner's
    Convert (the same service the Inbox's "Open deal" calls) opens the deal.

    Each deal is a dict of ``name``, ``email``, ``title``, ``value`` (whole pounds),
    ``next_step`` and ``due_in_days``.
    """
    for deal in deals:
        enquiry = {"name": deal["name"], "email": deal["email"], "message": deal["title"]}
        status, _ = post_json(f"{handraise.url}/f/contact/", enquiry)
        assert status == 201, f"the form refused {deal['name']}'s enquiry"
    for deal in deals:
        wait_for_enquiry(handraise.mail, deal["name"])
    handraise.shell(
        "from datetime import timedelta\n"
        "from decimal import Decimal\n"
        "from django.contrib.auth import get_user_model\n"
        "from handraise.enquiries.models import Enquiry\n"
        "from handraise.enquiries.answering import convert_to_deal\n"
        "from handraise.core.clock import business_today\n"
        f"owner = get_user_model().objects.get(username={OWNER['username']!r})\n"
        f"for deal in {deals!r}:\n"
        "    convert_to_deal(\n"
        "        enquiry=Enquiry.objects.get(from_email=deal['email']),\n"
        "        user=owner,\n"
        "        title=deal['title'],\n"
        "        value=Decimal(deal['value']),\n"
        "        next_step=deal['next_step'],\n"
        "        next_step_due=business_today() + timedelta(days=deal['due_in_days']),\n"
        "    )\n"
    )
