"""An organiser takes a helper off a task from its page, in Chromium with and without JavaScript.

A lift three days ahead needs two people; the helper and the paid carer are down for it. The
organiser opens "Take Helper off" (a disclosure, so one tap changes nothing), writes a note and
confirms; then, without JavaScript, takes the paid carer off the same way. Each is told, with the
note; the helper sees no such control. axe checks each page, with the disclosure open.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.formats import date_format
from playwright.sync_api import Browser, expect

from carecircle.notifications.models import Delivery
from carecircle.tasks.models import Assignment, Task
from carecircle.tasks.services import task_volunteer
from tests.browser.conftest import Checked, make_checked, sign_in, signed_in_without_javascript
from tests.cast import build_cast
from tests.tasks.conftest import make_task, soon


def going(task: Task) -> list[int]:
    return sorted(Assignment.objects.filter(task=task, withdrawn_at__isnull=True).values_list("user_id", flat=True))


def take_off(checked: Checked, name: str, note: str) -> None:
    page = checked.page
    summary = page.get_by_text(f"Take {name} off", exact=True)
    confirm = page.get_by_role("button", name=f"Yes, take {name} off")
    expect(confirm).to_be_hidden()
    summary.focus()
    page.keyboard.press("Enter")
    expect(confirm).to_be_visible()
    page.get_by_label(f"A note for {name} (optional)").fill(note)
    checked.check(f"taking {name} off, opened")
    confirm.click()


def test_an_organiser_takes_helpers_off_with_and_without_javascript(server: str, browser: Browser) -> None:
    cast = build_cast()
    day = soon(3)
    lift = make_task(actor=cast.organiser, circle=cast.circle, start_date=day, people_needed=2)
    task_volunteer(actor=cast.helper, task=lift, occurrence_date=day)
    task_volunteer(actor=cast.paid_carer, task=lift, occurrence_date=day)
    url = f"{server}{reverse('tasks:detail', kwargs={'circle_id': cast.circle.pk, 'task_id': lift.pk})}?on={day}"
    said = (
        "You've taken {name} off \u201cLift to hospital\u201d on "
        + date_format(day, "l j E")
        + ". It needs help again."
    )

    helper = signed_in_without_javascript(browser, server, cast.helper)
    try:
        helper.page.goto(url)
        expect(helper.page.get_by_role("heading", name="Lift to hospital")).to_be_visible()
        expect(helper.page.get_by_text("Take Paid Carer off")).to_have_count(0)
    finally:
        helper.close()

    with_script = make_checked(sign_in(browser.new_context(), server, cast.organiser))
    try:
        with_script.page.goto(url)
        take_off(with_script, "Helper", "Sam is driving instead")
        expect(with_script.page.locator(".messages[role=status]")).to_have_text(said.format(name="Helper"))
        expect(with_script.page.get_by_text("Take Helper off", exact=True)).to_have_count(0)
        with_script.check("a helper taken off")
    finally:
        with_script.close()
    assert going(lift) == [cast.paid_carer.pk]

    without_script = signed_in_without_javascript(browser, server, cast.organiser)
    try:
        without_script.page.goto(url)
        take_off(without_script, "Paid Carer", "")
        expect(without_script.page.locator(".messages[role=status]")).to_have_text(said.format(name="Paid Carer"))
        expect(without_script.page.get_by_role("heading", name="Someone can't go after all?")).to_have_count(0)
        without_script.check("everyone taken off")
    finally:
        without_script.close()
    assert going(lift) == []

    told = Delivery.objects.get(recipient=cast.helper, idempotency_key__startswith="task-taken-off-", channel="email")
    assert told.subject == f"Olivia Organiser has taken you off Lift to hospital on {date_format(day, 'l j E')}"
    assert "Their note: Sam is driving instead" in told.body
    assert Delivery.objects.filter(recipient=cast.paid_carer, idempotency_key__startswith="task-taken-off-").exists()


def test_the_take_off_list_follows_who_says_they_will_go_live_and_keeps_an_open_note(
    server: str, browser: Browser
) -> None:
    """The organiser has started taking the helper off when the paid carer says "I'll do it" elsewhere.

    Without a reload, "Take Paid Carer off" appears, and the helper's open disclosure keeps its note.
    """
    cast = build_cast()
    day = soon(3)
    lift = make_task(actor=cast.organiser, circle=cast.circle, start_date=day, people_needed=2)
    task_volunteer(actor=cast.helper, task=lift, occurrence_date=day)
    url = f"{server}{reverse('tasks:detail', kwargs={'circle_id': cast.circle.pk, 'task_id': lift.pk})}?on={day}"

    organiser = make_checked(sign_in(browser.new_context(), server, cast.organiser))
    carer = make_checked(sign_in(browser.new_context(), server, cast.paid_carer))
    try:
        page = organiser.page
        page.goto(url)
        expect(page.get_by_text("Take Paid Carer off", exact=True)).to_have_count(0)
        page.get_by_text("Take Helper off", exact=True).click()
        note = page.get_by_label("A note for Helper (optional)")
        note.fill("Sam is driving instead")

        carer.page.goto(url)
        carer.page.get_by_role("button", name="I'll do it").click()
        expect(carer.page.locator(".messages")).to_contain_text("You're down for")

        expect(page.get_by_text("Take Paid Carer off", exact=True)).to_be_visible(timeout=10_000)
        expect(page.locator("[data-live-src]")).to_contain_text("Helper, Paid Carer")
        expect(note).to_be_visible()
        expect(note).to_have_value("Sam is driving instead")
        organiser.check("the take-off list after a live update, a note half written")
    finally:
        organiser.close()
        carer.close()
    assert going(lift) == sorted([cast.helper.pk, cast.paid_carer.pk])
