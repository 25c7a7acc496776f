"""Changing the email address: step-up, a link to the new address, a notice to the old one."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from carecircle.accounts.models import SignedInSession
from carecircle.notifications.models import Delivery
from tests.cast import signed_in_session_key

CHANGE = reverse("accounts:email_change")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def confirm_link(address: str) -> str:
    body = Delivery.objects.get(to=address, subject="Confirm your new email address for CareCircle").body
    return urlsplit(next(word for word in body.split() if "/account/email/confirm/" in word)).path


def test_the_address_changes_only_when_the_link_from_the_new_address_is_used(dana):
    other = signed_in_session_key(dana)
    SignedInSession.objects.create(user=dana, session_key=other)
    client = signed_in(dana)

    assert client.post(CHANGE, {"email": "Dana.New@Example.org"}).status_code == 302
    dana.refresh_from_db()
    assert dana.email == "dana@example.org"
    link = confirm_link("dana.new@example.org")
    assert client.get(link).status_code == 200
    dana.refresh_from_db()
    assert dana.email == "dana@example.org", "opening the link (as a mail scanner does) changes nothing"

    assert client.post(link).status_code == 302
    dana.refresh_from_db()
    assert dana.email == "dana.new@example.org"
    assert Delivery.objects.filter(to="dana@example.org", subject="Your CareCircle email address was changed").exists()
    assert not SignedInSession.objects.filter(session_key=other).exists()
    assert client.post(link).status_code == 400, "a used link no longer applies"


def test_changing_the_address_needs_a_recent_confirmation(dana):
    client = signed_in(dana)
    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=False):
        response = client.post(CHANGE, {"email": "new@example.org"})
    assert response["Location"].startswith(reverse("accounts:step_up"))
    assert not Delivery.objects.filter(to="new@example.org").exists()


def test_an_address_with_an_account_is_refused(dana, eve):
    response = signed_in(dana).post(CHANGE, {"email": eve.email})
    assert response.status_code == 400
    assert not Delivery.objects.filter(to=eve.email, subject__startswith="Confirm your new").exists()
