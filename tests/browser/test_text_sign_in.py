"""In Chromium, with axe: an organiser invites a neighbour by mobile number only; the neighbour joins with a
texted code, and later signs in with one. With JavaScript, and the sign-in without it."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from carecircle.accounts.models import User
from carecircle.accounts.services import user_create_by_text
from carecircle.circles.models import Invitation, Membership
from carecircle.notifications.models import Delivery
from tests.browser.conftest import Checked
from tests.browser.test_two_step_sign_in import with_server_password
from tests.cast import PASSWORD

NEIGHBOUR = "+447700900432"


def last_text(phone: str) -> str:
    body: str = Delivery.objects.filter(channel="sms", to=phone).latest("id").body
    return body


def code_from(phone: str) -> str:
    found = re.match(r"(\d{6}) is your CareCircle code", last_text(phone))
    assert found, last_text(phone)
    return found.group(1)


def sign_in_by_text(checked: Checked, server: str, typed_number: str, phone: str, label: str) -> Page:
    page = checked.page
    page.goto(server + "/account/sign-in/")
    page.get_by_role("link", name="Sign in with a code sent by text").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in with a text")
    checked.check(f"asking for a code {label}")
    page.get_by_label("Your mobile number").fill("call me")
    page.get_by_role("button", name="Text me a code").click()
    expect(page.get_by_text("Enter a mobile number").first).to_be_visible()
    checked.check(f"a number that isn't one {label}")
    page.get_by_label("Your mobile number").fill(typed_number)
    page.get_by_role("button", name="Text me a code").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter the code from the text")
    checked.check(f"entering the code {label}")
    page.get_by_label("The 6-digit code from the text").fill("000000" if code_from(phone) != "000000" else "111111")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("That code isn't right, or it has run out").first).to_be_visible()
    checked.check(f"a wrong code {label}")
    page.get_by_label("The 6-digit code from the text").fill(code_from(phone))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your circles")
    return page


def test_an_organiser_invites_by_text_and_the_neighbour_joins_and_signs_in_by_text(
    server: str, checked_page: Checked, browser: Any, cast: Any
) -> None:
    page = checked_page.page
    page.goto(server + "/account/sign-in/")
    page.get_by_label("Email address").fill(with_server_password(cast.organiser).email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{server}/circles/{cast.circle.pk}/invite/")
    page.get_by_label("Text message").check()
    page.get_by_label("Their mobile number").fill("07700 900432")
    page.get_by_label("Their name").fill("Nadia")
    checked_page.check("the invitation form, by text")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text("We're sending a text message to +447700900432.")).to_be_visible()
    invitation = Invitation.objects.get(phone=NEIGHBOUR)
    link = re.search(r"https?://\S+/join/\S+/", last_text(NEIGHBOUR))
    assert link, last_text(NEIGHBOUR)
    path = link.group(0).split("/join/", 1)[1]

    neighbour_context = browser.new_context()
    from tests.browser.conftest import make_checked

    neighbour = make_checked(neighbour_context)
    other = neighbour.page
    other.goto(f"{server}/join/{path}")
    other.get_by_role("link", name="Join with just your mobile number").click()
    expect(other.get_by_role("heading", level=1)).to_have_text("Join Dad's circle by text")
    neighbour.check("joining by text: your name")
    other.get_by_label("Your name").fill("Nadia Neighbour")
    other.get_by_role("button", name="Text me a code").click()
    neighbour.check("joining by text: the code")
    other.get_by_label("The 6-digit code from the text").fill(code_from(NEIGHBOUR))
    other.get_by_role("button", name="Join Dad's circle").click()
    expect(other.get_by_text("Welcome to Dad's circle.")).to_be_visible()
    nadia = User.objects.get(phone=NEIGHBOUR)
    assert nadia.email == ""
    assert Membership.objects.filter(circle=cast.circle, user=nadia).exists()
    assert Invitation.objects.get(pk=invitation.pk).accepted_by_id == nadia.pk
    other.get_by_role("button", name="Sign out").click()
    neighbour_context.close()

    fresh = browser.new_context()
    sign_in_by_text(make_checked(fresh), server, "07700 900432", NEIGHBOUR, "after joining")
    fresh.close()


def test_signing_in_by_text_works_without_javascript(server: str, no_js_page: Checked, db: Any) -> None:
    user_create_by_text(phone=NEIGHBOUR, display_name="Nadia Neighbour")
    sign_in_by_text(no_js_page, server, "+44 7700 900432", NEIGHBOUR, "without JavaScript")
