"""The pipeline, as the owner works it: drag a deal across the board, move another with
the keyboard, win the first, and see Home's sales figures change.

Three deals are in place, each from an enquiry sent through the public form and
converted as the Inbox's "Open deal" does. The board is driven with real mouse
events (SortableJS sees a person dragging) and with the keyboard alone (each
card's "Move to" menu); every move answers the question the board asks, and the
page is checked for what the owner sees: which column a card is in, each column's
count and total, the figures on Home before and after the win.
"""

import time
from datetime import date, timedelta

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser import steps

pytestmark = pytest.mark.browser

STAGES = ("Enquiry", "Conversation", "Proposal", "Negotiation", "Won", "Lost")
PRIYA = {
    "name": "Priya Raman",
    "email": "priya@example.net",
    "title": "Priya Raman: clinic booking website",
    "value": "6500",
    "next_step": "Send the March launch plan",
    "due_in_days": 3,
}
SAM = {
    "name": "Sam Okafor",
    "email": "sam@example.net",
    "title": "Sam Okafor: brand refresh",
    "value": "3000",
    "next_step": "Call about the brief",
    "due_in_days": 4,
}
LEE = {
    "name": "Lee Chen",
    "email": "lee@example.net",
    "title": "Lee Chen: shop redesign",
    "value": "12000",
    "next_step": "Ask for the current analytics",
    "due_in_days": 5,
}


def column(page: Page, stage: str) -> Locator:
    return page.locator("#board").get_by_role("region", name=stage, exact=True)


def card(page: Page, title: str) -> Locator:
    return page.locator("#board .card").filter(has=page.get_by_role("link", name=title))


def drag(page: Page, item: Locator, target: Locator) -> None:
    """Press on the card, move the mouse over the target in small steps, release there.

    The press is on the card's contact line: SortableJS ignores presses on links,
    menus and buttons, so the title (a link) cannot start a drag. On its way the
    card passes over other columns and SortableJS animates it in and out of them;
    the mouse lingers over the target, moving a little as a hand does, until the
    card is shown there, and only then lets go.
    """
    deal = item.get_attribute("data-deal")
    item.scroll_into_view_if_needed()
    start = item.locator(".card-contact").bounding_box()
    x, y = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 8, y + 8, steps=4)
    arrived = target.locator(f'[data-deal="{deal}"]')
    deadline = time.monotonic() + 10
    wiggle = 0
    while not arrived.count():
        if time.monotonic() > deadline:
            page.mouse.up()
            raise AssertionError(f"the card never reached {target} while dragged over it")
        end = target.bounding_box()
        wiggle = (wiggle + 1) % 4
        page.mouse.move(
            end["x"] + end["width"] / 2 + 3 * (wiggle - 1.5),
            end["y"] + end["height"] / 2,
            steps=10,
        )
    page.mouse.up()


def figure(page: Page, name: str) -> Locator:
    return page.locator(f"#figure-{name}")


def test_owner_drags_a_deal_across_the_board_wins_it_and_sees_home_change(
    handraise, new_context, shots
):
    steps.open_deals(handraise, [PRIYA, SAM, LEE])
    owner = new_context().new_page()
    steps.log_in(owner, handraise.url)

    # Before: three open deals worth £21,500, nothing won yet.
    expect(owner.get_by_role("heading", level=1)).to_have_text("My business")
    expect(figure(owner, "open-deals").locator(".figure-value")).to_have_text("3")
    expect(figure(owner, "open-pipeline").locator(".figure-value")).to_have_text("£21,500")
    expect(figure(owner, "won").locator(".figure-value")).to_have_text("0")
    expect(figure(owner, "won").locator(".figure-note")).to_have_text("0 deals won")
    expect(figure(owner, "win-rate").locator(".figure-value")).to_have_text("–")
    shots.take(owner, "home-before")

    owner.get_by_role("navigation", name="Main").get_by_role("link", name="Pipeline").click()
    expect(owner.get_by_role("heading", level=1)).to_have_text("Pipeline")
    summary = {stage: column(owner, stage).locator(".column-summary") for stage in STAGES}
    expect(summary["Enquiry"]).to_have_text("3 deals · £21,500")
    expect(summary["Conversation"]).to_have_text("0 deals")
    # Every column, Lost included, fits the 1280 px window: no sideways scrolling.
    scroll, shown = owner.locator("#board").evaluate("b => [b.scrollWidth, b.clientWidth]")
    assert scroll <= shown, f"the board scrolls sideways ({scroll} px in {shown} px)"
    # Soonest next step first.
    expect(column(owner, "Enquiry").locator(".card-title")).to_have_text(
        [PRIYA["title"], SAM["title"], LEE["title"]]
    )
    shots.take(owner, "board-before")

    # Drag Priya's card to Conversation: the board asks for the next step there.
    drag(owner, card(owner, PRIYA["title"]), column(owner, "Conversation").locator(".card-list"))
    dialog = owner.get_by_role("dialog")
    expect(dialog.get_by_role("heading")).to_have_text(f"Move “{PRIYA['title']}” to Conversation")
    expect(dialog.get_by_label("Next step", exact=True)).to_be_focused()
    expect(dialog.get_by_label("Next step", exact=True)).to_have_value(PRIYA["next_step"])
    dialog.get_by_label("Next step", exact=True).fill("Walk Priya through the booking flow")
    dialog.get_by_label("Next step due").fill((date.today() + timedelta(days=2)).isoformat())
    shots.take(owner, "drop-asks-for-the-next-step")
    dialog.get_by_role("button", name="Move", exact=True).click()

    expect(dialog).to_be_hidden()
    expect(owner.get_by_role("status")).to_have_text(
        f"Moved “{PRIYA['title']}” from Enquiry to Conversation."
    )
    expect(column(owner, "Conversation").locator(".card-title")).to_have_text([PRIYA["title"]])
    expect(card(owner, PRIYA["title"]).locator(".card-next")).to_contain_text(
        "Walk Priya through the booking flow"
    )
    expect(summary["Enquiry"]).to_have_text("2 deals · £15,000")
    expect(summary["Conversation"]).to_have_text("1 deal · £6,500")
    shots.take(owner, "dragged-to-conversation")

    # Sam's deal goes to Proposal with the keyboard alone, through the card's menu.
    card(owner, SAM["title"]).get_by_role("link", name=SAM["title"]).focus()
    owner.keyboard.press("Tab")
    menu = card(owner, SAM["title"]).get_by_label("Move to")
    expect(menu).to_be_focused()
    owner.keyboard.press("P")  # a closed menu picks the first option starting with P
    expect(menu).to_have_value(str(stage_id(owner, "Proposal")))
    owner.keyboard.press("Tab")
    owner.keyboard.press("Enter")
    expect(dialog.get_by_role("heading")).to_have_text(f"Move “{SAM['title']}” to Proposal")
    expect(dialog.get_by_label("Next step", exact=True)).to_be_focused()
    owner.keyboard.press("ControlOrMeta+a")
    owner.keyboard.type("Send the proposal")
    owner.keyboard.press("Tab")
    expect(dialog.get_by_label("Next step due")).to_be_focused()
    dialog.get_by_label("Next step due").fill((date.today() + timedelta(days=5)).isoformat())
    shots.take(owner, "keyboard-move-asks-for-the-next-step")
    owner.keyboard.press("Enter")

    expect(dialog).to_be_hidden()
    expect(owner.get_by_role("status")).to_have_text(
        f"Moved “{SAM['title']}” from Enquiry to Proposal."
    )
    expect(card(owner, SAM["title"]).get_by_role("link", name=SAM["title"])).to_be_focused()
    expect(column(owner, "Proposal").locator(".card-title")).to_have_text([SAM["title"]])
    expect(summary["Enquiry"]).to_have_text("1 deal · £12,000")
    expect(summary["Proposal"]).to_have_text("1 deal · £3,000")
    shots.take(owner, "moved-with-the-keyboard")

    # Priya said yes: drop her card on Won, and give the outcome.
    drag(owner, card(owner, PRIYA["title"]), column(owner, "Won").locator(".card-list"))
    expect(dialog.get_by_role("heading")).to_have_text(f"Mark “{PRIYA['title']}” as won")
    expect(dialog.get_by_label("Final value")).to_have_value("6500.00")
    dialog.get_by_label("Final value").fill("7000")
    dialog.get_by_label("Why was it won?").select_option("Speed of response")
    dialog.get_by_label("Note").fill("She chose us because we answered the same morning.")
    shots.take(owner, "drop-on-won-asks-for-the-outcome")
    dialog.get_by_role("button", name="Mark as won").click()

    expect(dialog).to_be_hidden()
    expect(owner.get_by_role("status")).to_have_text(
        f"Moved “{PRIYA['title']}” from Conversation to Won."
    )
    expect(card(owner, PRIYA["title"])).to_have_count(0)
    expect(summary["Conversation"]).to_have_text("0 deals")
    expect(summary["Won"]).to_have_text("1 in the last 30 days · £7,000")
    expect(owner.locator("#board .card")).to_have_count(2)
    shots.take(owner, "won-and-off-the-open-columns")

    column(owner, "Won").get_by_role("link", name="See won deals").click()
    expect(owner.get_by_role("cell").filter(has_text=PRIYA["title"])).to_be_visible()
    owner.get_by_role("link", name=PRIYA["title"]).click()
    expect(owner.get_by_role("heading", level=1)).to_have_text(PRIYA["title"])
    outcome = owner.get_by_role("region", name="Won on")
    expect(outcome).to_contain_text("Speed of response · £7,000")
    expect(outcome).to_contain_text("She chose us because we answered the same morning.")
    shots.take(owner, "won-deal")

    # After: Home counts the win.
    owner.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    expect(figure(owner, "won").locator(".figure-value")).to_have_text("£7,000")
    expect(figure(owner, "won").locator(".figure-note")).to_have_text("1 deal won")
    expect(figure(owner, "win-rate").locator(".figure-value")).to_have_text("100%")
    expect(figure(owner, "win-rate").locator(".figure-note")).to_have_text("1 won of 1 closed")
    expect(figure(owner, "open-deals").locator(".figure-value")).to_have_text("2")
    expect(figure(owner, "open-pipeline").locator(".figure-value")).to_have_text("£15,000")
    shots.take(owner, "home-after")


def stage_id(page: Page, stage: str) -> int:
    return int(column(page, stage).locator(".card-list").get_attribute("data-stage"))
