"""The notifications page and preferences form in Chromium: choose how you hear, and see news arrive live.

A helper turns off emails about news (each box named by its kind of news, the fieldset's legend,
and its channel), follows the link to set quiet hours and a daily digest, saves each, and sees the
forms keep what they chose; while their page is open an update is posted, and the header's count
shows it without a reload. axe checks each page.
"""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import Browser, expect

from carecircle.accounts.models import User
from carecircle.accounts.services import api_token_create
from carecircle.notifications.models import NotificationPreference, NotificationSettings
from carecircle.notifications.notify import notify
from tests.browser.conftest import make_checked, sign_in, signed_in_without_javascript
from tests.cast import build_cast


def test_a_helper_chooses_how_they_hear_and_sees_news_arrive_live(server: str, browser: Browser) -> None:
    cast = build_cast()
    context = browser.new_context()
    sign_in(context, server, cast.helper)
    checked = make_checked(context)
    page = checked.page
    page.goto(f"{server}/notifications/preferences/")
    expect(page.get_by_role("heading", level=1)).to_have_text("What you hear about, and how")
    checked.check("preferences")
    news = page.get_by_role("group", name="News updates")
    email_news = news.get_by_role("checkbox", name="Email")
    expect(email_news).to_be_checked()
    email_news.uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").first).to_contain_text("Saved")
    expect(news.get_by_role("checkbox", name="Email")).not_to_be_checked()
    expect(page.get_by_role("group", name="Mentions").get_by_role("checkbox", name="Email")).to_be_checked()
    checked.check("preferences saved")
    page.get_by_role("link", name="When news reaches you").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("When news reaches you")
    checked.check("when news reaches you")
    page.get_by_label("From").fill("21:30")
    page.get_by_label("until").fill("07:00")
    page.get_by_label("One email a day").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").first).to_contain_text("Saved")
    expect(page.get_by_label("One email a day")).to_be_checked()
    checked.check("when news reaches you, saved")
    row = NotificationSettings.objects.get(user=cast.helper)
    assert (row.quiet_from, row.quiet_until, row.digest) == (datetime.time(21, 30), datetime.time(7), "daily")
    assert not NotificationPreference.objects.get(user=cast.helper, category="news", channel="email").enabled

    # With the page open, the organiser posts an update: the header's count shows it, live.
    badge = page.locator("[data-unread-count]")
    expect(badge).to_be_hidden()
    # Through the server (the API with the organiser's token), so the live event leaves that process.
    _, secret = api_token_create(actor=cast.organiser, name="journey")
    posted = context.request.post(
        f"{server}/api/v1/circles/{cast.circle.pk}/updates",
        data={"title": "Home from hospital", "body": "Dad is home"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert posted.status == 201, posted.text()
    expect(badge).to_have_text("1 new")  # "1" shown, " new" for screen readers
    expect(badge.locator(".visually-hidden")).to_have_text(" new")
    page.get_by_role("link", name="Notifications").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    expect(page.get_by_role("link", name="News about Dad: Home from hospital")).to_be_visible()
    checked.check("notifications")
    context.close()


def test_the_headers_count_fits_its_place_in_a_long_plural(server: str, browser: Browser) -> None:
    """Polish says "12 nowych": the badge shows "12", the words are read out, nothing is cut off."""
    cast = build_cast()
    User.objects.filter(pk=cast.helper.pk).update(language="pl")
    for number in range(12):
        notify(category="news", circle=cast.circle, key=f"badge-{number}", title="Wieści", user_ids=[cast.helper.pk])
    checked = make_checked(sign_in(browser.new_context(viewport={"width": 390, "height": 844}), server, cast.helper))
    try:
        page = checked.page
        page.goto(f"{server}/circles/")
        badge = page.locator("[data-unread-count]")
        expect(badge).to_have_text("12 nowych")
        expect(badge.locator(".visually-hidden")).to_have_text(" nowych")
        assert badge.evaluate("badge => badge.scrollWidth <= badge.clientWidth")
        checked.check("twelve unread, in Polish")
    finally:
        checked.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["with-javascript", "without-javascript"])
def test_organisation_staff_choose_how_they_hear_about_organisation_work(
    server: str, browser: Browser, javascript: bool
) -> None:
    cast = build_cast()
    if javascript:
        checked = make_checked(sign_in(browser.new_context(), server, cast.org_staff))
    else:
        checked = signed_in_without_javascript(browser, server, cast.org_staff)
    page = checked.page
    page.goto(f"{server}/notifications/preferences/")
    checked.check("preferences, organisation staff")
    work = page.get_by_role("group", name="Referrals and organisation work")
    email = work.get_by_role("checkbox", name="Email")
    expect(email).to_be_checked()
    expect(work.get_by_role("checkbox", name="In the app")).to_be_checked()
    email.uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").first).to_contain_text("Saved")
    expect(work.get_by_role("checkbox", name="Email")).not_to_be_checked()
    checked.check("preferences saved, organisation staff")
    assert not NotificationPreference.objects.get(
        user=cast.org_staff, category="organisation_work", channel="email"
    ).enabled
    # Someone with no organisation role is never offered it.
    helper = make_checked(sign_in(browser.new_context(), server, cast.helper)).page
    helper.goto(f"{server}/notifications/preferences/")
    expect(helper.get_by_role("heading", level=1)).to_have_text("What you hear about, and how")
    expect(helper.get_by_text("Referrals and organisation work")).to_have_count(0)
