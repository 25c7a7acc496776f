"""chat.js speaks the reader's language, opens reactions from a small fragment, and says when a
reaction wasn't saved instead of failing in silence."""

from __future__ import annotations

import re

from django.urls import reverse
from playwright.sync_api import Browser, Locator, Route, expect

from carecircle.circles.access import access_circle
from carecircle.conversations import selectors, services
from tests.browser.conftest import make_checked, sign_in
from tests.cast import Cast, build_cast


def react_link(item: Locator) -> Locator:
    return item.get_by_role("link", name=re.compile("^React"))


def _family_with_a_note() -> tuple[Cast, str]:
    cast = build_cast()
    helper_access = access_circle(user=cast.helper, circle_id=cast.circle.pk)
    family = selectors.conversation_access_for(helper_access, services.family_conversation(circle=cast.circle))
    services.message_post(actor=cast.helper, where=family, body="Note 1: Dad slept well.")
    return cast, reverse("conversations:family", kwargs={"circle_id": cast.circle.pk})


def test_chat_js_says_its_words_in_welsh(server: str, browser: Browser) -> None:
    cast, address = _family_with_a_note()
    cast.organiser.language = "cy"
    cast.organiser.save(update_fields=["language"])
    checked = make_checked(sign_in(browser.new_context(), server, cast.organiser))
    page = checked.page
    page.goto(server + address)
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    # Sending an empty message is refused by the script, in Welsh (from the JavaScript catalog).
    page.locator("#message-form button[type=submit]").click()
    expect(page.locator("[data-pending]")).to_have_text("Ysgrifennwch neges cyn anfon.")
    checked.check("a Welsh member's empty send, refused in Welsh")
    checked.close()


def test_reactions_open_from_a_small_fragment_and_a_failed_post_says_so(server: str, browser: Browser) -> None:
    cast, address = _family_with_a_note()
    checked = make_checked(sign_in(browser.new_context(), server, cast.organiser))
    page = checked.page
    page.goto(server + address)
    note = page.locator("li[data-message]", has_text="Note 1:")
    with page.expect_response(re.compile(r"/reactions/$")) as opened:
        react_link(note).click()
    # The fragment is the form and its styles, not the message's whole page.
    assert len(opened.value.body()) < 3_000
    choices = note.get_by_role("group", name=re.compile("^React"))
    expect(choices).to_be_visible()

    # The network fails while posting: the message says so, and the choices close.
    def fail(route: Route) -> None:
        route.abort()

    page.route(re.compile(r"/react/$"), fail)
    choices.get_by_role("button", name="❤️ Love").click()
    expect(note.get_by_role("alert")).to_have_text(re.compile("Your reaction wasn't saved, as the connection failed"))
    checked.check("a reaction that failed to send")
    page.unroute(re.compile(r"/react/$"))

    # The server refuses (here a reaction it doesn't know; a removed message's refusal is the same
    # path, tests/conversations/test_reactions_fragment.py): its own words are shown. Removing the
    # message here would race its live removal, which redraws the item.
    react_link(note).click()
    expect(choices).to_be_visible()
    love = choices.get_by_role("button", name="❤️ Love")
    love.evaluate("button => { button.value = 'confetti:1'; }")
    love.click()
    expect(note.get_by_role("alert")).to_have_text("Choose one of the reactions shown.")
    checked.close()
