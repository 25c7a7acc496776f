from typing import Any

from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse

from carecircle.accounts.models import SignedInSession, User
from carecircle.accounts.services import user_password_change
from carecircle.audit.models import AuditEntry
from carecircle.notifications.models import Delivery
from tests.accounts.helpers import link_path, main_content, page_text, sent_to

RESET = reverse("accounts:password_reset")
SENT = reverse("accounts:password_reset_sent")
CHANGE = reverse("accounts:password_change")
NEW_PASSWORD = "amber-kettle-meadow-91"


def ask_for_reset(client: Client, capture: Any, email: str) -> Any:
    with capture(execute=True):
        return client.post(RESET, {"email": email})


def test_password_reset_works_from_email_to_signing_in(client, dana, django_capture_on_commit_callbacks):
    response = ask_for_reset(client, django_capture_on_commit_callbacks, "Dana@Example.org")
    assert response.status_code == 302
    assert response["Location"] == SENT

    [message] = sent_to("dana@example.org")
    assert message.subject == "Reset your CareCircle password"
    assert Delivery.objects.filter(to="dana@example.org", subject=message.subject, status="sent").exists()

    opened = client.get(link_path(message))
    assert opened.status_code == 302  # To a form address without the token in it.
    form_page = client.get(opened["Location"])
    assert form_page.status_code == 200
    assert "Choose a new password" in page_text(form_page)

    saved = client.post(opened["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert saved.status_code == 302
    assert saved["Location"] == reverse("accounts:password_reset_complete")
    assert User.objects.get(pk=dana.pk).check_password(NEW_PASSWORD)
    assert AuditEntry.objects.filter(action="account.password_reset", subject_user=dana).exists()

    signed_in = client.post(reverse("accounts:login"), {"email": dana.email, "password": NEW_PASSWORD})
    assert signed_in.status_code == 302


def test_a_reset_link_works_only_once(client, dana, django_capture_on_commit_callbacks):
    ask_for_reset(client, django_capture_on_commit_callbacks, dana.email)
    link = link_path(sent_to(dana.email)[0])
    form_address = client.get(link)["Location"]
    client.post(form_address, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    response = client.get(link)

    assert response.status_code == 400
    assert "This link doesn't work" in page_text(response)
    assert RESET in page_text(response)


def test_a_changed_reset_link_is_refused(client, dana, django_capture_on_commit_callbacks):
    ask_for_reset(client, django_capture_on_commit_callbacks, dana.email)
    link = link_path(sent_to(dana.email)[0])
    tampered = link.rstrip("/")[:-3] + "zzz/"

    response = client.get(tampered)

    assert response.status_code == 400
    assert "This link doesn't work" in page_text(response)


def test_an_unknown_email_gets_the_same_page_and_no_email(client, dana, django_capture_on_commit_callbacks):
    known = ask_for_reset(client, django_capture_on_commit_callbacks, dana.email)
    unknown = ask_for_reset(client, django_capture_on_commit_callbacks, "nobody@example.org")

    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"] == SENT
    assert sent_to("nobody@example.org") == []
    assert len(mail.outbox) == 1


def test_the_sent_page_does_not_say_whether_there_is_an_account(client, db):
    response = client.get(SENT)

    assert response.status_code == 200
    assert "If there's a CareCircle account for the address you typed" in page_text(response)


def test_reset_emails_to_one_address_are_limited(client, dana, django_capture_on_commit_callbacks):
    for _ in range(7):
        response = ask_for_reset(client, django_capture_on_commit_callbacks, dana.email)
        assert response["Location"] == SENT

    assert len(sent_to(dana.email)) == 5


def test_the_reset_email_link_uses_the_site_address_not_the_request_host(
    client, dana, django_capture_on_commit_callbacks, settings
):
    settings.ALLOWED_HOSTS = ["testserver", "evil.example"]
    settings.SITE_URL = "https://care.example.org"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(RESET, {"email": dana.email}, HTTP_HOST="evil.example")

    [message] = sent_to(dana.email)
    assert "https://care.example.org/account/password-reset/" in message.body
    assert "evil.example" not in message.body


def test_a_bad_email_address_is_explained(client, db):
    response = client.post(RESET, {"email": "not an email"})

    assert response.status_code == 400
    assert "Enter an email address in the right format" in page_text(response)


def test_a_weak_new_password_is_refused_on_reset(client, dana, django_capture_on_commit_callbacks):
    ask_for_reset(client, django_capture_on_commit_callbacks, dana.email)
    form_address = client.get(link_path(sent_to(dana.email)[0]))["Location"]

    response = client.post(form_address, {"new_password1": "password123", "new_password2": "password123"})

    assert response.status_code == 400
    assert "This password is too common." in page_text(response)
    assert not User.objects.get(pk=dana.pk).check_password("password123")


def test_resetting_the_password_signs_out_every_device(client, dana, password, django_capture_on_commit_callbacks):

    other_device = Client()
    other_device.post(reverse("accounts:login"), {"email": dana.email, "password": password})
    assert other_device.get(reverse("accounts:profile")).status_code == 200

    ask_for_reset(client, django_capture_on_commit_callbacks, dana.email)
    form_address = client.get(link_path(sent_to(dana.email)[0]))["Location"]
    client.post(form_address, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert other_device.get(reverse("accounts:profile")).status_code == 302
    assert not SignedInSession.objects.filter(user=dana).exists()


def test_changing_the_password_keeps_this_device_signed_in(client, dana, password):
    client.post(reverse("accounts:login"), {"email": dana.email, "password": password})
    key_before = client.session.session_key

    response = client.post(
        CHANGE, {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:profile")
    assert User.objects.get(pk=dana.pk).check_password(NEW_PASSWORD)
    assert client.get(reverse("accounts:profile")).status_code == 200
    assert client.session[SESSION_KEY] == str(dana.pk)
    assert client.session.session_key != key_before
    [row] = SignedInSession.objects.filter(user=dana)
    assert row.session_key == client.session.session_key
    assert AuditEntry.objects.filter(action="account.password_changed", subject_user=dana).exists()


def test_changing_the_password_signs_out_other_devices(client, dana, password):

    other_device = Client()
    other_device.post(reverse("accounts:login"), {"email": dana.email, "password": password})
    client.post(reverse("accounts:login"), {"email": dana.email, "password": password})

    response = client.post(
        CHANGE, {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )

    assert "signed out on 1 other device" in page_text(response)
    assert other_device.get(reverse("accounts:profile")).status_code == 302


def test_changing_the_password_needs_the_current_one(as_user, dana):
    response = as_user(dana).post(
        CHANGE, {"old_password": "a-wrong-guess-123", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert response.status_code == 400
    assert "Your current password isn't right" in page_text(response)
    assert not User.objects.get(pk=dana.pk).check_password(NEW_PASSWORD)


def test_the_two_new_passwords_must_match(as_user, dana, password):
    response = as_user(dana).post(
        CHANGE, {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"}
    )

    assert response.status_code == 400
    assert "The two new passwords are different" in page_text(response)


def test_a_guessable_new_password_is_refused_on_change(as_user, dana, password):
    response = as_user(dana).post(
        CHANGE, {"old_password": password, "new_password1": "Jennifer1990!", "new_password2": "Jennifer1990!"}
    )

    assert response.status_code == 400
    assert "Common names and surnames are easy to guess" in page_text(response)


def test_the_change_page_uses_password_manager_hints(as_user, dana):
    content = main_content(as_user(dana).get(CHANGE))

    assert content.count('autocomplete="current-password"') == 1
    assert content.count('autocomplete="new-password"') == 2


def test_resetting_while_signed_in_as_that_account_keeps_this_device(
    client, dana, password, django_capture_on_commit_callbacks
):
    other_device = Client()
    other_device.post(reverse("accounts:login"), {"email": dana.email, "password": password})
    client.post(reverse("accounts:login"), {"email": dana.email, "password": password})
    created_at = SignedInSession.objects.get(user=dana, session_key=client.session.session_key).created_at

    ask_for_reset(client, django_capture_on_commit_callbacks, dana.email)
    form_address = client.get(link_path(sent_to(dana.email)[0]))["Location"]
    client.post(form_address, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert client.get(reverse("accounts:profile")).status_code == 200
    assert other_device.get(reverse("accounts:profile")).status_code == 302
    [row] = SignedInSession.objects.filter(user=dana)
    assert row.session_key == client.session.session_key
    assert row.created_at == created_at
    [entry] = AuditEntry.objects.filter(action="account.password_reset", subject_user=dana)
    assert entry.data == {"signed_out_elsewhere": 1}


def test_changing_the_password_keeps_when_this_device_first_signed_in(client, dana, password):
    client.post(reverse("accounts:login"), {"email": dana.email, "password": password})
    created_at = SignedInSession.objects.get(user=dana).created_at

    client.post(CHANGE, {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    [row] = SignedInSession.objects.filter(user=dana)
    assert row.session_key == client.session.session_key
    assert row.created_at == created_at
    assert AuditEntry.objects.filter(action="account.password_changed", subject_user=dana).count() == 1


def test_a_password_change_without_a_browser_ends_every_session(client, dana, password):
    client.post(reverse("accounts:login"), {"email": dana.email, "password": password})

    ended = user_password_change(actor=dana, password=NEW_PASSWORD)

    assert ended == 1
    assert client.get(reverse("accounts:profile")).status_code == 302
    assert not SignedInSession.objects.filter(user=dana).exists()


def test_a_password_change_saves_only_the_password(dana):
    stale = User.objects.get(pk=dana.pk)
    User.objects.filter(pk=dana.pk).update(display_name="Dana Renamed")

    user_password_change(actor=stale, password=NEW_PASSWORD)

    fresh = User.objects.get(pk=dana.pk)
    assert fresh.check_password(NEW_PASSWORD)
    assert fresh.display_name == "Dana Renamed"
