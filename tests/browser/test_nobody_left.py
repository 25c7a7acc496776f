"""'I can't cover' when nobody else is set to step in, in Chromium without JavaScript: the page says so
and "Ask everyone who can help" asks each person once; then an organiser's button on the day's page."""

from __future__ import annotations

import datetime

from playwright.sync_api import Browser, expect

from carecircle.tasks.models import AskedAs, StandInAsk
from carecircle.tasks.rota_services import stand_ins_set
from carecircle.tasks.services import task_volunteer
from tests.browser.conftest import sign_in, signed_in_without_javascript
from tests.cast import build_cast
from tests.tasks.conftest import circle_today, make_task


def test_nobody_else_is_set_to_step_in_and_the_helper_asks_everyone_without_javascript(
    server: str, browser: Browser
) -> None:
    cast = build_cast()
    stand_ins_set(actor=cast.organiser, circle=cast.circle, user_ids=[cast.helper.pk])
    lift = make_task(
        actor=cast.organiser, circle=cast.circle, title="Lift", start_date=circle_today() + datetime.timedelta(days=1)
    )
    visit = make_task(
        actor=cast.organiser, circle=cast.circle, title="Visit", start_date=circle_today() + datetime.timedelta(days=4)
    )
    task_volunteer(actor=cast.helper, task=lift, occurrence_date=lift.start_date)
    checked = signed_in_without_javascript(browser, server, cast.helper)
    page = checked.page

    page.goto(f"{server}/circles/{cast.circle.pk}/tasks/cant-cover/")
    expect(page.get_by_text("Nobody is set to step in yet.")).to_be_visible()
    page.get_by_role("button", name="I can't cover").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What happens now")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Nobody else is set to step in for this. The organisers have been told.")
    expect(main).not_to_contain_text("have been asked")
    checked.check("nobody else is set to step in")

    page.get_by_role("button", name="Ask everyone who can help with Lift").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What happens now")
    expect(page.locator(".messages[role=status]")).to_contain_text("Asked 3 people who can help.")
    expect(main).to_contain_text("Everyone who can help has been asked.")
    expect(page.get_by_role("button", name="Ask everyone who can help with Lift")).to_have_count(0)
    checked.check("everyone asked")
    asked = StandInAsk.objects.filter(task=lift, asked_as=AskedAs.EVERYONE).values_list("user_id", flat=True)
    assert sorted(asked) == sorted([cast.person.pk, cast.organiser.pk, cast.paid_carer.pk])

    # An organiser has the same button on any day that still needs someone; pressing it twice asks nobody twice.
    organiser = sign_in(browser.new_context(java_script_enabled=False), server, cast.organiser)
    other = organiser.new_page()
    day = f"{server}/circles/{cast.circle.pk}/tasks/{visit.pk}/?on={visit.start_date.isoformat()}"
    other.goto(day)
    other.get_by_role("button", name="Ask everyone who can help").click()
    expect(other.locator(".messages[role=status]")).to_contain_text("Asked 3 people who can help.")
    other.goto(day)
    other.get_by_role("button", name="Ask everyone who can help").click()
    expect(other.locator(".messages[role=status]")).to_contain_text("Nobody was asked twice.")
    assert StandInAsk.objects.filter(task=visit).count() == 3
    checked.close()
    organiser.close()
