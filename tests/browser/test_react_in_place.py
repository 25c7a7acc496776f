"""Reacting in place with JavaScript: "React" opens the choices inside the message, the counts change
without leaving the conversation, and another member's page gets the reaction live. By mouse (with
a double click on "React" and on a choice) and by keyboard alone (Tab, Enter, Escape)."""

from __future__ import annotations

import re

from django.urls import reverse
from playwright.sync_api import Browser, Locator, Page, expect

from carecircle.circles.access import access_circle
from carecircle.conversations import selectors, services
from tests.browser.conftest import make_checked, sign_in
from tests.cast import build_cast

LIVE_MS = 10_000


def react_link(item: Locator) -> Locator:
    return item.get_by_role("link", name=re.compile("^React"))


def counts(item: Locator) -> Locator:
    """The reaction counts the list shows (the choices' own buttons are not among them)."""
    return item.locator(".msg-actions .reaction:visible")


def tab_to(page: Page, target: Locator, most: int = 200) -> None:
    """Presses Tab until the target has the focus, as someone using only the keyboard would."""
    for _ in range(most):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target}")


def test_react_in_place_and_live_for_everyone(server: str, browser: Browser) -> None:
    cast = build_cast()
    helper_access = access_circle(user=cast.helper, circle_id=cast.circle.pk)
    family = selectors.conversation_access_for(helper_access, services.family_conversation(circle=cast.circle))
    for number in (1, 2, 3):
        services.message_post(actor=cast.helper, where=family, body=f"Note {number}: Dad slept well.")
    address = server + reverse("conversations:family", kwargs={"circle_id": cast.circle.pk})
    organiser = make_checked(sign_in(browser.new_context(), server, cast.organiser))
    helper = make_checked(sign_in(browser.new_context(), server, cast.helper))
    for checked in (organiser, helper):
        checked.page.goto(address)
        expect(checked.page.locator("li[data-message]")).to_have_count(3)
    page = organiser.page

    # "React" opens the five choices in the message, with the focus on the first.
    note = page.locator("li[data-message]", has_text="Note 3:")
    react_link(note).click()
    choices = note.get_by_role("group", name=re.compile("^React"))
    expect(choices).to_be_visible()
    expect(choices.get_by_role("button", name="❤️ Love")).to_be_focused()
    expect(react_link(note)).to_have_attribute("aria-expanded", "true")
    organiser.check("reaction choices open in place")

    # Choosing closes them, puts the focus back on "React" and changes the count on this page.
    choices.get_by_role("button", name="🤗 Hug").click()
    expect(choices).to_have_count(0)
    expect(counts(note)).to_have_text(["🤗 1"])
    expect(react_link(note)).to_be_focused()
    expect(page.locator("[aria-live=polite]", has_text="🤗 1")).to_have_count(1)
    assert page.url == address
    organiser.check("a reaction made in place")
    expect(counts(helper.page.locator("li[data-message]", has_text="Note 3:"))).to_have_text(["🤗 1"], timeout=LIVE_MS)

    # A quick double click on "React", then on a choice: the choices open once and the reaction counts once.
    second = page.locator("li[data-message]", has_text="Note 2:")
    react_link(second).dblclick()
    expect(second.get_by_role("group")).to_have_count(1)
    second.get_by_role("button", name="👍 Thumbs up").dblclick()
    expect(second.get_by_role("group")).to_have_count(0)
    expect(counts(second)).to_have_text(["👍 1"])
    helper_second = helper.page.locator("li[data-message]", has_text="Note 2:")
    expect(counts(helper_second)).to_have_text(["👍 1"], timeout=LIVE_MS)

    # The helper reacts the same in place; both pages converge on two.
    react_link(helper_second).click()
    helper_second.get_by_role("group").get_by_role("button", name="👍 Thumbs up").first.click()
    for item in (second, helper_second):
        expect(counts(item)).to_have_text(["👍 2"], timeout=LIVE_MS)
    assert page.locator("li[data-message]").count() == 3
    organiser.close()
    helper.close()


def test_react_in_place_by_keyboard(server: str, browser: Browser) -> None:
    cast = build_cast()
    helper_access = access_circle(user=cast.helper, circle_id=cast.circle.pk)
    family = selectors.conversation_access_for(helper_access, services.family_conversation(circle=cast.circle))
    services.message_post(actor=cast.helper, where=family, body="The garden needs watering.")
    organiser = make_checked(sign_in(browser.new_context(), server, cast.organiser))
    page = organiser.page
    page.goto(server + reverse("conversations:family", kwargs={"circle_id": cast.circle.pk}))
    note = page.locator("li[data-message]", has_text="The garden")
    link = react_link(note)

    # Tab to "React", Enter: the focus is on the first choice; Tab to "Well done", Enter.
    tab_to(page, link)
    page.keyboard.press("Enter")
    choices = note.get_by_role("group")
    expect(choices.get_by_role("button", name="❤️ Love")).to_be_focused()
    tab_to(page, choices.get_by_role("button", name="👏 Well done"))
    page.keyboard.press("Enter")
    expect(choices).to_have_count(0)
    expect(link).to_be_focused()
    expect(counts(note)).to_have_text(["👏 1"])

    # Enter opens them again, now with "Well done" pressed as the reader's own; Escape closes them.
    page.keyboard.press("Enter")
    expect(choices.get_by_role("button", name=re.compile("^👏 1"))).to_have_attribute("aria-pressed", "true")
    expect(counts(note)).to_have_count(0)
    page.keyboard.press("Escape")
    expect(choices).to_have_count(0)
    expect(link).to_be_focused()
    expect(link).to_have_attribute("aria-expanded", "false")
    expect(counts(note)).to_have_text(["👏 1"])
    organiser.check("the conversation after reacting by keyboard")
    organiser.close()
