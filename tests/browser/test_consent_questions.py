"""The person answers plain questions about who sees what, with the keyboard, in Chromium.

Dad says no to well-wishers reading news, saves, and sees the answer and the summary sentence
change; "Show every permission" opens the full grid, which agrees. axe checks each state.
"""

from __future__ import annotations

from playwright.sync_api import Browser, BrowserContext, expect

from tests.browser.conftest import Checked, make_checked, sign_in
from tests.cast import Cast, build_cast

NEWS = "Can well-wishers read news about you and send their support?"
SAVE_ANSWERS_IN_WELSH = "Cadw'r atebion"  # "Save answers"


def _on_the_consent_page(server: str, browser: Browser, cast: Cast) -> tuple[BrowserContext, Checked]:
    """The person, signed in on a phone-sized screen, on their circle's consent page."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    sign_in(context, server, cast.person)
    checked = make_checked(context)
    checked.page.goto(f"{server}/circles/{cast.circle.pk}/consent/")
    return context, checked


def test_the_person_answers_a_plain_question_with_the_keyboard(server: str, browser: Browser) -> None:
    cast = build_cast()
    context, checked = _on_the_consent_page(server, browser, cast)
    page = checked.page
    checked.check("consent questions")
    question = page.get_by_role("group", name=NEWS)
    expect(question.get_by_label("Yes")).to_be_checked()
    expect(page.get_by_text("Now: Well-wishers can read news and send support.")).to_be_visible()
    # The grid is folded away until asked for.
    expect(page.get_by_label("Read updates about how things are going").first).to_be_hidden()

    question.get_by_label("No").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Save answers").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").first).to_contain_text("Saved")
    expect(page.get_by_role("group", name=NEWS).get_by_label("No")).to_be_checked()
    expect(page.get_by_text("Now: Well-wishers can see the circle, but nothing else.")).to_be_visible()
    checked.check("consent questions saved")

    page.get_by_text("Show every permission").focus()
    page.keyboard.press("Enter")
    well_wishers_news = page.locator("#consent-well_wisher-updates-read")
    expect(well_wishers_news).to_be_visible()
    expect(well_wishers_news).not_to_be_checked()
    expect(page.locator("#consent-helper-updates-read")).to_be_checked()
    checked.check("every permission shown")
    cast.circle.refresh_from_db()
    assert "updates.read" not in cast.circle.consent["well_wisher"]
    assert "support.send" not in cast.circle.consent["well_wisher"]
    context.close()


def test_a_welsh_speaker_answers_the_same_question_in_welsh(server: str, browser: Browser) -> None:
    cast = build_cast()
    cast.person.language = "cy"
    cast.person.save(update_fields=["language"])
    context, checked = _on_the_consent_page(server, browser, cast)
    page = checked.page
    # "Can well-wishers read news about you and send their support?", answered "They can"/"They can't".
    news = "Ydy cefnogwyr yn cael darllen newyddion amdanoch chi ac anfon eu cefnogaeth?"
    question = page.get_by_role("group", name=news)
    expect(question.get_by_label("Ydyn", exact=True)).to_be_checked()
    expect(page.get_by_text("Mae cefnogwyr yn gallu darllen newyddion ac anfon cefnogaeth.")).to_be_visible()
    checked.check("consent questions in Welsh")

    question.get_by_label("Nac ydyn").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name=SAVE_ANSWERS_IN_WELSH).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("group", name=news).get_by_label("Nac ydyn")).to_be_checked()
    expect(page.get_by_text("Mae cefnogwyr yn gallu gweld y cylch, ond dim byd arall.")).to_be_visible()
    checked.check("consent questions saved in Welsh")
    cast.circle.refresh_from_db()
    assert "updates.read" not in cast.circle.consent["well_wisher"]
    context.close()
