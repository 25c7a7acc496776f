"""Giving up the rest of a stay under way from an email's "I can't", in Chromium without JavaScript.

(And a stay that has ended: nothing of it can be given up any more.)

A three-day stay began yesterday on the circle's clock, so it is under way at any hour the test
runs. The helper was down for it; their email's link opens a confirm page that says what giving it
up now means, changes nothing until the button is pressed, and then says which days stay theirs.
axe checks each page.
"""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils.formats import date_format
from playwright.sync_api import Browser, expect

from carecircle.notifications.models import Delivery
from carecircle.tasks.email_actions import CANT, action_token
from carecircle.tasks.models import Assignment
from tests.browser.conftest import Checked, on_one_circle_day, signed_in_without_javascript
from tests.cast import Cast, build_cast
from tests.tasks.conftest import circle_today, stay_taken_by_helper


def test_a_helper_gives_up_the_rest_of_a_stay_from_the_email(
    server: str, browser: Browser, no_js_page: Checked
) -> None:
    cast = build_cast()
    # The pages say "from today": a stay made just before the circle's midnight is tried again after it.
    on_one_circle_day(lambda today: give_up_the_rest(cast, no_js_page, server, today))


def give_up_the_rest(cast: Cast, no_js_page: Checked, server: str, today: datetime.date) -> None:
    began = today - datetime.timedelta(days=1)
    stay = stay_taken_by_helper(cast, began=began, duration_minutes=3 * 1440)
    token = action_token(user_id=cast.helper.pk, task=stay, occurrence_date=began, action=CANT)
    page = no_js_page.page

    page.goto(f"{server}{reverse('tasks:email_action', kwargs={'token': token})}")
    main = page.get_by_role("main")
    expect(main).to_contain_text(
        f"This has already begun. If you give it up now, the rest of it, from {date_format(today, 'l j E')}, "
        "goes back to needing help. The days before stay yours."
    )
    no_js_page.check("the confirm page of giving up a stay under way")
    assert list(Assignment.objects.filter(task=stay, withdrawn_at__isnull=True).values_list("user_id", flat=True)) == [
        cast.helper.pk
    ]

    page.get_by_role("button", name="I can't").click()
    expect(page.get_by_role("status")).to_have_text(
        f"You've given up the rest of \u201cStay with Dad\u201d, from {date_format(today, 'l j E')}. "
        f"Thank you for {date_format(began, 'l')}."
    )
    no_js_page.check("the rest of a stay given up")
    assert not Assignment.objects.filter(task=stay, withdrawn_at__isnull=True).exists()
    assert Delivery.objects.filter(
        recipient=cast.paid_carer, idempotency_key__startswith=f"stay-rest-{stay.pk}-"
    ).exists()

    # The same link again changes nothing and says so.
    page.goto(f"{server}{reverse('tasks:email_action', kwargs={'token': token})}")
    expect(page.get_by_role("main")).to_contain_text("This link has already been used.")
    no_js_page.check("a used link")


def test_a_stay_that_has_ended_cant_be_given_up_from_the_page_or_the_email(
    server: str, browser: Browser, no_js_page: Checked
) -> None:
    """A stay that ended yesterday: the page offers no "I can't any more", and the email's button is refused."""
    cast = build_cast()
    today = circle_today()
    began = today - datetime.timedelta(days=3)
    stay = stay_taken_by_helper(cast, began=began, duration_minutes=2 * 1440)
    ended = (
        f"Stay with Dad ended on {date_format(began + datetime.timedelta(days=1), 'l j E')}, "
        "so nobody can give it up now. Nothing changed."
    )
    helper = signed_in_without_javascript(browser, server, cast.helper)
    try:
        detail = reverse("tasks:detail", kwargs={"circle_id": cast.circle.pk, "task_id": stay.pk})
        helper.page.goto(f"{server}{detail}?on={began.isoformat()}")
        expect(helper.page.get_by_role("heading", name="Stay with Dad")).to_be_visible()
        expect(helper.page.get_by_role("button", name="I can't any more")).to_have_count(0)
        helper.check("the page of a stay that has ended")
    finally:
        helper.close()

    token = action_token(user_id=cast.helper.pk, task=stay, occurrence_date=began, action=CANT)
    page = no_js_page.page
    page.goto(f"{server}{reverse('tasks:email_action', kwargs={'token': token})}")
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        page.get_by_role("button", name="I can't").click()
    assert answer.value.status == 409
    expect(page.get_by_role("main")).to_contain_text(ended)
    no_js_page.check("giving up a stay that has ended, refused")
    assert list(Assignment.objects.filter(task=stay, withdrawn_at__isnull=True).values_list("user_id", flat=True)) == [
        cast.helper.pk
    ]
