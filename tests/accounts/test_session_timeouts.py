"""Sessions end after a time without use, and after an absolute time whatever happens."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from carecircle.accounts.models import SignedInSession

HOME = reverse("circles:list")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_session_unused_for_longer_than_the_idle_time_is_signed_out(dana, settings):
    settings.SESSION_IDLE_TIMEOUT = 3600
    client = signed_in(dana)
    client.get(HOME)

    with time_machine.travel(timezone.now() + timedelta(minutes=61), tick=False):
        response = client.get(HOME)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in client.session
    assert not SignedInSession.objects.filter(user=dana).exists()


def test_using_the_site_keeps_the_session_alive(dana, settings):
    settings.SESSION_IDLE_TIMEOUT = 3600
    client = signed_in(dana)
    start = timezone.now()
    for minutes in (50, 100, 150):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get(HOME).status_code == 200


def test_even_a_busy_session_ends_at_the_absolute_limit(dana, settings):
    settings.SESSION_IDLE_TIMEOUT = 3600
    settings.SESSION_ABSOLUTE_TIMEOUT = 3 * 3600
    client = signed_in(dana)
    start = timezone.now()
    for minutes in (50, 100, 150):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get(HOME).status_code == 200
    with time_machine.travel(start + timedelta(minutes=181), tick=False):
        assert client.get(HOME).status_code == 302


def test_professionals_get_the_strict_idle_time(professional, helper, settings):
    settings.SESSION_IDLE_TIMEOUT = 14 * 24 * 3600
    settings.SESSION_IDLE_TIMEOUT_STRICT = 30 * 60
    nurse = signed_in(professional)
    son = signed_in(helper)

    with time_machine.travel(timezone.now() + timedelta(minutes=31), tick=False):
        assert nurse.get(HOME).status_code == 302
        assert son.get(HOME).status_code == 200
