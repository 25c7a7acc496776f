"""API rate limits per token and per address: a burst gets exactly the limit through, the rest 429 with Retry-After."""

from __future__ import annotations

from functools import partial

import pytest
from django.test import Client

from carecircle.accounts.services import api_token_create
from tests.bursts import at_once


def burst(make_client, count: int) -> list[tuple[int, str | None]]:
    """Each client made first, then every request sent at the same moment."""
    clients = [make_client() for _ in range(count)]

    def one(client: Client) -> tuple[int, str | None]:
        response = client.get("/api/v1/me")
        return response.status_code, response.headers.get("Retry-After")

    return at_once([partial(one, client) for client in clients])


@pytest.mark.django_db(transaction=True)
def test_a_burst_on_one_token_lets_exactly_the_limit_through(settings, django_user_model):
    from tests.cast import make_user

    settings.API_RATE_LIMIT_PER_TOKEN = 5
    settings.API_RATE_LIMIT_PER_ADDRESS = 1000
    dana = make_user("dana")
    _, secret = api_token_create(actor=dana, name="Burst")

    results = burst(lambda: Client(headers={"Authorization": f"Bearer {secret}"}), 12)

    assert sorted(status for status, _ in results) == [200] * 5 + [429] * 7
    assert all(int(wait or 0) > 0 for status, wait in results if status == 429)


@pytest.mark.django_db(transaction=True)
def test_one_address_is_limited_whatever_tokens_it_uses(settings):
    from tests.cast import make_user

    settings.API_RATE_LIMIT_PER_TOKEN = 1000
    settings.API_RATE_LIMIT_PER_ADDRESS = 4
    secrets = [api_token_create(actor=make_user(f"user{index}"), name="t")[1] for index in range(8)]
    queue = list(secrets)

    results = burst(lambda: Client(headers={"Authorization": f"Bearer {queue.pop()}"}), 8)

    assert sorted(status for status, _ in results) == [200] * 4 + [429] * 4


def test_a_refusal_says_why_in_json(settings, organiser):
    settings.API_RATE_LIMIT_PER_ADDRESS = 1
    client = Client()
    client.get("/api/v1/me")
    response = client.get("/api/v1/me")
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert int(response["Retry-After"]) >= 1


def test_the_api_still_answers_when_the_cache_is_down(settings, organiser, monkeypatch):
    from carecircle.lib import ratelimit

    def broken(*args, **kwargs):
        raise ConnectionError("Redis is restarting")

    monkeypatch.setattr(ratelimit, "hit", broken)
    _, secret = api_token_create(actor=organiser, name="t")
    assert Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/me").status_code == 200
