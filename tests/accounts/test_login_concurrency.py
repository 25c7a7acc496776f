"""Sign-in throttling holds under a burst of simultaneous attempts (security review finding 1)."""

from functools import partial
from typing import Any

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.test import Client
from django.urls import reverse

from carecircle.audit.models import AuditEntry
from tests.bursts import at_once
from tests.cast import make_user

ATTEMPTS = 24


class SlowEnoughHasher(PBKDF2PasswordHasher):
    """Slow enough that simultaneous attempts overlap while their passwords are checked."""

    algorithm = "pbkdf2_sha256_tests"
    iterations = 60_000


def burst(email: str, count: int) -> list[int]:
    def attempt(client: Client) -> int:
        return client.post(reverse("accounts:login"), {"email": email, "password": "wrong-password-here"}).status_code

    clients = [Client() for _ in range(count)]
    return at_once([partial(attempt, client) for client in clients], timeout=120)


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
