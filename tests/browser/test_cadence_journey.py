"""An owner sets up a follow-up cadence and puts a deal in it, by keyboard, in a real browser.

Every page on the way passes axe-core with nothing serious. The emails a cadence
sends are followed through a week of simulated time in
``handraise/sales/tests/test_cadence_week.py``; here the pages are the subject.
"""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser import steps
from tests.browser.accessibility import audit, control_problems
from tests.processes import post_json

pytestmark = pytest.mark.browser


def test_owner_sets_up_a_cadence_and_enrols_a_deal_by_keyboard(handraise, new_context, shots):
    found, problems = [], []

    def check(page, name: str) -> None:
        shots.take(page, name)
        found.extend(audit(page, name, shots.folder))
        problems.extend(f"{name}: {problem}" for problem in control_problems(page))

    status, _ = post_json(
        f"{handraise.url}/f/contact/",
        {"name": "Rosa Diaz", "email": "rosa@example.net", "message": "A quote, please."},
    )
    assert status == 201
    owner = new_context(bypass_csp=True).new_page()
    steps.log_in(owner, handraise.url)

    owner.get_by_role("navigation", name="Main").get_by_role("link", name="Cadences").click()
    expect(owner.locator(".empty-state")).to_contain_text("No cadences yet.")
    check(owner, "cadences-empty")

    owner.get_by_role("link", name="New cadence").click()
    owner.get_by_role("button", name="Save cadence").click()
    expect(owner.get_by_role("alert").first).to_contain_text("Nothing was saved")
    check(owner, "cadence-form-with-errors")

    owner.get_by_label("Name").fill("After the first call")
    step = owner.locator("fieldset.cadence-step").first
    step.get_by_label("Business days after enrolment").fill("2")
    step.get_by_label("Step", exact=True).select_option("email")
    step.get_by_label("Subject (of the email, or what to do)").fill(
        "Good to talk, {{ first_name }}"
    )
    step.get_by_label("Email, or notes for the call or task").fill("Hi {{ first_name }}, ...")
    owner.get_by_role("button", name="Save cadence").click()
    expect(owner.get_by_role("list", name="Messages")).to_have_text(
        "Saved “After the first call” with 1 step."
    )
    check(owner, "cadences")

    steps.wait_for_enquiry(handraise.mail, "Rosa Diaz")
    steps.open_inbox(owner, handraise.url)
    owner.get_by_role("link", name="Rosa Diaz").click()
    convert = owner.get_by_role("region", name="Convert to a deal")
    convert.get_by_label("Title").fill("Rosa Diaz: website quote")
    convert.get_by_label("Next step", exact=True).fill("Send the quote")
    convert.get_by_label("Next step due").fill((date.today() + timedelta(days=2)).isoformat())
    convert.get_by_role("button", name="Open deal").click()
    expect(owner.get_by_role("list", name="Messages")).to_contain_text("opened in the pipeline")
    owner.get_by_role("navigation", name="Main").get_by_role("link", name="Pipeline").click()
    owner.get_by_role("link", name="Rosa Diaz: website quote").first.click()
    expect(owner.get_by_role("heading", level=1)).to_have_text("Rosa Diaz: website quote")

    panel = owner.locator("#cadences")
    expect(panel).to_contain_text("Not in a cadence.")
    panel.get_by_label("Enrol in").focus()
    owner.keyboard.press("Tab")  # to the Enrol button
    owner.keyboard.press("Enter")
    expect(owner.get_by_role("list", name="Messages")).to_contain_text(
        "Enrolled in “After the first call”: its first step is due"
    )
    expect(panel).to_contain_text(
        re.compile(r"Next: day 2 email “Good to talk, \{\{ first_name \}\}”")
    )
    check(owner, "deal-in-a-cadence")

    panel.get_by_role("button", name="Stop “After the first call”").click()
    expect(owner.get_by_role("list", name="Messages")).to_have_text(
        "Stopped “After the first call”: no more of its steps will run."
    )
    expect(owner.locator("#cadences")).to_contain_text("After the first call: stopped")

    owner.get_by_role("navigation", name="Main").get_by_role("link", name="Today").click()
    check(owner, "today")

    blocking = [finding for finding in found if finding.blocking]
    assert not blocking, "\n".join(map(str, blocking))
    assert problems == [], "\n".join(problems)
