"""GET /healthz: what a load balancer or an operator asks before sending people to this process."""

from __future__ import annotations

import pytest

CHECK_NAMES = {"database", "cache", "channel_layer", "task_queue"}
# Nothing listens on port 1 of the loopback address: connecting fails at once.
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def test_it_is_200_when_every_check_is_ok(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert set(body["checks"]) == CHECK_NAMES
    for result in body["checks"].values():
        assert result["ok"] is True
        assert isinstance(result["ms"], float)
        assert result["ms"] >= 0


def test_it_is_503_when_the_cache_is_unreachable(client, db, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": UNREACHABLE_REDIS}
    }

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["ok"] is False
    assert body["checks"]["cache"] == {"ok": False, "error": "ConnectionError"}
    assert all(body["checks"][name]["ok"] for name in CHECK_NAMES - {"cache"})


def test_it_is_503_when_the_channel_layer_is_broken(client, db, settings):
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [UNREACHABLE_REDIS]}}
    }

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["channel_layer"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


def test_it_names_the_failure_without_revealing_connection_details(client, db, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": UNREACHABLE_REDIS}
    }

    text = client.get("/healthz").content.decode()

    assert "127.0.0.1" not in text
    assert "redis://" not in text


def test_it_is_never_cached(client, db):
    response = client.get("/healthz")

    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_it_answers_only_get(client, db, method):
    assert getattr(client, method)("/healthz").status_code == 405
