from typing import Any

from django.core import mail
from django.test import Client
from django.urls import NoReverseMatch, reverse

from carecircle.accounts.models import SignedInSession, User
from carecircle.audit.models import AuditEntry
from tests.accounts.helpers import link_path, sent_to
from tests.cast import make_user

SIGNUP = reverse("accounts:signup")


def first_page_after_sign_up() -> str:
    try:
        return reverse("circles:create")
    except NoReverseMatch:
        return reverse("circles:list")


def sign_up(client: Client, capture: Any, **fields: str) -> Any:
    data = {"display_name": "Dana Daughter", "email": "dana@example.org", "password": "quiet-harbour-lantern-42"}
    data.update(fields)
    with capture(execute=True):
        return client.post(SIGNUP, data)


def test_signing_up_creates_the_account_and_signs_the_person_in(client, db, django_capture_on_commit_callbacks):
    response = sign_up(client, django_capture_on_commit_callbacks, email="  Dana@Example.ORG ")

    assert response.status_code == 302
    assert response["Location"] == first_page_after_sign_up()
    user = User.objects.get(email="dana@example.org")
    assert user.display_name == "Dana Daughter"
    assert not user.email_verified
    assert user.check_password("quiet-harbour-lantern-42")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert SignedInSession.objects.filter(user=user, session_key=client.session.session_key).exists()
    assert AuditEntry.objects.filter(action="account.created", subject_user=user).exists()
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_signing_up_sends_a_friendly_email_with_a_confirmation_link(client, db, django_capture_on_commit_callbacks):
    sign_up(client, django_capture_on_commit_callbacks)

    [message] = sent_to("dana@example.org")
    assert message.subject == "Confirm your email address for CareCircle"
    assert "Hello Dana Daughter" in message.body
    assert link_path(message).startswith("/account/confirm-email/")


def test_the_sign_up_page_prefills_the_email_from_an_invitation_link(client, db):
    response = client.get(SIGNUP, {"email": "brother@example.org", "next": "/join/abc/"})

    assert response.status_code == 200
    content = response.content.decode()
    assert 'value="brother@example.org"' in content
    assert 'name="next" value="/join/abc/"' in content
    assert content.count("<h1") == 1
    assert 'autocomplete="new-password"' in content
    assert 'autocomplete="name"' in content
    assert 'autocomplete="email"' in content


def test_signing_up_from_an_invitation_returns_to_the_invitation(client, db, django_capture_on_commit_callbacks):
    response = sign_up(client, django_capture_on_commit_callbacks, next="/join/abc123/")

    assert response.status_code == 302
    assert response["Location"] == "/join/abc123/"


def test_signing_up_ignores_a_next_address_on_another_site(client, db, django_capture_on_commit_callbacks):
    for index, unsafe in enumerate(["https://evil.example/", "//evil.example/join/", "javascript:alert(1)"]):
        client.logout()
        response = sign_up(client, django_capture_on_commit_callbacks, email=f"p{index}@example.org", next=unsafe)
        assert response.status_code == 302
        assert response["Location"] == first_page_after_sign_up(), unsafe


def test_a_short_password_is_refused_with_the_minimum_length(client, db, django_capture_on_commit_callbacks):
    response = sign_up(client, django_capture_on_commit_callbacks, password="short")

    assert response.status_code == 400
    assert "at least 10 characters" in response.content.decode()
    assert not User.objects.filter(email="dana@example.org").exists()
    assert len(mail.outbox) == 0


def test_a_common_password_is_refused(client, db, django_capture_on_commit_callbacks):
    response = sign_up(client, django_capture_on_commit_callbacks, password="password123")

    assert response.status_code == 400
    assert "This password is too common." in response.content.decode()
    assert not User.objects.exists()


def test_a_guessable_password_is_refused_with_advice(client, db, django_capture_on_commit_callbacks):
    # Long enough and not on the common list, but a name, a year and a symbol is a pattern attackers try.
    response = sign_up(client, django_capture_on_commit_callbacks, password="Daughter2024!")

    assert response.status_code == 400
    content = response.content.decode()
    assert "easy to guess" in content
    assert "Add another word or two" in content
    assert not User.objects.exists()


def test_a_password_like_the_email_address_is_refused(client, db, django_capture_on_commit_callbacks):
    response = sign_up(client, django_capture_on_commit_callbacks, password="dana@example.org")

    assert response.status_code == 400
    assert "too like your name or email address" in response.content.decode()


def test_refused_sign_up_keeps_what_was_typed_except_the_password(client, db, django_capture_on_commit_callbacks):
    response = sign_up(client, django_capture_on_commit_callbacks, password="short")

    content = response.content.decode()
    assert 'value="Dana Daughter"' in content
    assert 'value="dana@example.org"' in content
    assert 'value="short"' not in content
    assert "There is a problem" in content


def test_an_email_that_already_has_an_account_is_refused(client, db, django_capture_on_commit_callbacks):
    make_user("dana", email="dana@example.org")

    response = sign_up(client, django_capture_on_commit_callbacks, email="DANA@example.org")

    assert response.status_code == 400
    assert "already an account with this email address" in response.content.decode()
    assert User.objects.filter(email__iexact="dana@example.org").count() == 1
    assert "_auth_user_id" not in client.session


def test_missing_fields_are_explained(client, db):
    response = client.post(SIGNUP, {})

    assert response.status_code == 400
    content = response.content.decode()
    assert "Enter your name." in content
    assert "Enter your email address." in content
    assert "Choose a password." in content


def test_signed_in_people_are_sent_on_from_the_sign_up_page(as_user, organiser):
    response = as_user(organiser).get(SIGNUP, {"next": "/join/xyz/"})

    assert response.status_code == 302
    assert response["Location"] == "/join/xyz/"


def test_the_sign_up_page_only_accepts_get_and_post(client, db):
    assert client.put(SIGNUP).status_code == 405
