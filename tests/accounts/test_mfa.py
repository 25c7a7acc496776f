"""Two-step sign-in: authenticator apps, passkeys, recovery codes, and who must use them."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pyotp
import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from carecircle.accounts.mfa import RECOVERY_CODE_COUNT, mfa_status, totp_enable, totp_new_secret, totp_verify
from carecircle.accounts.models import Passkey, RecoveryCode, SignedInSession, TotpDevice
from carecircle.audit.models import AuditEntry
from carecircle.notifications.models import Delivery
from tests.accounts.helpers import page_text
from tests.accounts.soft_authenticator import SoftAuthenticator
from tests.bursts import at_once
from tests.cast import signed_in_session_key

LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:sign_in_verify")
SECURITY = reverse("accounts:security")
TOTP_SETUP = reverse("accounts:totp_setup")
PASSKEY_ADD = reverse("accounts:passkey_add")


def enable_app(user: Any) -> tuple[str, list[str]]:
    secret = totp_new_secret()
    codes = totp_enable(actor=user, secret=secret, code=pyotp.TOTP(secret).now())
    return secret, codes


def next_code(secret: str) -> str:
    """A code for the next time step: the one just used to turn the app on can't be used again."""
    return pyotp.TOTP(secret).at(timezone.now().timestamp() + 30)


def test_an_account_without_a_second_factor_signs_in_with_its_password_alone(client, dana, password):
    response = client.post(LOGIN, {"email": dana.email, "password": password})

    assert response.status_code == 302
    assert response["Location"] == reverse("circles:list")
    assert client.session["_auth_user_id"] == str(dana.pk)


def test_with_an_app_the_password_alone_does_not_sign_in(client, dana, password):
    enable_app(dana)

    response = client.post(LOGIN, {"email": dana.email, "password": password})

    assert response["Location"] == VERIFY
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("circles:list")).status_code == 302


def test_the_second_step_with_the_apps_code_signs_in(client, dana, password):
    secret, _ = enable_app(dana)
    client.post(LOGIN, {"email": dana.email, "password": password, "next": "/account/"})

    with time_machine.travel(timezone.now() + timedelta(seconds=30), tick=False):
        response = client.post(VERIFY, {"code": pyotp.TOTP(secret).now()})

    assert response.status_code == 302
    assert response["Location"] == "/account/"
    assert client.session["_auth_user_id"] == str(dana.pk)


def test_a_wrong_code_keeps_the_person_out_and_says_why(client, dana, password):
    enable_app(dana)
    client.post(LOGIN, {"email": dana.email, "password": password})

    response = client.post(VERIFY, {"code": "000000"})

    assert response.status_code == 400
    assert "That code isn't right" in page_text(response)
    assert "_auth_user_id" not in client.session


def test_a_code_works_only_once(dana):
    secret, _ = enable_app(dana)
    code = next_code(secret)
    with time_machine.travel(timezone.now() + timedelta(seconds=30), tick=False):
        assert totp_verify(user=dana, code=code)
        assert not totp_verify(user=dana, code=code)


@pytest.mark.django_db(transaction=True)
def test_two_racing_requests_with_one_code_let_only_one_in(dana):
    secret, _ = enable_app(dana)
    code = next_code(secret)

    with time_machine.travel(timezone.now() + timedelta(seconds=30), tick=False):
        results = at_once([lambda: totp_verify(user=dana, code=code)] * 4)

    assert sorted(results) == [False, False, False, True]


def test_the_second_step_is_throttled_per_account(client, dana, password, settings):
    settings.LOGIN_ATTEMPTS_PER_ACCOUNT = 3
    secret, _ = enable_app(dana)
    client.post(LOGIN, {"email": dana.email, "password": password})
    for _ in range(3):
        assert client.post(VERIFY, {"code": "000000"}).status_code == 400

    response = client.post(VERIFY, {"code": next_code(secret)})

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session


def test_the_password_step_runs_out_after_five_minutes(client, dana, password):
    secret, _ = enable_app(dana)
    client.post(LOGIN, {"email": dana.email, "password": password})

    with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=False):
        response = client.post(VERIFY, {"code": pyotp.TOTP(secret).now()})

    assert response["Location"] == LOGIN
    assert "_auth_user_id" not in client.session


def test_a_recovery_code_signs_in_once(client, dana, password):
    _, codes = enable_app(dana)
    assert len(codes) == RECOVERY_CODE_COUNT

    client.post(LOGIN, {"email": dana.email, "password": password})
    assert client.post(VERIFY, {"code": codes[0].upper()}).status_code == 302

    other = Client()
    other.post(LOGIN, {"email": dana.email, "password": password})
    assert other.post(VERIFY, {"code": codes[0]}).status_code == 400
    assert mfa_status(dana).recovery_codes_left == RECOVERY_CODE_COUNT - 1
    assert AuditEntry.objects.filter(action="account.mfa_recovery_code_used", actor=dana).count() == 1


def test_recovery_codes_and_the_app_secret_are_not_stored_in_the_clear(dana):
    secret, codes = enable_app(dana)

    stored = list(RecoveryCode.objects.filter(user=dana).values_list("code_hash", "salt"))
    assert all(code.replace("-", "") not in hashed + salt for code in codes for hashed, salt in stored)
    assert secret not in TotpDevice.objects.get(user=dana).sealed_secret


def test_setting_up_the_app_shows_a_server_drawn_qr_code_and_turns_on_with_a_code(as_user, dana):
    client = as_user(dana)

    page = client.get(TOTP_SETUP)
    text = page_text(page)
    assert page.status_code == 200
    assert "<svg" in text
    assert "http" not in text.split("<svg", 1)[1].split("</svg>", 1)[0].replace("http://www.w3.org", "")
    secret = client.session["_carecircle_totp_pending"]
    response = client.post(TOTP_SETUP, {"code": pyotp.TOTP(secret).now()})

    assert response["Location"] == SECURITY
    assert mfa_status(dana).totp
    shown = page_text(client.get(SECURITY))
    codes = re.findall(r"<code>([a-z0-9]{6}(?:-[a-z0-9]{6}){3})</code>", shown)
    assert len(codes) == RECOVERY_CODE_COUNT
    assert not re.findall(r"<code>([a-z0-9]{6}(?:-[a-z0-9]{6}){3})</code>", page_text(client.get(SECURITY)))
    assert AuditEntry.objects.filter(action="account.mfa_totp_enabled", actor=dana).exists()


def test_a_wrong_code_does_not_turn_the_app_on(as_user, dana):
    client = as_user(dana)
    client.get(TOTP_SETUP)

    response = client.post(TOTP_SETUP, {"code": "123456"})

    assert response.status_code == 400
    assert not mfa_status(dana).totp


def test_changing_a_factor_signs_out_every_other_session(as_user, dana):
    other_key = signed_in_session_key(dana)
    SignedInSession.objects.create(user=dana, session_key=other_key)
    client = as_user(dana)
    client.get(TOTP_SETUP)
    secret = client.session["_carecircle_totp_pending"]

    client.post(TOTP_SETUP, {"code": pyotp.TOTP(secret).now()})

    assert not SignedInSession.objects.filter(session_key=other_key).exists()
    assert client.get(SECURITY).status_code == 200


# Who must use a second factor


def test_a_professional_without_a_second_factor_is_sent_to_set_one_up_before_anything_else(professional, password):
    client = Client()
    response = client.post(LOGIN, {"email": professional.email, "password": password})

    assert response["Location"] == SECURITY
    assert client.get(reverse("circles:list"))["Location"] == SECURITY
    assert "Set this up to carry on" in page_text(client.get(SECURITY))
    api = client.get("/api/v1/circles")
    assert api.status_code == 403
    assert api.json()["code"] == "mfa_setup_required"
    client.get(TOTP_SETUP)
    secret = client.session["_carecircle_totp_pending"]
    client.post(TOTP_SETUP, {"code": pyotp.TOTP(secret).now()})
    assert client.get(reverse("circles:list")).status_code == 200


def test_organisation_staff_must_set_up_a_second_factor_too(org_staff, password):
    client = Client()
    assert client.post(LOGIN, {"email": org_staff.email, "password": password})["Location"] == SECURITY


def test_a_helper_is_offered_a_second_factor_but_not_made_to(helper, password):
    client = Client()
    assert client.post(LOGIN, {"email": helper.email, "password": password})["Location"] == reverse("circles:list")


def test_a_professional_cannot_remove_their_only_factor(as_user, professional):
    enable_app(professional)
    client = as_user(professional)

    client.post(reverse("accounts:totp_remove"))

    assert mfa_status(professional).totp


def test_factor_pages_need_a_recent_confirmation(as_user, dana, password):
    client = as_user(dana)
    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=False):
        response = client.get(TOTP_SETUP)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:step_up"))
        confirmed = client.post(reverse("accounts:step_up"), {"password": password, "next": TOTP_SETUP})
        assert confirmed["Location"] == TOTP_SETUP
        assert client.get(TOTP_SETUP).status_code == 200


# Passkeys


def passkey_options(response: Any) -> dict[str, Any]:
    import json

    text = response.content.decode()
    found = re.search(r'<script id="passkey-options" type="application/json">(.*?)</script>', text, re.S)
    assert found, "no passkey options on the page"
    options: dict[str, Any] = json.loads(found.group(1))
    return options


@pytest.fixture
def authenticator(settings) -> SoftAuthenticator:
    settings.SITE_URL = "https://care.example.org"
    settings.WEBAUTHN_ORIGINS = ["https://care.example.org"]
    settings.WEBAUTHN_RP_ID = ""
    return SoftAuthenticator(origin="https://care.example.org", rp_id="care.example.org")


def add_passkey(client: Client, authenticator: SoftAuthenticator, **extra: Any) -> Any:
    options = passkey_options(client.get(PASSKEY_ADD))
    return client.post(PASSKEY_ADD, {"name": "My phone", "credential": authenticator.create(options, **extra)})


def test_a_passkey_made_by_an_authenticator_is_registered(as_user, dana, authenticator):
    client = as_user(dana)

    response = add_passkey(client, authenticator)

    assert response["Location"] == SECURITY
    passkey = Passkey.objects.get(user=dana)
    assert passkey.name == "My phone"
    assert mfa_status(dana).passkeys == 1
    assert mfa_status(dana).recovery_codes_left == RECOVERY_CODE_COUNT


def test_a_passkey_answer_from_another_site_is_refused(as_user, dana, authenticator):
    client = as_user(dana)

    response = add_passkey(client, authenticator, origin="https://evil.example.com")

    assert response.status_code == 400
    assert not Passkey.objects.filter(user=dana).exists()


def test_a_passkey_signs_in_as_the_second_step(client, dana, password, authenticator):
    add_passkey(_signed_in(dana), authenticator)
    client.post(LOGIN, {"email": dana.email, "password": password})
    options = passkey_options(client.get(VERIFY))

    response = client.post(VERIFY, {"credential": authenticator.get(options)})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(dana.pk)
    assert Passkey.objects.get(user=dana).sign_count == 1


def test_a_passkey_signature_from_another_key_is_refused(client, dana, password, authenticator):
    from cryptography.hazmat.primitives.asymmetric import ec

    add_passkey(_signed_in(dana), authenticator)
    client.post(LOGIN, {"email": dana.email, "password": password})
    options = passkey_options(client.get(VERIFY))

    response = client.post(
        VERIFY, {"credential": authenticator.get(options, key=ec.generate_private_key(ec.SECP256R1()))}
    )

    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_a_passkey_answer_cannot_be_replayed(client, dana, password, authenticator):
    add_passkey(_signed_in(dana), authenticator)
    client.post(LOGIN, {"email": dana.email, "password": password})
    answer = authenticator.get(passkey_options(client.get(VERIFY)))
    assert client.post(VERIFY, {"credential": answer}).status_code == 302

    again = Client()
    again.post(LOGIN, {"email": dana.email, "password": password})
    again.get(VERIFY)
    assert again.post(VERIFY, {"credential": answer}).status_code == 400


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# The new sign-in email


def test_signing_in_on_a_new_device_queues_an_email_naming_it(
    client, dana, password, django_capture_on_commit_callbacks
):
    agent = "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36"
    client.post(LOGIN, {"email": dana.email, "password": password}, headers={"user-agent": agent})

    emails = Delivery.objects.filter(to=dana.email, subject="New sign-in to your CareCircle account")
    assert emails.count() == 1
    assert "Chrome on Windows" in emails.get().body

    Client().post(LOGIN, {"email": dana.email, "password": password}, headers={"user-agent": agent})
    assert emails.count() == 1, "a device already signed in is not news"


def test_sign_ins_and_failures_are_security_events_in_the_audit_log(client, dana, password):
    client.post(LOGIN, {"email": dana.email, "password": "not-the-password-1"})
    secret, _ = enable_app(dana)
    client.post(LOGIN, {"email": dana.email, "password": password})
    client.post(VERIFY, {"code": "000000"})
    with time_machine.travel(timezone.now() + timedelta(seconds=30), tick=False):
        client.post(VERIFY, {"code": pyotp.TOTP(secret).now()})

    actions = list(AuditEntry.objects.filter(subject_user=dana).order_by("id").values_list("action", flat=True))
    assert actions[-1] == "account.signed_in"
    assert "account.sign_in_failed" in actions
    assert "account.second_step_failed" in actions
    signed_in = AuditEntry.objects.filter(subject_user=dana, action="account.signed_in").get()
    assert signed_in.data["factor"] == "code"
