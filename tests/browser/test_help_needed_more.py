""" "Help needed" of a busy circle: its first entries and a "Show more" link, with and without JavaScript.

Fifteen lifts tomorrow need help; the page shows the first ten and a link to the rest. Without
JavaScript the helper follows the link, finds the other five with their own "You're going" on the
one they are down for, and comes back to today. With JavaScript, the later page follows a change
made elsewhere (the paid carer takes a lift) without a reload. axe and the first-HTML budget
(14,336 bytes) are checked on each page.
"""

from __future__ import annotations

import datetime

from django.urls import reverse
from playwright.sync_api import Browser, expect

from carecircle.tasks.services import task_volunteer
from carecircle.tasks.views import NEEDS_HELP_LIMIT
from tests.browser.conftest import make_checked, sign_in, signed_in_without_javascript
from tests.cast import build_cast
from tests.tasks.conftest import make_task, soon

LIFTS = NEEDS_HELP_LIMIT + 5


def test_show_more_help_needed_with_and_without_javascript(server: str, browser: Browser) -> None:
    cast = build_cast()
    day = soon(1)
    lifts = [
        make_task(
            actor=cast.organiser,
            circle=cast.circle,
            title=f"Lift {number:02}",
            start_date=day,
            start_time=datetime.time(7 + number // 2, number % 2 * 30),
            people_needed=2 if number == LIFTS - 1 else 1,
        )
        for number in range(LIFTS)
    ]
    # The last lift needs two people: the helper is down for it, so it still needs help.
    task_volunteer(actor=cast.helper, task=lifts[-1], occurrence_date=day)
    url = f"{server}{reverse('tasks:needs_help', kwargs={'circle_id': cast.circle.pk})}"
    rows = "[data-live-src] .occurrences > li"

    without_script = signed_in_without_javascript(browser, server, cast.helper)
    try:
        page = without_script.page
        page.goto(url)
        expect(page.locator(rows)).to_have_count(NEEDS_HELP_LIMIT)
        expect(page.get_by_role("link", name="Lift 00")).to_be_visible()
        expect(page.get_by_role("link", name=f"Lift {LIFTS - 1:02}")).to_have_count(0)
        without_script.check("help needed, first page")
        page.get_by_role("navigation", name="More help needed").get_by_role(
            "link", name="Show more help needed"
        ).click()
        expect(page).to_have_url(f"{url}?from={day}&skip={NEEDS_HELP_LIMIT}")
        expect(page.locator(rows)).to_have_count(LIFTS - NEEDS_HELP_LIMIT)
        expect(page.get_by_role("link", name="Lift 00")).to_have_count(0)
        last = page.locator(rows).filter(has_text=f"Lift {LIFTS - 1:02}")
        expect(last).to_contain_text("You're going")
        expect(page.get_by_text("You're going")).to_have_count(1)
        expect(page.get_by_role("link", name="Show more help needed")).to_have_count(0)
        without_script.check("help needed, second page")
        page.get_by_role("link", name="Back to today").click()
        expect(page.locator(rows)).to_have_count(NEEDS_HELP_LIMIT)
    finally:
        without_script.close()

    helper = make_checked(sign_in(browser.new_context(), server, cast.helper))
    carer = make_checked(sign_in(browser.new_context(), server, cast.paid_carer))
    try:
        page = helper.page
        page.goto(url)
        page.get_by_role("link", name="Show more help needed").click()
        expect(page.locator(rows)).to_have_count(LIFTS - NEEDS_HELP_LIMIT)
        taken = lifts[NEEDS_HELP_LIMIT]
        detail = reverse("tasks:detail", kwargs={"circle_id": cast.circle.pk, "task_id": taken.pk})
        carer.page.goto(f"{server}{detail}?on={day}")
        carer.page.get_by_role("button", name="I'll do it").click()
        expect(carer.page.locator(".messages")).to_contain_text("You're down for")

        # Covered now, the lift leaves the later page without a reload; the helper's own tag stays.
        expect(page.get_by_role("link", name=taken.title)).to_have_count(0, timeout=10_000)
        expect(page.locator(rows)).to_have_count(LIFTS - NEEDS_HELP_LIMIT - 1)
        expect(page.locator(rows).filter(has_text=f"Lift {LIFTS - 1:02}")).to_contain_text("You're going")
        helper.check("help needed, second page after a live update")
    finally:
        helper.close()
        carer.close()
