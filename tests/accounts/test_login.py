from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from carecircle.accounts.models import SignedInSession
from carecircle.audit.models import AuditEntry
from tests.accounts.helpers import main_content, page_text

LOGIN = reverse("accounts:login")
LOGOUT = reverse("accounts:logout")
WRONG = "The email address or password isn't right"


@pytest.fixture
def tight_limits(settings):
    settings.LOGIN_ATTEMPTS_PER_ACCOUNT = 3
    settings.LOGIN_ATTEMPTS_PER_ADDRESS = 5
    settings.LOGIN_ATTEMPT_WINDOW_SECONDS = 900


def sign_in(client: Client, email: str, password: str, **extra: Any) -> Any:
    return client.post(LOGIN, {"email": email, "password": password, **extra.pop("data", {})}, **extra)


def test_signing_in_with_the_right_password_opens_your_circles(client, dana, password):
    response = sign_in(client, "Dana@Example.org", password)

    assert response.status_code == 302
    assert response["Location"] == reverse("circles:list")
    assert client.session["_auth_user_id"] == str(dana.pk)
    assert SignedInSession.objects.filter(user=dana, session_key=client.session.session_key).exists()


def test_signing_in_gives_the_browser_a_new_session_key(client, dana, password):
    # A session that already exists before signing in, as one planted by an attacker would.
    session = client.session
    session["visited"] = True
    session.save()
    before = session.session_key

    sign_in(client, dana.email, password)

    assert client.session.session_key != before
    assert client.session["_auth_user_id"] == str(dana.pk)


def test_signing_in_returns_to_a_safe_next_address(client, dana, password):
    response = sign_in(client, dana.email, password, data={"next": "/join/abc/"})

    assert response["Location"] == "/join/abc/"


def test_signing_in_ignores_a_next_address_on_another_site(client, dana, password):
    response = sign_in(client, dana.email, password, data={"next": "https://evil.example/steal"})

    assert response.status_code == 302
    assert response["Location"] == reverse("circles:list")


def test_the_sign_in_page_keeps_the_next_address_in_the_form(client, db):
    content = client.get(LOGIN, {"next": "/join/abc/"}).content.decode()

    assert 'name="next" value="/join/abc/"' in content
    assert 'autocomplete="current-password"' in content
    assert 'autocomplete="email"' in content


def test_a_wrong_password_is_refused_without_signing_in(client, dana):
    response = sign_in(client, dana.email, "not-the-right-password")

    assert response.status_code == 400
    assert WRONG in page_text(response)
    assert "_auth_user_id" not in client.session


def test_an_unknown_email_gets_exactly_the_same_answer(client, dana):
    wrong_password = sign_in(client, dana.email, "not-the-right-password")
    no_account = sign_in(client, "nobody@example.org", "not-the-right-password")

    assert no_account.status_code == wrong_password.status_code == 400
    assert WRONG in page_text(no_account)
    assert main_content(no_account).replace("nobody@example.org", dana.email) == main_content(wrong_password)


def test_a_switched_off_account_cannot_sign_in(client, dana, password):
    dana.is_active = False
    dana.save(update_fields=["is_active"])

    response = sign_in(client, dana.email, password)

    assert response.status_code == 400
    assert WRONG in page_text(response)


def test_too_many_wrong_passwords_pause_signing_in_to_that_account(client, dana, password, tight_limits):
    import time_machine

    # At the very start of a 15-minute window, the whole window is left to wait.
    with time_machine.travel(900 * 2_000_000, tick=False):
        for _ in range(3):
            assert sign_in(client, dana.email, "wrong-password-here").status_code == 400

        response = sign_in(client, dana.email, password)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    content = page_text(response)
    assert "wait 15 minutes" in content
    assert reverse("accounts:password_reset") in content
    assert response["Retry-After"] == "900"


def test_the_account_pause_applies_from_any_network_address(client, dana, password, tight_limits):
    for number in range(3):
        sign_in(client, dana.email, "wrong-password-here", REMOTE_ADDR=f"198.51.100.{number}")

    assert sign_in(client, dana.email, password, REMOTE_ADDR="203.0.113.9").status_code == 429


def test_the_account_pause_does_not_reveal_whether_the_account_exists(client, db, tight_limits):
    for _ in range(3):
        sign_in(client, "nobody@example.org", "wrong-password-here")

    assert sign_in(client, "nobody@example.org", "wrong-password-here").status_code == 429


def test_too_many_failures_from_one_address_pause_every_account_there(client, dana, password, tight_limits):
    for number in range(5):
        sign_in(client, f"guess{number}@example.org", "wrong-password-here", REMOTE_ADDR="198.51.100.7")

    paused = sign_in(client, dana.email, password, REMOTE_ADDR="198.51.100.7")
    elsewhere = sign_in(client, dana.email, password, REMOTE_ADDR="203.0.113.9")

    assert paused.status_code == 429
    assert elsewhere.status_code == 302


def test_the_wait_shown_is_what_is_left_of_the_window(client, dana, password, tight_limits):
    import time_machine

    with time_machine.travel(900 * 2_000_000 + 600, tick=False):
        for _ in range(3):
            sign_in(client, dana.email, "wrong-password-here")
        response = sign_in(client, dana.email, password)
    assert response.status_code == 429
    assert response["Retry-After"] == "300"
    assert "wait 5 minutes" in page_text(response)


def test_the_pause_ends_when_the_window_has_passed(client, dana, password, tight_limits):
    import time_machine
    from django.utils import timezone

    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(3):
            sign_in(client, dana.email, "wrong-password-here")
        assert sign_in(client, dana.email, password).status_code == 429
        traveller.shift(901)
        assert sign_in(client, dana.email, password).status_code == 302


def test_signing_in_successfully_clears_the_account_count(client, dana, password, tight_limits):
    for _ in range(2):
        sign_in(client, dana.email, "wrong-password-here")
    sign_in(client, dana.email, password)
    client.post(LOGOUT)

    for _ in range(2):
        sign_in(client, dana.email, "wrong-password-here")

    assert sign_in(client, dana.email, password).status_code == 302


def test_signing_out_needs_post(as_user, organiser):
    client = as_user(organiser)

    assert client.get(LOGOUT).status_code == 405
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_signing_out_ends_the_session_and_forgets_the_device(client, dana, password):
    sign_in(client, dana.email, password)
    assert SignedInSession.objects.filter(user=dana).count() == 1

    response = client.post(LOGOUT)

    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
    assert SignedInSession.objects.filter(user=dana).count() == 0
    profile = client.get(reverse("accounts:profile"))
    assert profile.status_code == 302
    assert profile["Location"].startswith(LOGIN)


def test_signing_out_forgets_only_this_device_and_is_recorded(client, dana, password):
    other_device = Client()
    sign_in(other_device, dana.email, password)
    sign_in(client, dana.email, password)
    other_key = other_device.session.session_key

    client.post(LOGOUT)

    assert list(SignedInSession.objects.filter(user=dana).values_list("session_key", flat=True)) == [other_key]
    assert other_device.get(reverse("accounts:profile")).status_code == 200
    assert AuditEntry.objects.filter(action="account.signed_out", subject_user=dana).count() == 1


def test_signing_out_when_not_signed_in_records_nothing(client, db):
    response = client.post(LOGOUT)

    assert response.status_code == 302
    assert not AuditEntry.objects.filter(action="account.signed_out").exists()


def test_signed_out_people_are_sent_to_sign_in_from_account_pages(client, db):
    for name in ("profile", "sessions", "tokens", "password_change"):
        response = client.get(reverse(f"accounts:{name}"))
        assert response.status_code == 302, name
        assert response["Location"].startswith(LOGIN), name
