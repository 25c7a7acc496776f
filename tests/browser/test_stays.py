"""Taking on the rest of a stay that has already begun, in Chromium without JavaScript.

A three-day stay began yesterday on the circle's clock, so it is under way at any hour the test
runs. The helper's page says that taking it now means the rest of it; "I'll do it" puts them down
and says until when; the organiser's page shows from when the helper covers it. axe checks each page.
"""

from __future__ import annotations

import datetime

from django.utils.formats import date_format
from playwright.sync_api import Browser, expect

from carecircle.tasks.models import Assignment
from tests.browser.conftest import sign_in, signed_in_without_javascript
from tests.cast import build_cast
from tests.tasks.conftest import circle_today, make_task, on_the_day


def test_a_helper_takes_on_the_rest_of_a_stay_under_way(server: str, browser: Browser) -> None:
    cast = build_cast()
    began = circle_today() - datetime.timedelta(days=1)
    with on_the_day(began - datetime.timedelta(days=2)):
        stay = make_task(
            actor=cast.organiser,
            circle=cast.circle,
            title="Stay with Dad",
            start_date=began,
            start_time=None,
            duration_minutes=3 * 1440,
        )
    last = date_format(began + datetime.timedelta(days=2), "l j F")
    checked = signed_in_without_javascript(browser, server, cast.helper)
    page = checked.page

    page.goto(f"{server}/circles/{cast.circle.pk}/tasks/{stay.pk}/?on={began.isoformat()}")
    main = page.get_by_role("main")
    expect(main).to_contain_text(
        f"This has already begun. If you take it on now, you're down for the rest of it, until {last}."
    )
    checked.check("a stay under way")
    page.get_by_role("button", name="I'll do it").click()
    expect(page.locator(".messages[role=status]")).to_contain_text(
        f"You're down for the rest of \u201cStay with Dad\u201d, until {last}."
    )
    expect(page.get_by_role("button", name="I'll do it")).to_have_count(0)
    checked.check("the rest of a stay taken")
    assert list(Assignment.objects.filter(task=stay).values_list("user_id", flat=True)) == [cast.helper.pk]

    organiser = sign_in(browser.new_context(java_script_enabled=False), server, cast.organiser)
    shown = organiser.new_page()
    shown.goto(f"{server}/circles/{cast.circle.pk}/tasks/{stay.pk}/?on={began.isoformat()}")
    expect(shown.get_by_role("main")).to_contain_text(f"{cast.helper.display_name} (from ")
