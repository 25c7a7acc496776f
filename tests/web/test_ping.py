"""GET /ping: the process answers, and nothing else is asked (no cache, no database), even signed in.

/ping is liveness and the benchmarks' bare baseline; readiness is /healthz (tests/web/test_healthz.py).
A private redis-server (tests/servers.py) is the cache, and every command this process sends it is
counted (tests/redis_commands.py).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.cast import Cast
from tests.circles.test_home_redis import redis_cache  # noqa: F401 (a fixture)
from tests.conftest import client_for
from tests.redis_commands import counting_redis_commands

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("redis_cache")]


@pytest.mark.parametrize("signed_in", [True, False], ids=["signed in", "signed out"])
def test_it_touches_neither_the_cache_nor_the_database(
    cast: Cast, django_assert_num_queries: Any, signed_in: bool
) -> None:
    client = client_for(cast.helper) if signed_in else Client()
    # The session is saved and its records written by an ordinary page first.
    assert client.get(reverse("circles:list") if signed_in else "/").status_code in {200, 302}

    with counting_redis_commands() as counted, django_assert_num_queries(0):
        response = client.get("/ping")

    assert response.status_code == 200
    assert response.content == b"ok"
    assert counted.names == []


def test_it_keeps_the_security_headers_and_refuses_other_methods(client: Client) -> None:
    response = client.get(reverse("web:ping"))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-cache" in response["Cache-Control"]

    assert client.post("/ping").status_code == 405
