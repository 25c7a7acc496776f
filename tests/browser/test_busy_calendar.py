"""A busy day in the calendar without JavaScript: the agenda's "Later" part-way through a day, the
week's "N more on this day", and the month's day linked to its week (docs/architecture/tasks.md,
"Calendar pages within 14 KB"). axe and the first-HTML budget (14,336 bytes) are checked on each
page; the month is read at a phone's width and at a desktop's.
"""

from __future__ import annotations

import datetime

from django.urls import reverse
from playwright.sync_api import Browser, expect

from carecircle.tasks.views import AGENDA_LIMIT, WEEK_DAY_LIMIT
from tests.browser.conftest import signed_in_without_javascript
from tests.cast import build_cast
from tests.tasks.conftest import make_task, soon

VISITS = AGENDA_LIMIT + 4
# More than a week's worth on one day: the only busy day shows its first three.
SHOWN = WEEK_DAY_LIMIT


def test_a_busy_day_in_the_agenda_week_and_month_without_javascript(server: str, browser: Browser) -> None:
    cast = build_cast()
    day = soon(1)
    for number in range(VISITS):
        make_task(
            actor=cast.organiser,
            circle=cast.circle,
            title=f"Visit {number:02}",
            start_date=day,
            start_time=datetime.time(6 + number // 2, number % 2 * 30),
        )
    circle = {"circle_id": cast.circle.pk}
    rows = "[data-live-src] .occurrences > li"

    visitor = signed_in_without_javascript(browser, server, cast.helper)
    try:
        page = visitor.page
        # The month on a phone: the busy day with its count, linked to its week.
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{server}{reverse('tasks:month', kwargs=circle)}?month={day}")
        busy = page.locator(".month-days > li").filter(has_text=f"{VISITS} things")
        expect(busy).to_be_visible()
        expect(busy).to_contain_text(f"{VISITS} need help")
        expect(page.locator(".month-days > li:visible")).to_have_count(1)
        visitor.check("month on a phone")
        page.set_viewport_size({"width": 1280, "height": 900})
        expect(page.locator(".month-days > li:visible")).not_to_have_count(1)
        visitor.check("month on a desktop")
        busy.get_by_role("link").click()
        expect(page).to_have_url(f"{server}{reverse('tasks:week', kwargs=circle)}?start={day}")

        # The week: the day's first entries and a link to the rest.
        expect(page.locator(rows)).to_have_count(SHOWN)
        visitor.check("week with a busy day")
        page.get_by_role("link", name=f"{VISITS - SHOWN} more on this day").click()
        agenda = f"{server}{reverse('tasks:agenda', kwargs=circle)}"
        expect(page).to_have_url(f"{agenda}?from={day}")

        # The agenda: a page of entries, then "Later" goes on part-way through the same day.
        expect(page.locator(rows)).to_have_count(AGENDA_LIMIT)
        visitor.check("agenda, first page")
        page.get_by_role("link", name="Later").click()
        expect(page).to_have_url(f"{agenda}?from={day}&skip={AGENDA_LIMIT}")
        expect(page.locator(rows).filter(has_text="Visit")).to_have_count(VISITS - AGENDA_LIMIT)
        expect(page.get_by_role("link", name="Visit 00")).to_have_count(0)
        visitor.check("agenda, where the first page stopped")
        # Its rows link to the task's own page, relative to the list.
        page.get_by_role("link", name=f"Visit {VISITS - 1:02}").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(f"Visit {VISITS - 1:02}")
    finally:
        visitor.close()
