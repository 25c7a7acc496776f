"""A long family conversation without JavaScript: the newest messages that fit the first round trip,
"Show older messages" for the rest, and reacting through a message's own page."""

from __future__ import annotations

import re

from django.urls import reverse
from playwright.sync_api import Browser, expect

from carecircle.circles.access import access_circle
from carecircle.conversations import selectors, services
from tests.browser.conftest import signed_in_without_javascript
from tests.cast import build_cast

WORDS = "Dad had soup, watched the cricket and asked after everyone in the garden club. " * 3


def test_older_messages_and_reactions_without_javascript(server: str, browser: Browser) -> None:
    cast = build_cast()
    helper = access_circle(user=cast.helper, circle_id=cast.circle.pk)
    family = selectors.conversation_access_for(helper, services.family_conversation(circle=cast.circle))
    for number in range(1, 21):
        services.message_post(actor=cast.helper, where=family, body=f"Note {number}. {WORDS}")
    organiser = signed_in_without_javascript(browser, server, cast.organiser)
    page = organiser.page
    page.goto(server + reverse("conversations:family", kwargs={"circle_id": cast.circle.pk}))
    organiser.check("a long family conversation")
    items = page.locator("li[data-message]")
    expect(items.last).to_contain_text("Note 20.")
    shown = items.count()
    assert 1 < shown < 20
    expect(page.locator("li[data-message]", has_text="Note 1.")).to_have_count(0)

    # Older messages, a page at a time, back to the first note; then back to the newest.
    while page.get_by_role("link", name="Show older messages").count():
        oldest = items.first.inner_text()
        page.get_by_role("link", name="Show older messages").click()
        expect(items.last).not_to_contain_text(oldest.split(".", 1)[0] + ".")
        organiser.check("older messages")
    expect(page.locator("li[data-message]", has_text="Note 1.")).to_have_count(1)
    page.get_by_role("link", name="Back to the newest messages").click()
    expect(items.last).to_contain_text("Note 20.")

    # Reacting: the message's own page has the buttons, and the answer comes back to the conversation.
    newest = page.locator("li[data-message]", has_text="Note 20.")
    newest.get_by_role("link", name=re.compile("^React")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Message")
    organiser.check("one message with its reactions")
    page.locator("summary", has_text="React").click()
    page.get_by_role("button", name="🤗 Hug").click()
    expect(page.locator("li[data-message]", has_text="Note 20.")).to_contain_text("🤗 1")
    organiser.check("the conversation after reacting")
    organiser.close()
