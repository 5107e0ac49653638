"""The owner imports a HubSpot contacts export on the Import page and watches it finish.

Under the real Content-Security-Policy (no bypass): the progress is htmx polling
a partial, which must work without any inline script. The import itself runs in
``handraise serve``'s worker, as it does for a user.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import steps
from tests.browser.accessibility import audit, control_problems

pytestmark = pytest.mark.browser

HUBSPOT = (
    "Record ID,First Name,Last Name,Email,Phone Number,Company Name,Lifecycle Stage\n"
    "101,Ada,Lovelace,ada@example.com,020 7946 0000,Analytical Engines,customer\n"
    "102,Grace,Hopper,grace@example.com,,US Navy,lead\n"
    "103,Alan,Turing,not-an-address,,Bletchley Park,lead\n"
)


def test_owner_uploads_a_hubspot_export_and_watches_it_reach_done(
    handraise, new_context, shots, tmp_path
):
    export = tmp_path / "hubspot-contacts.csv"
    export.write_text(HUBSPOT, encoding="utf-8")
    owner = new_context().new_page()
    refused = []
    owner.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    problems = []
    steps.log_in(owner, handraise.url)

    owner.get_by_role("navigation", name="Main").get_by_role("link", name="Import").click()
    expect(owner.get_by_role("heading", level=1)).to_have_text("Import")
    problems.extend(f"upload: {problem}" for problem in control_problems(owner))
    owner.get_by_label("What the file holds").select_option("contacts")
    owner.get_by_label("CSV file").set_input_files(export)
    owner.get_by_role("button", name="Upload and check the columns").click()

    expect(owner.get_by_role("heading", level=1)).to_have_text(
        "Check the columns of hubspot-contacts.csv"
    )
    expect(owner.get_by_label("Email", exact=True)).to_have_value("email")
    expect(owner.get_by_label("Lifecycle Stage")).to_have_value("")
    owner.get_by_label("Lifecycle Stage").select_option(label="Notes")
    shots.take(owner, "columns")
    problems.extend(f"columns: {problem}" for problem in control_problems(owner))
    owner.get_by_role("button", name="Import", exact=True).click()

    status = owner.get_by_role("status")
    expect(status).to_contain_text("Done", timeout=30_000)
    expect(status).to_contain_text("imported 2 contacts (2 new")
    bar = owner.locator("progress#import-progress-bar")
    expect(bar).to_have_attribute("max", "3")
    expect(bar).to_have_attribute("value", "3")
    expect(owner.get_by_role("link", name="Download the 1 rejected row")).to_be_visible()
    shots.take(owner, "done")

    with owner.expect_download() as download:
        owner.get_by_role("link", name="Download the 1 rejected row").click()
    rejects = download.value.path().read_text(encoding="utf-8")
    assert re.search(r"^4,'not-an-address' is not a valid email address", rejects, re.M)

    owner.get_by_role("link", name="Import", exact=True).first.click()
    expect(owner.locator(".import-list")).to_contain_text("hubspot-contacts.csv")
    expect(owner.locator(".import-list")).to_contain_text("Done")
    shots.take(owner, "past-imports")
    assert handraise.count("contacts.Contact") == 2
    notes = handraise.shell(
        "from handraise.contacts.models import Contact\n"
        "print(Contact.objects.get(name='Ada Lovelace').notes)"
    )
    assert notes.strip() == "customer"
    assert refused == []
    assert problems == [], "\n".join(problems)

    # axe is injected as a script, which the policy refuses: a second look without it.
    auditor = new_context(bypass_csp=True).new_page()
    steps.log_in(auditor, handraise.url)
    found = []
    auditor.goto(f"{handraise.url}/settings/imports/")
    found += audit(auditor, "import-page", shots.folder)
    auditor.get_by_role("link", name="hubspot-contacts.csv").click()
    expect(auditor.get_by_role("status")).to_contain_text("Done")
    found += audit(auditor, "import-job", shots.folder)
    auditor.get_by_role("link", name="Import", exact=True).first.click()
    auditor.get_by_label("CSV file").set_input_files(export)
    auditor.get_by_role("button", name="Upload and check the columns").click()
    expect(auditor.get_by_label("Email", exact=True)).to_have_value("email")
    found += audit(auditor, "import-columns", shots.folder)
    auditor.get_by_role("button", name="Do not import this file").click()
    expect(auditor.get_by_role("list", name="Messages")).to_contain_text(
        "hubspot-contacts.csv was not imported, and is deleted."
    )
    blocking = [finding for finding in found if finding.blocking]
    assert not blocking, "\n".join(map(str, blocking))
