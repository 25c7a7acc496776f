"""A page opened again comes back as a 304 and the browser's copy is shown (web/conditional_pages.py,
docs/architecture/page-weight.md "Repeat visits"): its forms still send, its inline style and
scripts still run under the stored policy, and a sign-in, sign-out or language change never shows
the copy kept for before. Each 200 masks the CSRF token afresh, so the same token on the page twice
means the second came from the browser's copy."""

from __future__ import annotations

from django.urls import reverse
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from carecircle.accounts.models import User
from tests.browser.conftest import Checked, make_checked, sign_in
from tests.browser.test_two_step_sign_in import with_server_password
from tests.cast import PASSWORD, build_cast

TOKEN = "input[name=csrfmiddlewaretoken]"
# A rule of the inline stylesheet (web/styles.css): drawn only if the stored page's nonce still
# matches the policy the browser kept with it.
STYLED = "() => getComputedStyle(document.querySelector('main')).display"


def policy_refusals(page: Page) -> list[str]:
    refused: list[str] = []

    def seen(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    page.on("console", seen)
    return refused


def opened_again(page: Page, url: str) -> str:
    """Open the page twice more; the token it shows, the same both times (the browser's copy, by a 304)."""
    page.goto(url)
    token = page.locator(TOKEN).first.input_value()
    page.goto(url)
    assert page.locator(TOKEN).first.input_value() == token, "the page was sent again, not confirmed by a 304"
    return token


def test_a_members_form_sends_from_the_copy_a_304_confirmed(server: str, browser: Browser) -> None:
    cast = build_cast()
    member: Checked = make_checked(sign_in(browser.new_context(), server, cast.organiser))
    page = member.page
    refused = policy_refusals(page)
    profile = server + reverse("accounts:profile")
    page.goto(profile)
    # The service worker fetches every page from here on: its fetch must ask conditionally too.
    page.wait_for_function("() => navigator.serviceWorker.ready.then(() => true)")
    page.goto(profile)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    opened_again(page, profile)
    assert page.evaluate(STYLED) == "flow-root"
    member.check("the account page, from the browser's copy")

    page.locator("#id_display_name").fill("Olivia O.")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".messages")).to_contain_text("Your details have been saved.")
    cast.organiser.refresh_from_db()
    assert cast.organiser.display_name == "Olivia O."
    # Changed, so sent again: the new name, never the copy from before.
    page.goto(profile)
    expect(page.locator("#id_display_name")).to_have_value("Olivia O.")
    assert refused == []
    member.close()


def test_a_visitors_forms_send_from_the_copy_and_nothing_stale_is_shown(server: str, browser: Browser) -> None:
    cast = build_cast()
    organiser, helper = with_server_password(cast.organiser), with_server_password(cast.helper)
    visitor: Checked = make_checked(browser.new_context())
    page = visitor.page
    refused = policy_refusals(page)
    login = server + reverse("accounts:login")
    page.goto(login)
    opened_again(page, login)
    assert page.evaluate(STYLED) == "flow-root"

    # Another language: the page in Welsh, not the English copy the browser holds.
    page.get_by_role("button", name="Cymraeg").click()
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    opened_again(page, login)
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    # Signing in from the copy works (its token is still good) and the copy is not shown again.
    signed_in_as(page, organiser)
    page.goto(login)
    expect(page).not_to_have_url(login)

    # Signed out and in as someone else: the account page is theirs, never the one kept before.
    profile = server + reverse("accounts:profile")
    page.goto(profile)
    expect(page.locator("#id_display_name")).to_have_value(organiser.display_name)
    page.locator("form[data-sign-out] button").click()
    page.wait_for_load_state("load")
    page.goto(profile)
    expect(page).not_to_have_url(profile)
    page.goto(login)
    signed_in_as(page, helper)
    page.goto(profile)
    expect(page.locator("#id_display_name")).to_have_value(helper.display_name)
    assert refused == []
    visitor.close()


def signed_in_as(page: Page, user: User) -> None:
    page.locator("#id_email").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("load")
    expect(page.locator("form[data-sign-out]")).to_have_count(1)
