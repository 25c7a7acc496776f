"""Served pages share one Redis connection pool per process, not one new connection per request.

Django keeps cache objects per context, and the server runs each request in a copy of the event
loop's context (a2wsgi, carecircle/asgi.py): with Django's own `RedisCache` every request built a
new client, a new pool and a new connection to Redis with its handshake. `SharedRedisCache`
(lib/redis_cache.py) makes one client per process (docs/architecture/serving.md, "Redis").
"""

from __future__ import annotations

import contextvars
from typing import Any

import pytest
import redis
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client
from django.urls import reverse

from carecircle.lib.redis_cache import SharedRedisCache
from tests.cast import Cast, build_cast
from tests.web.test_connections import _serve

SHARED = "carecircle.lib.redis_cache.SharedRedisCache"
DJANGOS = "django.core.cache.backends.redis.RedisCache"


@pytest.fixture
def redis_port(private_redis: tuple[int, Any]) -> int:
    """A throwaway Redis of this test's own (tests/conftest.py), so its counters count only this test."""
    return private_redis[0]


def _connections_received(client: redis.Redis) -> int:
    return int(client.info("stats")["total_connections_received"])


def test_cache_objects_with_the_same_settings_share_one_client() -> None:
    options = {"OPTIONS": {"socket_timeout": 2}}
    first = SharedRedisCache("redis://127.0.0.1:1/0", options)
    second = SharedRedisCache("redis://127.0.0.1:1/0", options)
    other_database = SharedRedisCache("redis://127.0.0.1:1/1", options)
    other_options = SharedRedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_timeout": 3}})

    assert first is not second
    assert first._cache is second._cache
    assert other_database._cache is not first._cache
    assert other_options._cache is not first._cache


@pytest.mark.parametrize(("backend", "most_new_connections"), [(SHARED, 0), (DJANGOS, None)])
def test_requests_in_fresh_contexts_open_no_new_redis_connection(
    transactional_db: None, settings: Any, redis_port: int, backend: str, most_new_connections: int | None
) -> None:
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": backend, "LOCATION": f"redis://127.0.0.1:{redis_port}/0", "KEY_PREFIX": "served"},
    }
    cast: Cast = build_cast()
    client = Client()
    client.force_login(cast.helper)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    handler = WSGIHandler()
    paths = [reverse("web:accessibility"), reverse("circles:list"), reverse("accounts:profile")]
    counter = redis.Redis(port=redis_port)

    # Each request in a new context, as a2wsgi runs it: no cache object carries over.
    assert contextvars.Context().run(_serve, handler, paths[0], cookie) == 200
    before = _connections_received(counter)
    for path in paths * 2:
        assert contextvars.Context().run(_serve, handler, path, cookie) == 200
    opened = _connections_received(counter) - before - 1  # INFO's own read is on the kept connection

    if most_new_connections is None:
        # Django's own RedisCache: a new connection for nearly every request (why SharedRedisCache exists).
        assert opened >= len(paths)
    else:
        assert opened <= most_new_connections


def test_served_requests_build_no_redis_client_per_command(
    transactional_db: None, settings: Any, redis_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Django's client made a `redis.Redis` (≈ 0.09 ms, its reply table) for every command; ours keeps one per pool."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": SHARED, "LOCATION": f"redis://127.0.0.1:{redis_port}/0", "KEY_PREFIX": "kept"},
    }
    built: list[object] = []
    original_init = redis.Redis.__init__

    def counting_init(self: redis.Redis, *args: Any, **kwargs: Any) -> None:
        built.append(self)
        original_init(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "__init__", counting_init)
    cast: Cast = build_cast()
    client = Client()
    client.force_login(cast.helper)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    handler = WSGIHandler()
    paths = [reverse("web:accessibility"), reverse("circles:home", args=[cast.circle.pk]), reverse("circles:list")]

    assert contextvars.Context().run(_serve, handler, paths[0], cookie) == 200
    commands = redis.Redis(port=redis_port)
    built.clear()
    before = int(commands.info("stats")["total_commands_processed"])
    for path in paths * 2:
        assert contextvars.Context().run(_serve, handler, path, cookie) == 200
    ran = int(commands.info("stats")["total_commands_processed"]) - before - 1

    assert ran >= len(paths) * 2  # every request read Redis (at least its session) ...
    assert built == []  # ... and none of those reads built a client
