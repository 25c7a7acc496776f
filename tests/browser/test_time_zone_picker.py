"""Choosing a time zone in Chromium, with JavaScript and without: the account page's short list for
the member's country, and any other zone through "Choose another time zone" (a region, a country)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from carecircle.accounts.models import User
from tests.browser.conftest import make_checked, sign_in, signed_in_without_javascript
from tests.cast import build_cast


@pytest.mark.parametrize("javascript", [True, False], ids=["with JavaScript", "without JavaScript"])
def test_a_member_picks_a_zone_from_their_country_then_one_far_away(
    server: str, browser: Browser, javascript: bool
) -> None:
    cast = build_cast()
    member: Any = cast.helper
    User.objects.filter(pk=member.pk).update(phone="+48601234567")
    if javascript:
        checked = make_checked(sign_in(browser.new_context(), server, member))
    else:
        checked = signed_in_without_javascript(browser, server, member)
    page = checked.page
    try:
        # The short list starts with the country of the phone number.
        page.goto(f"{server}/account/")
        checked.check("the account page")
        page.get_by_label("Time zone").select_option("Europe/Warsaw")
        page.get_by_role("button", name="Save changes").click()
        expect(page.locator(".message").first).to_contain_text("Your details have been saved.")
        assert User.objects.get(pk=member.pk).time_zone == "Europe/Warsaw"

        # Anywhere else: a region, a country, a zone.
        page.get_by_role("link", name="Choose another time zone").click()
        expect(page.get_by_role("main")).to_contain_text("Your time zone now: Warsaw.")
        checked.check("the regions")
        page.get_by_role("link", name="The Americas").click()
        checked.check("the countries of the Americas")
        page.get_by_role("link", name="Canada", exact=True).click()
        checked.check("Canada's zones")
        page.get_by_label("Time zone").select_option(label="Vancouver")
        page.get_by_role("button", name="Save time zone").click()
        expect(page.locator(".message").first).to_contain_text("Your time zone is now Vancouver.")
        expect(page.get_by_label("Time zone")).to_have_value("America/Vancouver")
        assert User.objects.get(pk=member.pk).time_zone == "America/Vancouver"
    finally:
        checked.close()
