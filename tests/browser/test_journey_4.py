"""Journey 4 (PRODUCT.md): the family keeps in touch. A photo from the visit, three reactions and a
message of support from an aunt (a well-wisher) appear live on every open device, and nothing is lost
or doubled when one device drops off the network and comes back."""

from __future__ import annotations

import io
import re
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, expect

from carecircle.accounts.models import User
from tests.browser.conftest import Checked, make_checked, signed_in_without_javascript
from tests.cast import build_cast, signed_in_session_key

LIVE_MS = 10_000


def signed_in(browser: Browser, user: User, server: str) -> tuple[BrowserContext, Checked]:
    context = browser.new_context()
    cookie = {"name": settings.SESSION_COOKIE_NAME, "value": signed_in_session_key(user), "url": server}
    context.add_cookies([cookie])  # type: ignore[list-item]
    return context, make_checked(context)


def photo_file(folder: Path) -> Path:
    picture = Image.new("RGB", (800, 600), "skyblue")
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG")
    path = folder / "visit.jpg"
    path.write_bytes(buffer.getvalue())
    return path


def react(checked: Checked, text: str, label: str) -> None:
    """With JavaScript "React" opens the choices in the message; without, a list links to each
    message's own page for its reaction buttons, and reacting comes back to the list."""
    if checked.axe_page is None:
        address = checked.page.url
        item = checked.page.locator("li[data-message]", has_text=text)
        item.get_by_role("link", name=re.compile("^React")).click()
        item.get_by_role("group").get_by_role("button", name=label).click()
        expect(item.get_by_role("group")).to_have_count(0)
        assert checked.page.url == address
        return
    back_to = checked.page.url.split("#", 1)[0]
    checked.page.locator("li[data-message]", has_text=text).get_by_role("link", name=re.compile("^React")).click()
    expect(checked.page.get_by_role("heading", level=1)).to_have_text("Message")
    item = checked.page.locator("li[data-message]", has_text=text)
    item.locator("summary", has_text="React").click()
    item.get_by_role("button", name=label).click()
    checked.page.wait_for_url(re.compile(re.escape(back_to) + "#m-[0-9]+$"))


def test_journey_4_photo_reactions_and_support_live_on_every_device(
    server: str, browser: Browser, tmp_path: Path
) -> None:
    cast = build_cast()
    news = server + reverse("conversations:news", kwargs={"circle_id": cast.circle.pk})
    family = server + reverse("conversations:family", kwargs={"circle_id": cast.circle.pk})
    helper_context, helper = signed_in(browser, cast.helper, server)
    organiser_context, organiser = signed_in(browser, cast.organiser, server)
    aunt_context, aunt = signed_in(browser, cast.well_wisher, server)
    for checked, who in ((helper, "helper"), (organiser, "organiser"), (aunt, "aunt")):
        checked.page.goto(news)
        expect(checked.page.get_by_role("heading", level=1)).to_have_text("How Dad is doing")
        checked.check(f"news as {who}")

    # The son posts a photo from his visit as an update; the others see it without reloading.
    helper.page.locator("summary", has_text="Post an update").click()
    helper.page.get_by_label("Headline").fill("Visit with Dad")
    helper.page.get_by_label("Your update").fill("We did the crossword and he beat me.")
    helper.page.get_by_label("Photos (optional)", exact=True).set_input_files(photo_file(tmp_path))
    helper.page.get_by_label("Describe the photos").fill("Dad smiling with the newspaper")
    helper.page.get_by_role("button", name="Post update").click()
    expect(helper.page.locator(".message")).to_contain_text("Your update is posted")
    helper.check("news after posting an update")
    for checked in (organiser, aunt):
        update = checked.page.locator("li[data-message]", has_text="Visit with Dad")
        expect(update).to_be_visible(timeout=LIVE_MS)
        expect(update.get_by_role("img", name="Dad smiling with the newspaper")).to_be_visible()

    # Three reactions from three devices; each device sees all three.
    react(organiser, "Visit with Dad", "❤️ Love")
    expect(aunt.page.locator("li[data-message]", has_text="Visit with Dad")).to_contain_text("❤️ 1", timeout=LIVE_MS)
    react(aunt, "Visit with Dad", "🤗 Hug")
    helper.page.reload()
    react(helper, "Visit with Dad", "👍 Thumbs up")
    for checked in (helper, organiser, aunt):
        update = checked.page.locator("li[data-message]", has_text="Visit with Dad")
        for count in ("❤️ 1", "🤗 1", "👍 1"):
            expect(update).to_contain_text(count, timeout=LIVE_MS)
    aunt.check("news with reactions")

    # The aunt sends a message of support.
    aunt.page.get_by_label("Your message of support").fill("Thinking of you all. Love, Auntie")
    aunt.page.get_by_role("button", name="Send your support").click()
    for checked in (helper, organiser, aunt):
        expect(checked.page.locator("li[data-message]", has_text="Love, Auntie")).to_have_count(1, timeout=LIVE_MS)

    # The organiser's phone loses its signal: what she writes waits on the page, and what others
    # send meanwhile arrives once she is back, each exactly once.
    organiser_context.set_offline(True)
    organiser.page.get_by_label("Your message of support").fill("Thank you, everyone")
    organiser.page.get_by_role("button", name="Send your support").click()
    # Chat can't send it, so it hands it to the device's outbox (web/outbox.js), which says it waits.
    expect(organiser.page.locator("[data-outbox-status]")).to_contain_text(
        "It will be sent when you're back online", timeout=LIVE_MS
    )
    aunt.page.get_by_label("Your message of support").fill("Give him a hug from me")
    aunt.page.get_by_role("button", name="Send your support").click()
    expect(aunt.page.locator("li[data-message]", has_text="Give him a hug")).to_have_count(1, timeout=LIVE_MS)
    organiser_context.set_offline(False)
    # Chromium's offline emulation doesn't fire "online" when it ends; a real phone does.
    organiser.page.evaluate("window.dispatchEvent(new Event('online'))")
    for checked in (organiser, aunt, helper):
        for text in ("Thank you, everyone", "Give him a hug from me", "Love, Auntie"):
            expect(checked.page.locator("li[data-message]", has_text=text)).to_have_count(1, timeout=LIVE_MS)
    expect(organiser.page.locator("[data-pending]")).to_have_text("")
    organiser.check("news after coming back online")
    organiser.page.reload()
    expect(organiser.page.locator("li[data-message]", has_text="Thank you, everyone")).to_have_count(1)

    # The family conversation: the son and the organiser chat live; the aunt isn't part of it.
    organiser.page.goto(family)
    helper.page.goto(family)
    organiser.check("family conversation as organiser")
    helper.page.get_by_label("Message").fill("Can someone take Dad's **prescription** on Friday?")
    helper.page.get_by_role("button", name="Send").click()
    expect(organiser.page.locator("li[data-message]", has_text="prescription")).to_have_count(1, timeout=LIVE_MS)
    helper.check("family conversation as helper")

    # The organiser replies: the quote reads as the message does (no "**"); once sent, the
    # "Replying to" banner and ?reply_to= go, and nothing ever says it is waiting to send.
    asked = organiser.page.locator("li[data-message]", has_text="prescription")
    asked.get_by_role("link", name=re.compile("^Reply")).click()
    banner = organiser.page.locator("[data-replying]")
    expect(banner).to_contain_text("Can someone take Dad's prescription on Friday?")
    expect(banner).not_to_contain_text("**")
    organiser.check("replying in the family conversation")
    organiser.page.evaluate(
        """() => {
          window.pendingNotes = [];
          const note = document.querySelector("[data-pending]");
          new MutationObserver(() => window.pendingNotes.push(note.textContent)).observe(
            note, {childList: true, characterData: true, subtree: true});
        }"""
    )
    organiser.page.get_by_label("Message").fill("I can, after work.")
    organiser.page.get_by_role("button", name="Send").click()
    reply = organiser.page.locator("li[data-message]", has_text="I can, after work.")
    expect(reply).to_have_count(1, timeout=LIVE_MS)
    expect(reply.locator("blockquote")).to_contain_text("Can someone take Dad's prescription on Friday?")
    expect(reply.locator("blockquote")).not_to_contain_text("**")
    expect(banner).to_have_count(0)
    assert "reply_to" not in organiser.page.url
    assert not [text for text in organiser.page.evaluate("window.pendingNotes") if "waiting to send" in text]
    aunt.page.goto(family)
    expect(aunt.page.get_by_role("heading", level=1)).to_have_text(re.compile("can't|not allowed|Sorry", re.I))
    aunt.check("family conversation refused for a well-wisher")

    for context in (helper_context, organiser_context, aunt_context):
        context.close()


def test_journey_4_works_without_javascript(server: str, browser: Browser) -> None:
    cast = build_cast()
    news = server + reverse("conversations:news", kwargs={"circle_id": cast.circle.pk})
    aunt = signed_in_without_javascript(browser, server, cast.well_wisher)
    aunt.page.goto(news)
    aunt.page.get_by_label("Your message of support").fill("Sending love")
    aunt.page.get_by_role("button", name="Send your support").click()
    expect(aunt.page.locator("li[data-message]", has_text="Sending love")).to_have_count(1)
    aunt.check("news without JavaScript")
    react(aunt, "Sending love", "🤗 Hug")
    expect(aunt.page.locator("li[data-message]", has_text="Sending love")).to_contain_text("🤗 1")
    aunt.check("news after a reaction without JavaScript")
    aunt.close()


def test_every_conversation_page_is_accessible(server: str, browser: Browser) -> None:
    from carecircle.circles.access import access_circle
    from carecircle.conversations import selectors, services

    cast = build_cast()
    circle = cast.circle.pk
    organiser = access_circle(user=cast.organiser, circle_id=circle)
    family = selectors.conversation_access_for(organiser, services.family_conversation(circle=cast.circle))
    news = selectors.conversation_access_for(organiser, services.news_conversation(circle=cast.circle))
    message = services.message_post(
        actor=cast.organiser, where=family, body="Lunch at **1**? https://example.org"
    ).message
    update = services.message_post(actor=cast.organiser, where=news, title="A good week", body="Dad walked").message
    direct = services.direct_conversation(circle=cast.circle, user_id=cast.organiser.pk, other_user_id=cast.helper.pk)
    on_message = {"circle_id": circle, "conversation_id": family.conversation.pk, "message_id": message.pk}
    pages = [
        reverse("conversations:family", kwargs={"circle_id": circle}),
        reverse("conversations:family", kwargs={"circle_id": circle}) + f"?reply_to={message.pk}",
        reverse("conversations:news", kwargs={"circle_id": circle}),
        reverse("conversations:direct_list", kwargs={"circle_id": circle}),
        reverse("conversations:conversation", kwargs={"circle_id": circle, "conversation_id": direct.pk}),
        reverse("conversations:message_edit", kwargs=on_message),
        reverse("conversations:message_remove", kwargs=on_message),
        reverse(
            "conversations:thread", kwargs={"circle_id": circle, "subject_kind": "update", "subject_id": update.pk}
        ),
        reverse("conversations:checkins", kwargs={"circle_id": circle}),
        reverse("conversations:visitors", kwargs={"circle_id": circle}),
        reverse("conversations:search", kwargs={"circle_id": circle}) + "?q=",
        reverse("circles:home", kwargs={"circle_id": circle}),
    ]
    for user, who in ((cast.organiser, "organiser"), (cast.well_wisher, "well-wisher")):
        context, checked = signed_in(browser, user, server)
        for path in pages:
            checked.page.goto(server + path)
            checked.check(f"{path} as {who}")
        context.close()
