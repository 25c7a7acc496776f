"""A stay's span on the agenda, in Chromium without JavaScript.

A four-day stay began yesterday on the circle's clock, so at any hour the test runs today's list
shows it continuing, with its days in words; axe checks the page. The server runs on the real clock:
if the circle's midnight passes between setting up and loading the page, the page's "today" is the
stay's third day, which still continues from the same day and is followed by its fourth.
"""

from __future__ import annotations

import datetime

from django.utils.formats import date_format
from playwright.sync_api import Browser, expect

from tests.browser.conftest import signed_in_without_javascript
from tests.cast import build_cast
from tests.tasks.conftest import circle_today, make_task, on_the_day


def test_the_agenda_shows_a_stay_under_way_as_one_stay(server: str, browser: Browser) -> None:
    cast = build_cast()
    began = circle_today() - datetime.timedelta(days=1)
    with on_the_day(began - datetime.timedelta(days=2)):
        make_task(
            actor=cast.organiser,
            circle=cast.circle,
            title="Stay with Dad",
            start_date=began,
            start_time=None,
            duration_minutes=4 * 1440,
        )
    checked = signed_in_without_javascript(browser, server, cast.helper)
    page = checked.page
    page.goto(f"{server}/circles/{cast.circle.pk}/tasks/")
    # Each day is a heading followed by its list (tasks/calendar.html).
    headings = page.locator("h2.day")
    first = headings.first.inner_text()
    days = [began + datetime.timedelta(days=1), circle_today()]
    shown = [day for day in days if date_format(day, "l j E") in first]
    assert shown, f"the agenda opens on {first!r}, neither of {days}"
    assert began < shown[0] < began + datetime.timedelta(days=3)
    today = headings.first.locator("xpath=following-sibling::ul[1]")
    expect(today).to_contain_text("Stay with Dad")
    expect(today).to_contain_text(f"Continues from {date_format(began, 'l')}")
    last = began + datetime.timedelta(days=3)
    expect(today).to_contain_text(f"{date_format(began, 'D j M')} \u2013 {date_format(last, 'D j M')}, all day")
    tomorrow = headings.nth(1).locator("xpath=following-sibling::ul[1]")
    expect(tomorrow).to_contain_text("Stay with Dad")
    checked.check("the agenda with a stay under way")
    checked.close()
