"""The same first enquiry with the optional form script on the customer's website.

The owner allows her site's origin on the Forms settings page and adds the
script tag; the prospect, whose visits to three marketing assets are already
recorded under their visitor id, sends the form in place (clicking Send twice),
and the enquiry in the Inbox shows what they read, newest first.
"""

import json
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser import steps
from tests.processes import post_json

pytestmark = pytest.mark.browser

PROSPECT = {
    "name": "Jonas Weber",
    "email": "jonas@example.org",
    "message": "Could you redesign our shop? We read your case study.",
}
# (days before the enquiry, kind, title) of what the prospect read.
READ = [
    (9, "article", "Pricing a website rebuild"),
    (4, "case_study", "The bakery that doubled its online orders"),
    (1, "article", "How we run a discovery workshop"),
]
SOMEONE_ELSES = "An article somebody else read"
THANKS = "Thank you — we have your message and will reply shortly."


def record_reading(handraise, visitor_id: str) -> None:
    """Touchpoints as the site's tracking would have left them, before the hand-raise."""
    rows = [(days, kind, title, visitor_id) for days, kind, title in READ]
    rows.append((2, "article", SOMEONE_ELSES, "another-visitor"))
    handraise.shell(
        "import json\n"
        "from datetime import timedelta\n"
        "from django.utils import timezone\n"
        "from handraise.marketing.models import Asset, Touchpoint\n"
        "now = timezone.now()\n"
        f"for days, kind, title, visitor in json.loads({json.dumps(rows)!r}):\n"
        "    asset = Asset.objects.create(kind=kind, title=title,"
        " published_at=now - timedelta(days=30))\n"
        "    Touchpoint.objects.create(visitor_id=visitor, asset=asset,"
        " channel='organic_search', occurred_at=now - timedelta(days=days))\n"
    )


def test_form_script_submits_in_place_once_and_the_inbox_shows_what_they_read(
    handraise, customer_site, new_context, shots
):
    visitor_id = str(uuid.uuid4())
    record_reading(handraise, visitor_id)

    owner = new_context().new_page()
    steps.log_in(owner, handraise.url)
    steps.open_contact_form_settings(owner)
    owner.get_by_label("Allowed origins").fill(customer_site.origin)
    owner.get_by_role("button", name="Save form").click()
    expect(owner.get_by_role("list", name="Messages")).to_have_text(
        "Form saved. Paste the snippet again if you changed fields."
    )
    expect(owner.get_by_label("Allowed origins")).to_have_value(customer_site.origin)
    snippet = steps.copy_snippet(owner)
    script = steps.copy_script_snippet(owner)
    assert script == (
        f'<script src="{handraise.url}/static/enquiries/handraise-form.js" defer></script>'
    )
    shots.take(owner, "origin-allowed")

    page_url = customer_site.publish_contact_page(snippet, script)
    visitor = new_context()
    # The visitor id the site's script keeps in localStorage, from earlier visits.
    visitor.add_init_script(
        f"if (location.origin === {customer_site.origin!r}) "
        f"localStorage.setItem('hr_visitor', {visitor_id!r});"
    )
    prospect = visitor.new_page()
    # The page opened a minute ago (people read before they write): forms sent within
    # seconds of opening are quarantined as robots' work.
    prospect.clock.install(time=datetime.now(UTC) - timedelta(minutes=1))
    posts = []
    prospect.on(
        "request",
        lambda request: (
            posts.append(request)
            if request.method == "POST" and "/f/contact/" in request.url
            else None
        ),
    )
    prospect.goto(page_url)
    expect(prospect.get_by_role("heading", level=1)).to_have_text("Talk to Acme Studio")
    form = prospect.locator("form[data-handraise]")
    expect(form.locator("input[name=hr_visitor]")).to_have_value(visitor_id)
    steps.fill_contact_form(prospect, **PROSPECT)
    navigations = []
    prospect.on("framenavigated", lambda frame: navigations.append(frame.url))
    shots.take(prospect, "prospect-fills-in-the-form")

    prospect.get_by_role("button", name="Send").dblclick()

    expect(prospect.get_by_role("status")).to_have_text(THANKS)
    expect(form).to_have_count(0)
    expect(prospect).to_have_url(page_url)
    assert navigations == []
    shots.take(prospect, "prospect-thanked-in-place")
    # A browser retrying that same post (same Idempotency-Key) gets the same answer.
    sent = posts[0]
    status, again = post_json(
        sent.url,
        json.loads(sent.post_data),
        headers={"Idempotency-Key": sent.headers["idempotency-key"]},
    )
    assert (status, again["id"]) == (201, sent.response().json()["id"])

    acknowledgement = steps.wait_for_mail(handraise.mail, PROSPECT["email"], subject="Jonas")
    assert str(acknowledgement["Subject"]) == "Thanks for getting in touch, Jonas"
    steps.wait_for_enquiry(handraise.mail, "Jonas Weber")
    steps.open_inbox(owner, handraise.url)
    listing = owner.locator("#inbox-list")
    expect(listing.locator(".section-note")).to_have_text(
        "1 waiting for a first response, soonest due first."
    )
    expect(listing.locator("tbody tr")).to_have_count(1)
    shots.take(owner, "inbox-with-one-enquiry")

    listing.get_by_role("link", name="Jonas Weber").click()
    expect(owner.get_by_role("heading", level=1)).to_have_text("Jonas Weber")
    panel = owner.get_by_role("complementary", name="Who they are")
    expect(panel.locator("dd.wrap")).to_have_text(page_url)  # "Sent from"
    read = panel.locator("ol.touchpoints > li")
    expect(read).to_have_count(len(READ))
    for item, (_, kind, title) in zip(read.all(), reversed(READ), strict=True):
        label = {"article": "Article", "case_study": "Case study"}[kind]
        expect(item).to_have_text(re.compile(rf"^\d+ \w+ {re.escape(title)} \({label}\) via "))
    expect(panel).not_to_contain_text(SOMEONE_ELSES)
    shots.take(owner, "enquiry-shows-what-they-read")

    # The double click was one submission and one enquiry (the script disables Send
    # at the first click; the Idempotency-Key covers a post that goes out twice).
    assert len(posts) == 1
    assert handraise.count("enquiries.Submission") == 1
    assert handraise.count("enquiries.Enquiry") == 1
    assert len(handraise.mail.to(PROSPECT["email"])) == 1
