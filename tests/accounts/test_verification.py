from datetime import timedelta

import time_machine
from django.conf import settings
from django.core import mail, signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from carecircle.accounts.models import User
from carecircle.accounts.verification import verification_token_make
from carecircle.audit.models import AuditEntry
from tests.accounts.helpers import link_path, page_text, sent_to
from tests.cast import make_user

RESEND = reverse("accounts:verify_email_resend")


def verify_url(user: User) -> str:
    return reverse("accounts:verify_email", kwargs={"token": verification_token_make(user=user)})


def test_the_link_in_the_sign_up_email_confirms_the_address(client, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("accounts:signup"),
            {"display_name": "Dana", "email": "dana@example.org", "password": "quiet-harbour-lantern-42"},
        )
    [message] = sent_to("dana@example.org")

    response = client.post(link_path(message))

    assert response.status_code == 200
    assert "is now confirmed" in response.content.decode()
    user = User.objects.get(email="dana@example.org")
    assert user.email_verified
    assert AuditEntry.objects.filter(action="account.email_verified", subject_user=user).exists()


def test_opening_the_link_asks_for_a_button_press_and_confirms_nothing(client, db):
    """Email scanners open every link; only pressing the button (a POST) confirms the address."""
    user = make_user("dana")
    url = verify_url(user)

    response = client.get(url)

    assert response.status_code == 200
    content = page_text(response)
    assert "Confirm my email address</button>" in content
    assert '<form method="post">' in content
    assert 'name="csrfmiddlewaretoken"' in content
    assert user.email in content
    user.refresh_from_db()
    assert not user.email_verified
    assert not AuditEntry.objects.filter(action="account.email_verified", subject_user=user).exists()


def test_pressing_the_button_needs_the_pages_csrf_token(db):
    user = make_user("dana")
    url = verify_url(user)
    browser = Client(enforce_csrf_checks=True)

    assert browser.post(url).status_code == 403
    user.refresh_from_db()
    assert not user.email_verified

    browser.get(url)
    response = browser.post(url, {"csrfmiddlewaretoken": browser.cookies["csrftoken"].value})

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.email_verified


def test_the_link_works_without_being_signed_in(client, db):
    user = make_user("dana")

    response = client.post(verify_url(user))

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.email_verified


def test_confirming_twice_says_it_was_already_done(client, db):
    user = make_user("dana")
    url = verify_url(user)
    client.post(url)
    first_confirmed_at = User.objects.get(pk=user.pk).email_verified_at

    response = client.post(url)

    assert response.status_code == 200
    assert "already confirmed" in response.content.decode()
    assert User.objects.get(pk=user.pk).email_verified_at == first_confirmed_at


def test_opening_the_link_once_confirmed_says_so_without_a_button(client, db):
    user = make_user("dana")
    url = verify_url(user)
    client.post(url)

    response = client.get(url)

    assert response.status_code == 200
    content = response.content.decode()
    assert "already confirmed" in content
    assert "Confirm my email address</button>" not in content


def test_a_changed_link_is_refused_kindly_with_a_way_to_get_a_new_one(as_user, db):
    user = make_user("dana")
    url = verify_url(user)
    tampered = url.replace(url.rstrip("/")[-4:], "AAAA")

    response = as_user(user).get(tampered)

    assert response.status_code == 400
    content = response.content.decode()
    assert "This link doesn't work" in content
    assert RESEND in content
    assert as_user(user).post(tampered).status_code == 400
    user.refresh_from_db()
    assert not user.email_verified


def test_a_value_signed_for_another_purpose_is_refused(client, db):
    user = make_user("dana")
    # Same key and same content, but without the verification salt: another feature's signature must not work.
    token = signing.TimestampSigner().sign_object({"user": user.pk, "email": user.email})

    url = reverse("accounts:verify_email", kwargs={"token": token})

    assert client.get(url).status_code == 400
    assert client.post(url).status_code == 400
    user.refresh_from_db()
    assert not user.email_verified


def test_an_expired_link_is_refused_and_explains_why(client, db):
    user = make_user("dana")
    with time_machine.travel(timezone.now() - timedelta(seconds=settings.EMAIL_VERIFICATION_MAX_AGE + 60)):
        url = verify_url(user)

    for response in (client.get(url), client.post(url)):
        assert response.status_code == 410
        content = response.content.decode()
        assert "expired" in content
        assert "Send a new link" in content
    user.refresh_from_db()
    assert not user.email_verified


def test_a_link_still_works_near_the_end_of_its_life(client, db):
    user = make_user("dana")
    with time_machine.travel(timezone.now() - timedelta(seconds=settings.EMAIL_VERIFICATION_MAX_AGE - 60)):
        url = verify_url(user)

    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 200
    user.refresh_from_db()
    assert user.email_verified


def test_a_link_for_an_old_email_address_stops_working(client, db):
    user = make_user("dana")
    url = verify_url(user)
    User.objects.filter(pk=user.pk).update(email="dana.new@example.org")

    assert client.get(url).status_code == 400
    assert client.post(url).status_code == 400
    assert not User.objects.get(pk=user.pk).email_verified


def test_unconfirmed_people_see_a_reminder_on_their_account_page(as_user, db):
    user = make_user("dana")

    content = as_user(user).get(reverse("accounts:profile")).content.decode()

    assert "Please confirm your email address" in content
    assert RESEND in content


def test_confirmed_people_see_no_reminder(as_user, db):
    user = make_user("dana")
    User.objects.filter(pk=user.pk).update(email_verified_at=timezone.now())

    content = as_user(user).get(reverse("accounts:profile")).content.decode()

    assert "Please confirm your email address" not in content


def test_asking_again_sends_a_new_working_link(as_user, db, django_capture_on_commit_callbacks):
    user = make_user("dana")
    client = as_user(user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RESEND)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:profile")
    [message] = sent_to(user.email)
    assert client.post(link_path(message)).status_code == 200
    user.refresh_from_db()
    assert user.email_verified


def test_each_request_for_a_new_link_sends_a_new_email(as_user, db, django_capture_on_commit_callbacks):
    user = make_user("dana")
    client = as_user(user)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(RESEND)
        client.post(RESEND)

    assert len(sent_to(user.email)) == 2


def test_new_links_are_limited_each_hour(as_user, db, django_capture_on_commit_callbacks):
    user = make_user("dana")
    client = as_user(user)

    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(7):
            response = client.post(RESEND, follow=True)

    assert len(sent_to(user.email)) == 5
    assert "try again in an hour" in response.content.decode()


def test_no_new_link_is_sent_once_the_address_is_confirmed(as_user, db, django_capture_on_commit_callbacks):
    user = make_user("dana")
    User.objects.filter(pk=user.pk).update(email_verified_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(user).post(RESEND, follow=True)

    assert len(mail.outbox) == 0
    assert "already confirmed" in response.content.decode()


def test_asking_for_a_new_link_needs_post(as_user, db):
    assert as_user(make_user("dana")).get(RESEND).status_code == 405


def test_asking_for_a_new_link_signed_out_goes_to_sign_in(client, db):
    response = client.post(RESEND)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
