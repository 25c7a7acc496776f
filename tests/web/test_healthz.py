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


@pytest.fixture
def no_event_loop(monkeypatch):
    """Fail the test if the health check drives a coroutine from its synchronous view."""
    import asgiref.sync

    def refused(*args, **kwargs):
        raise AssertionError("the health check must not need async_to_sync")

    monkeypatch.setattr(asgiref.sync.AsyncToSync, "__call__", refused)


@pytest.mark.parametrize("kind", ["pubsub", "queues"])
def test_the_channel_layer_is_checked_by_a_round_trip_through_its_redis(
    client, db, settings, private_redis, no_event_loop, kind
):
    import redis

    from carecircle.lib.channel_layers import redis_channel_layer

    port, restart = private_redis
    settings.CHANNEL_LAYERS = {
        "default": redis_channel_layer(f"redis://127.0.0.1:{port}/0", prefix="healthz-test", kind=kind)
    }
    server = redis.Redis(port=port)
    before = int(server.info("commandstats").get("cmdstat_publish", {}).get("calls", 0))

    assert client.get("/healthz").status_code == 200
    # One probe published and read back; nothing left subscribed, no connection left open.
    assert int(server.info("commandstats")["cmdstat_publish"]["calls"]) == before + 1
    assert server.pubsub_channels("healthz-test*") == []
    assert server.info("clients")["connected_clients"] == 1
    server.close()

    # After a Redis restart the check is "ok" as soon as Redis is, with no stale connection to fail on.
    restart()
    assert client.get("/healthz").status_code == 200


def test_it_is_503_when_the_channel_layer_redis_does_not_answer_the_probe(client, db, settings, monkeypatch):
    import redis.client

    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:6379/0"]},
        }
    }
    # Redis answers, but the published probe reaches no subscriber (as when it lost the subscription).
    monkeypatch.setattr(redis.client.Redis, "publish", lambda self, channel, message: 0)
    monkeypatch.setattr(redis.client.PubSub, "subscribe", lambda self, *channels: None)
    monkeypatch.setattr(redis.client.PubSub, "get_message", lambda self, **kwargs: {"type": "subscribe"})

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["channel_layer"] == {"ok": False, "error": "RuntimeError"}
    assert response.json()["checks"]["database"]["ok"] is True
