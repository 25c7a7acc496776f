"""Sign-in throttling holds under a burst of simultaneous attempts (security review finding 1)."""

import threading
from typing import Any

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.test import Client
from django.urls import reverse

from carecircle.audit.models import AuditEntry
from tests.cast import make_user

ATTEMPTS = 24


class SlowEnoughHasher(PBKDF2PasswordHasher):
    """Slow enough that simultaneous attempts overlap while their passwords are checked."""

    algorithm = "pbkdf2_sha256_tests"
    iterations = 60_000


def burst(email: str, count: int) -> list[int]:
    start = threading.Barrier(count)
    statuses: list[int] = []
    lock = threading.Lock()

    def attempt() -> None:
        client = Client()
        start.wait()
        try:
            response = client.post(reverse("accounts:login"), {"email": email, "password": "wrong-password-here"})
            with lock:
                statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_wrong_passwords_gets_at_most_the_limit_checked(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["tests.accounts.test_login_concurrency.SlowEnoughHasher"]
    settings.LOGIN_ATTEMPTS_PER_ACCOUNT = 3
    settings.LOGIN_ATTEMPTS_PER_ADDRESS = 1000
    dana = make_user("dana", email="dana@example.org", display_name="Dana Daughter")

    statuses = burst(dana.email, ATTEMPTS)

    checked = AuditEntry.objects.filter(action="account.sign_in_failed", subject_user=dana).count()
    assert len(statuses) == ATTEMPTS
    assert checked == 3
    assert sorted(statuses) == [400] * 3 + [429] * (ATTEMPTS - 3)
