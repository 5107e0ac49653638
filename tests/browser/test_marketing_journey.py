"""The owner's first look at Marketing in a real browser: the navigation, an asset
added, found, archived and brought back, and the overview; every page passes axe."""

import pytest
from playwright.sync_api import expect

from tests.browser import steps
from tests.browser.accessibility import audit

pytestmark = pytest.mark.browser


def test_the_owner_adds_an_asset_and_reads_the_overview(handraise, new_context, shots):
    found = []

    def check(page, name: str) -> None:
        shots.take(page, name)
        found.extend(audit(page, name, shots.folder))

    owner = new_context(bypass_csp=True).new_page()  # axe is injected as an inline script
    steps.log_in(owner, handraise.url)
    nav = owner.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Marketing").click()
    expect(owner.get_by_role("heading", level=1)).to_have_text("Marketing")
    expect(nav.get_by_role("link", name="Marketing")).to_have_attribute("aria-current", "page")
    # The whole navigation on one row at 1280 px.
    tops = {round(link.bounding_box()["y"]) for link in nav.get_by_role("link").all()}
    assert len(tops) == 1, tops
    expect(owner.get_by_text("Nothing published yet")).to_be_visible()
    check(owner, "marketing-empty")

    owner.get_by_role("link", name="Add an asset").first.click()
    owner.get_by_label("Kind").select_option(label="Case study")
    owner.get_by_label("Title").fill("Regional distributor halves picking errors")
    owner.get_by_label("URL").fill("example dot com")
    owner.get_by_label("Topics").fill("picking accuracy, warehouses")
    owner.get_by_label("Published on").fill("2026-01-15")
    owner.get_by_role("button", name="Add the asset").click()
    expect(owner.get_by_role("alert").first).to_contain_text("Nothing was saved")
    expect(owner.get_by_label("Topics")).to_have_value("picking accuracy, warehouses")
    check(owner, "asset-form-with-errors")
    owner.get_by_label("URL").fill("https://example.com/case-studies/picking/")
    owner.get_by_role("button", name="Add the asset").click()

    expect(owner.get_by_role("heading", level=1)).to_have_text("Assets")
    row = owner.get_by_role("row", name="Regional distributor")
    expect(row).to_contain_text("picking accuracy, warehouses")
    check(owner, "asset-list")
    row.get_by_role("button", name="Archive").click()
    expect(owner.get_by_role("button", name="Undo")).to_be_visible()
    owner.get_by_role("button", name="Undo").click()
    expect(owner.get_by_role("row", name="Regional distributor")).to_be_visible()

    nav.get_by_role("link", name="Marketing").click()
    expect(owner.locator("#figure-days-since")).to_be_visible()
    owner.get_by_label("Period").select_option(label="Last 365 days")
    owner.get_by_role("button", name="Show").click()
    expect(owner.get_by_label("Period")).to_have_value("365")
    check(owner, "marketing-overview")

    blocking = [finding for finding in found if finding.blocking]
    assert not blocking, "\n".join(map(str, found))
