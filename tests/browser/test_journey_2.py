"""Journey 2 (PRODUCT.md), up to where email and text replies come in: the daughter adds "Lift to
hospital, Tue 10:30" and a weekly "Sunday lunch visit"; her brother says "I'll do it" for the lift,
and her open calendar shows it covered without a reload. axe checks every page on the way."""

from __future__ import annotations

import datetime
import re

from playwright.sync_api import Browser, expect

from carecircle.accounts.models import User
from carecircle.tasks.models import Assignment, Task
from tests.browser.conftest import Checked, make_checked, sign_in, signed_in_without_javascript
from tests.cast import build_cast
from tests.tasks.conftest import circle_today


def next_weekday(weekday: int) -> datetime.date:
    """The next such day after today on the circle's clock (the machine's date can be a day behind London's)."""
    today = circle_today()
    return today + datetime.timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def signed_in(browser: Browser, server: str, user: User) -> Checked:
    context = browser.new_context()
    sign_in(context, server, user)
    return make_checked(context)


def add_task(
    checked: Checked, *, title: str, category: str, day: datetime.date, start: str, end: str, weekly: bool
) -> None:
    page = checked.page
    page.get_by_role("link", name="Add help that's needed").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What help does Dad need?")
    checked.check(f"add {title}")
    page.get_by_label("What's needed").fill(title)
    page.get_by_label("Kind of help").select_option(label=category)
    page.get_by_label("Date", exact=True).fill(day.isoformat())
    page.get_by_label("Start time").fill(start)
    page.get_by_label("End time").fill(end)
    if weekly:
        page.get_by_label("Repeats").select_option(label="Every week")
    page.get_by_role("button", name="Add to the calendar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    checked.check(f"{title} added")


def test_journey_2_add_help_and_a_brother_takes_it(server: str, browser: Browser) -> None:
    cast = build_cast()
    tuesday, sunday = next_weekday(1), next_weekday(6)
    daughter = signed_in(browser, server, cast.organiser)
    page = daughter.page
    page.goto(f"{server}/circles/{cast.circle.pk}/")
    daughter.check("circle home")
    add_task(daughter, title="Lift to hospital", category="Lift", day=tuesday, start="10:30", end="12:30", weekly=False)
    page.get_by_role("link", name="Dad").first.click()
    add_task(
        daughter,
        title="Sunday lunch visit",
        category="Visit or company",
        day=sunday,
        start="12:30",
        end="14:00",
        weekly=True,
    )
    assert Task.objects.get(title="Sunday lunch visit").rule == "FREQ=WEEKLY"

    # The daughter keeps the calendar open on "Help needed".
    page.get_by_role("link", name="Calendar").first.click()
    daughter.check("agenda")
    page.get_by_role("link", name="Help needed").click()
    daughter.check("help needed")
    needs = page.locator("[data-live-src]")
    expect(needs).to_contain_text("Lift to hospital")

    brother = signed_in(browser, server, cast.helper)
    brother.page.goto(f"{server}/circles/{cast.circle.pk}/")
    expect(brother.page.get_by_role("region", name="Help needed and calendar")).to_contain_text(
        re.compile(r"[23] things need help")
    )
    brother.check("circle home as a helper")
    brother.page.get_by_role("link", name="Lift to hospital").first.click()
    brother.check("the lift")
    brother.page.get_by_role("button", name="I'll do it").click()
    expect(brother.page.locator(".messages")).to_contain_text("You're down for")
    brother.check("after saying I'll do it")
    assert Assignment.objects.get().user == cast.helper

    # Live: the lift leaves the daughter's open "Help needed" list without a reload.
    expect(needs).not_to_contain_text("Lift to hospital", timeout=10_000)
    expect(needs).to_contain_text("Sunday lunch visit")
    daughter.check("help needed after a live update")

    for view in ("Week", "Month", "Paid care rota"):
        page.get_by_role("link", name=view, exact=True).click()
        daughter.check(view)
    page.goto(f"{server}/tasks/mine/")
    daughter.check("what I'm doing")
    brother.page.goto(f"{server}/tasks/mine/")
    expect(brother.page.get_by_role("main")).to_contain_text("Lift to hospital")
    brother.check("what I'm doing as the brother")
    brother.page.get_by_role("link", name="Put this in your own calendar app, and choose your reminders").click()
    brother.page.get_by_role("button", name="Make an address").first.click()
    expect(brother.page.locator("input[readonly]").first).to_have_value(feed_address())
    brother.check("calendar and reminders")


def feed_address() -> re.Pattern[str]:
    return re.compile(r"/calendar/[\w-]+\.ics$")


def test_journey_2_works_without_javascript(server: str, browser: Browser) -> None:
    cast = build_cast()
    checked = signed_in_without_javascript(browser, server, cast.organiser)
    checked.page.goto(f"{server}/circles/{cast.circle.pk}/")
    add_task(
        checked,
        title="Lift to hospital",
        category="Lift",
        day=next_weekday(1),
        start="10:30",
        end="12:30",
        weekly=False,
    )
    checked.page.get_by_role("button", name="I'll do it").click()
    expect(checked.page.get_by_role("main")).to_contain_text("Covered")
    checked.check("covered without JavaScript")
    checked.close()
