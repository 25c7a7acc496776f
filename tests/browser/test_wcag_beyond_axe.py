"""WCAG 2.2 AA checks that axe can't make (docs/accessibility.md), in Chromium.

- Keyboard only: sign in, say "I'll do it", post a message, add a medication and change consent
  with Tab, Shift+Tab, Enter and Space (and the arrow keys inside a group of radio buttons, which
  is how a radio group works), checking at every stop that the focus can be seen (2.1.1, 2.4.7).
- After a form error the focus is on the error summary (3.3.1, 2.4.3).
- A live update keeps the focus on the same control, or on the refreshed list when it has gone (2.4.3).
- With "reduce motion" nothing moves (2.3.3).
- Text at twice its size on a 320 px screen: no sideways scrolling, no control cut off (1.4.4, 1.4.10).
- Forced colours (Windows' contrast themes): the focus ring and the buttons' edges stay (1.4.11).

Every wait is on a condition (Playwright's expect and waits), never a fixed sleep.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from carecircle.accounts.models import User
from tests.browser.conftest import make_checked, sign_in
from tests.browser.test_two_step_sign_in import with_server_password
from tests.cast import PASSWORD, Cast, build_cast
from tests.tasks.conftest import make_task

PHONE = {"width": 390, "height": 844}
NEWS = "Can well-wishers read news about you and send their support?"
MOST_TABS = 80
# A page answering a form on a loaded 2-core machine (sign-in hashes the password): wait this long
# for what it shows, without sleeping.
ANSWER_MS = 30_000

# What has the focus, and whether a sighted keyboard user can see where it is.
FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  const label = el.labels && el.labels.length ? el.labels[0].innerText : "";
  return {
    tag: el.tagName.toLowerCase(),
    type: el.getAttribute("type") || "",
    id: el.id,
    name: (el.getAttribute("aria-label") || label || el.innerText || el.value || "").trim().replace(/\\s+/g, " "),
    outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
    shadow: style.boxShadow !== "none",
    seen: box.width > 0 && box.height > 0 && box.bottom > 0 && box.top < innerHeight
      && box.right > 0 && box.left < innerWidth,
  };
}"""


def focused(page: Page) -> dict[str, Any] | None:
    found: dict[str, Any] | None = page.evaluate(FOCUS)
    return found


def tab_to(page: Page, name: str | re.Pattern[str], *, tag: str | None = None, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until the element called `name` has the focus; each stop must show it."""
    wanted = re.compile(re.escape(name)) if isinstance(name, str) else name
    stops: list[str] = []
    for press in range(MOST_TABS + 1):
        if press:  # a field that takes the focus as the page opens needs no key
            page.keyboard.press("Shift+Tab" if backwards else "Tab")
        now = focused(page)
        if now is None:
            stops.append("(page)")
            continue
        stops.append(f"{now['tag']}:{now['name'][:40]}")
        assert now["seen"], f"the focus went somewhere off screen or hidden: {now}"
        assert now["outline"] or now["shadow"], f"the focus can't be seen on {now}"
        if wanted.search(now["name"]) and (tag is None or now["tag"] == tag):
            return
    raise AssertionError(f"Tab never reached {name!r}; it stopped at: {stops}")


def tab_to_element(page: Page, element: Locator) -> None:
    """Press Tab until `element` has the focus, checking the focus can be seen at every stop."""
    for press in range(MOST_TABS + 1):
        if press:
            page.keyboard.press("Tab")
        now = focused(page)
        if now is None:
            continue
        assert now["seen"], f"the focus went somewhere off screen or hidden: {now}"
        assert now["outline"] or now["shadow"], f"the focus can't be seen on {now}"
        if element.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {element}")


def keyboard_context(browser: Browser, server: str, user: User | None = None, **options: Any) -> BrowserContext:
    context = browser.new_context(viewport=options.pop("viewport", PHONE), **options)
    if user is not None:
        sign_in(context, server, user)
    return context


def test_signing_in_with_the_keyboard_alone(server: str, browser: Browser) -> None:
    cast = build_cast()
    context = keyboard_context(browser, server)
    checked = make_checked(context)
    page = checked.page
    page.goto(server + "/")
    tab_to(page, "Sign in", tag="a")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sign in", timeout=ANSWER_MS)
    tab_to(page, "Email address", tag="input")
    page.keyboard.type(with_server_password(cast.organiser).email)
    tab_to(page, "Password", tag="input")
    page.keyboard.type(PASSWORD)
    tab_to(page, re.compile("^Sign in$"), tag="button")
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Your account")).to_be_visible(timeout=ANSWER_MS)
    checked.check("signed in with the keyboard")
    context.close()


def test_volunteering_for_a_task_with_the_keyboard_alone(server: str, browser: Browser) -> None:
    cast = build_cast()
    make_task(actor=cast.organiser, circle=cast.circle, title="Lift to hospital")
    context = keyboard_context(browser, server, cast.helper)
    checked = make_checked(context)
    page = checked.page
    page.goto(f"{server}/circles/{cast.circle.pk}/tasks/needs-help/")
    expect(page.get_by_role("link", name="Lift to hospital")).to_be_visible(timeout=ANSWER_MS)
    tab_to(page, "Lift to hospital", tag="a")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lift to hospital", timeout=ANSWER_MS)
    tab_to(page, "I'll do it", tag="button")
    page.keyboard.press("Space")
    expect(page.locator(".messages")).to_contain_text("You're down for", timeout=ANSWER_MS)
    checked.check("volunteered with the keyboard")
    context.close()


def test_posting_a_message_with_the_keyboard_alone(server: str, browser: Browser) -> None:
    cast = build_cast()
    context = keyboard_context(browser, server, cast.helper)
    checked = make_checked(context)
    page = checked.page
    page.goto(f"{server}/circles/{cast.circle.pk}/talk/")
    tab_to(page, re.compile("^Message"), tag="textarea")
    page.keyboard.type("Can someone take Dad's prescription on Friday?")
    tab_to(page, re.compile("^Send$"), tag="button")
    page.keyboard.press("Enter")
    expect(page.locator("li[data-message]", has_text="prescription on Friday")).to_have_count(1, timeout=ANSWER_MS)
    checked.check("message posted with the keyboard")
    context.close()


def test_adding_a_medication_with_the_keyboard_and_the_focus_after_an_error(server: str, browser: Browser) -> None:
    cast = build_cast()
    context = keyboard_context(browser, server, cast.organiser)
    checked = make_checked(context)
    page = checked.page
    page.goto(f"{server}/circles/{cast.circle.pk}/record/medications/")
    tab_to(page, "Add a medication", tag="a")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a medication", timeout=ANSWER_MS)
    # Saved empty: the page comes back with the focus on the summary of what went wrong.
    tab_to(page, re.compile("^Save$"), tag="button")
    page.keyboard.press("Enter")
    expect(page.locator("#error-summary")).to_be_focused(timeout=ANSWER_MS)
    checked.check("the medication form with an error")
    tab_to(page, re.compile("^Medicine"), tag="input")
    page.keyboard.type("Metformin")
    tab_to(page, "Strength", tag="input")
    page.keyboard.type("500 mg")
    tab_to(page, "Dose", tag="input")
    page.keyboard.type("1 tablet")
    tab_to(page, "When", tag="input")
    page.keyboard.type("twice a day with food")
    tab_to(page, re.compile("^Save$"), tag="button")
    page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_contain_text("Saved the medication.", timeout=ANSWER_MS)
    card = page.locator("li.entry", has_text="Metformin")
    expect(card.locator(".entry-line")).to_have_text("500 mg · 1 tablet · twice a day with food", timeout=ANSWER_MS)
    # The card's links are in the tab order, going back up the page as well as down.
    tab_to(page, "History and comments for Metformin", tag="a")
    tab_to(page, "Change Metformin", tag="a", backwards=True)
    checked.check("a medication added with the keyboard")
    context.close()


def test_changing_consent_with_the_keyboard_alone(server: str, browser: Browser) -> None:
    cast = build_cast()
    context = keyboard_context(browser, server, cast.person)
    checked = make_checked(context)
    page = checked.page
    page.goto(f"{server}/circles/{cast.circle.pk}/consent/")
    news = page.get_by_role("group", name=NEWS)
    tab_to_element(page, news.get_by_label("Yes"))
    page.keyboard.press("ArrowDown")
    expect(news.get_by_label("No")).to_be_checked(timeout=ANSWER_MS)
    tab_to(page, "Save answers", tag="button")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").first).to_contain_text("Saved", timeout=ANSWER_MS)
    expect(page.get_by_role("group", name=NEWS).get_by_label("No")).to_be_checked(timeout=ANSWER_MS)
    checked.check("consent changed with the keyboard")
    context.close()
    cast.circle.refresh_from_db()
    assert "updates.read" not in cast.circle.consent["well_wisher"]


def circle_pages(cast: Cast) -> list[str]:
    circle = f"/circles/{cast.circle.pk}"
    return [
        f"{circle}/",
        f"{circle}/tasks/",
        f"{circle}/tasks/month/",
        f"{circle}/record/",
        f"{circle}/record/medications/",
        f"{circle}/record/medications/add/",
        f"{circle}/consent/",
        f"{circle}/talk/",
        "/account/",
        "/notifications/preferences/",
        "/notifications/preferences/when/",
        "/notifications/preferences/push/",
        "/notifications/preferences/kinds/",
    ]


# Every element animated or in transition, with what it does.
MOVING = """() => [...document.querySelectorAll("*")].flatMap(el => {
  const style = getComputedStyle(el);
  const seconds = value => Math.max(...value.split(",").map(part => parseFloat(part) || 0));
  const moving = [];
  if (style.animationName !== "none" && seconds(style.animationDuration) > 0) moving.push("animation");
  if (seconds(style.transitionDuration) > 0) moving.push("transition");
  return moving.length ? [`${el.tagName.toLowerCase()}.${el.className}: ${moving.join(", ")}`] : [];
})"""
SPINNER = "@keyframes spin{to{transform:rotate(1turn)}}.tabs a,.button{animation:spin 2s infinite;transition:color 1s}"


def test_nothing_moves_when_reduced_motion_is_asked_for(server: str, browser: Browser) -> None:
    cast = build_cast()
    make_task(actor=cast.organiser, circle=cast.circle, title="Lift to hospital")
    # The check itself: a page that animates is caught when motion is allowed...
    moving = keyboard_context(browser, server, cast.organiser, reduced_motion="no-preference", bypass_csp=True)
    page = moving.new_page()
    page.goto(f"{server}/circles/{cast.circle.pk}/tasks/")
    page.add_style_tag(content=SPINNER)
    assert page.evaluate(MOVING), "the check finds nothing moving even on a spinning page"
    moving.close()
    # ...and with reduced motion the site's rule stops it, and nothing on any page moves.
    still = keyboard_context(browser, server, cast.organiser, reduced_motion="reduce", bypass_csp=True)
    page = still.new_page()
    for path in circle_pages(cast):
        page.goto(server + path)
        assert page.evaluate("matchMedia('(prefers-reduced-motion: reduce)').matches")
        assert page.evaluate(MOVING) == [], path
        assert page.evaluate("getComputedStyle(document.documentElement).scrollBehavior") != "smooth", path
    page.add_style_tag(content=SPINNER)
    assert page.evaluate(MOVING) == [], "the reduced-motion rule doesn't override a page's own animation"
    still.close()


# Controls and text that stick out of a 320 px screen, or the page scrolling sideways.
OVERFLOW = """() => {
  const root = document.documentElement;
  const width = root.clientWidth;
  const found = [];
  if (root.scrollWidth > width + 1) found.push(`the page is ${root.scrollWidth}px wide`);
  const shown = "a, button, input, select, textarea, summary, label, h1, h2, h3, p, li, td, th";
  for (const el of document.querySelectorAll(shown)) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || getComputedStyle(el).visibility === "hidden") continue;
    if (el.closest(".visually-hidden, .skip-link")) continue;
    if (box.left >= -1 && box.right <= width + 1) continue;
    const text = (el.innerText || el.value || el.name || "").trim().slice(0, 40);
    found.push(`${el.tagName.toLowerCase()} "${text}" spans ${Math.round(box.left)} to ${Math.round(box.right)}`);
  }
  return found;
}"""


def test_text_at_twice_the_size_on_a_small_screen_loses_nothing(server: str, browser: Browser) -> None:
    cast = build_cast()
    make_task(actor=cast.organiser, circle=cast.circle, title="Lift to the eye clinic at St James's Hospital")
    for user, paths in [
        (None, ["/", "/account/sign-in/", "/account/create/", "/accessibility/"]),
        (cast.organiser, circle_pages(cast)),
    ]:
        context = keyboard_context(browser, server, user, viewport={"width": 320, "height": 640}, bypass_csp=True)
        page = context.new_page()
        for path in paths:
            page.goto(server + path)
            # The browser's "text size" setting: every size on the site is in rem, so it follows the root.
            page.add_style_tag(content="html{font-size:200%!important}")
            page.wait_for_function("parseFloat(getComputedStyle(document.body).fontSize) >= 32")
            assert page.evaluate(OVERFLOW) == [], path
        context.close()


# Buttons drawn with a border a contrast theme keeps (it removes backgrounds and shadows).
UNEDGED_BUTTONS = """() => [...document.querySelectorAll("button:not(.link-button), .button")].filter(el => {
  const box = el.getBoundingClientRect();
  if (box.width === 0) return false;
  const style = getComputedStyle(el);
  return style.borderTopStyle === "none" || parseFloat(style.borderTopWidth) < 1;
}).map(el => el.innerText.trim())"""


def test_forced_colours_keep_the_focus_ring_and_the_buttons(server: str, browser: Browser) -> None:
    cast = build_cast()
    make_task(actor=cast.organiser, circle=cast.circle, title="Lift to hospital")
    context = keyboard_context(browser, server, cast.organiser, forced_colors="active")
    page = context.new_page()
    for path in circle_pages(cast):
        page.goto(server + path)
        assert page.evaluate("matchMedia('(forced-colors: active)').matches")
        assert page.evaluate(UNEDGED_BUTTONS) == [], path
        # The ring must be an outline: a contrast theme drops box shadows.
        for _ in range(6):
            page.keyboard.press("Tab")
            now = focused(page)
            assert now is not None, path
            assert now["outline"], f"{path}: no outline on {now} in forced colours"
    context.close()


def test_a_live_update_keeps_the_keyboard_focus_where_it_was(server: str, browser: Browser) -> None:
    """Someone else's change refreshes the list the focus is in: the focus stays on the same link,
    and moves to the list itself when that link has gone (2.4.3), never back to the top of the page."""
    cast = build_cast()
    for title in ("Lift to hospital", "Sunday lunch visit", "Shopping for the week"):
        make_task(actor=cast.organiser, circle=cast.circle, title=title)
    help_needed = f"{server}/circles/{cast.circle.pk}/tasks/needs-help/"
    context = keyboard_context(browser, server, cast.helper)
    page = make_checked(context).page
    page.goto(help_needed)
    expect(page.locator("[data-live-status]")).to_have_text(re.compile("^Live"), timeout=ANSWER_MS)
    needs = page.locator("[data-live-src]")
    organiser_context = keyboard_context(browser, server, cast.organiser)
    organiser = organiser_context.new_page()

    def organiser_takes(title: str) -> None:
        organiser.goto(help_needed)
        organiser.get_by_role("link", name=title).first.click()
        organiser.get_by_role("button", name="I'll do it").click()
        expect(organiser.locator(".messages")).to_contain_text("You're down for", timeout=ANSWER_MS)

    tab_to(page, "Sunday lunch visit", tag="a")
    organiser_takes("Shopping for the week")
    expect(needs).not_to_contain_text("Shopping for the week", timeout=ANSWER_MS)
    now = focused(page)
    assert now is not None, "the focus went back to the page"
    assert (now["tag"], now["name"]) == ("a", "Sunday lunch visit")

    tab_to(page, "Lift to hospital", tag="a", backwards=True)
    organiser_takes("Lift to hospital")
    expect(needs).not_to_contain_text("Lift to hospital", timeout=ANSWER_MS)
    assert needs.evaluate("el => el === document.activeElement"), focused(page)
    # From the list, the next Tab goes on into the list, not from the top of the page.
    page.keyboard.press("Tab")
    assert needs.evaluate("el => el.contains(document.activeElement)"), focused(page)
    organiser_context.close()
    context.close()
