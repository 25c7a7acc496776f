"""Two-step sign-in in Chromium: a professional types the app's code after the password, with and without JS."""

from __future__ import annotations

import time
from typing import Any

import pyotp
from django.test import override_settings
from playwright.sync_api import expect

from carecircle.accounts.mfa import totp_enable, totp_new_secret
from carecircle.orgs.models import OrganisationStaff
from tests.browser.conftest import Checked
from tests.cast import PASSWORD


def with_server_password(user: Any) -> Any:
    """The test settings hash with MD5; the server only knows Argon2 and PBKDF2, so hash as it does."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.PBKDF2PasswordHasher"]):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    return user


def app_for(user: Any) -> pyotp.TOTP:
    secret = totp_new_secret()
    totp_enable(actor=user, secret=secret, code=pyotp.TOTP(secret).now())
    return pyotp.TOTP(secret)


def sign_in_with_code(checked: Checked, server: str, email: str, app: pyotp.TOTP, label: str) -> None:
    page = checked.page
    page.goto(server + "/account/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("One more step")
    checked.check(f"second step {label}")
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("That code isn't right").first).to_be_visible()
    checked.check(f"second step with a wrong code {label}")
    # The code for the next time step: the one used to set the app up can't be used twice.
    page.get_by_label("Code").fill(app.at(time.time() + 30))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your circles")


def test_a_professional_signs_in_with_the_code_from_their_app(server: str, checked_page: Checked, cast: Any) -> None:
    sign_in_with_code(
        checked_page,
        server,
        with_server_password(cast.professional).email,
        app_for(cast.professional),
        "with JavaScript",
    )


def test_two_step_sign_in_works_without_javascript(server: str, no_js_page: Checked, cast: Any) -> None:
    sign_in_with_code(
        no_js_page,
        server,
        with_server_password(cast.professional).email,
        app_for(cast.professional),
        "without JavaScript",
    )


def test_a_professional_without_an_app_is_sent_to_set_one_up_and_can(
    server: str, checked_page: Checked, cast: Any
) -> None:
    page = checked_page.page
    page.goto(server + "/account/sign-in/")
    page.get_by_label("Email address").fill(with_server_password(cast.org_staff).email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=2, name="Set this up to carry on")).to_be_visible()
    checked_page.check("two-step sign-in must be set up")
    page.get_by_role("link", name="Set up an authenticator app").click()
    checked_page.check("set up an authenticator app")
    key = page.locator("code").first.inner_text().replace(" ", "")
    page.get_by_label("Code from the app").fill(pyotp.TOTP(key).now())
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("heading", level=2, name="Your recovery codes")).to_be_visible()
    checked_page.check("recovery codes shown once")
    # Staff who are in no circle land on their organisation's page.
    organisation = OrganisationStaff.objects.get(user=cast.org_staff).organisation
    page.goto(server + "/circles/")
    expect(page.get_by_role("heading", level=1)).to_have_text(organisation.name)
