"""The channel layer's Redis settings: which layer, and reads that outlast the queues layer's blocking wait.

The queues layer waits for each process's messages with BZPOPMIN for up to
RedisChannelLayer.brpop_timeout seconds. With redis-py's default read timeout (also 5 s) an idle
wait often timed out in the client; the error ended the consumer that held the wait and its
WebSocket closed without a close frame (found with bench/conversations.py's server logs). The
pub/sub layer (CHANNEL_LAYER=pubsub) has no blocking command.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
from channels_redis.core import RedisChannelLayer

from carecircle.lib.channel_layers import CHANNEL_CAPACITY

SHOW_LAYER = """
import json
from carecircle import settings
print(json.dumps(settings.CHANNEL_LAYERS["default"]))
"""


def layer_for(**env: str) -> dict[str, Any]:
    environment = {key: value for key, value in os.environ.items() if key not in {"REDIS_URL", "CHANNEL_LAYER"}}
    environment.update({"DEBUG": "true", **env})
    shown = subprocess.run(
        [sys.executable, "-c", SHOW_LAYER], env=environment, capture_output=True, text=True, check=False
    )
    assert shown.returncode == 0, shown.stderr
    found: dict[str, Any] = json.loads(shown.stdout.strip().splitlines()[-1])
    return found


def test_with_redis_the_default_is_still_the_queues_layer() -> None:
    # Until the pub/sub layer is measured better on the same machine (docs/performance.md).
    assert (
        layer_for(REDIS_URL="redis://127.0.0.1:6379/9")["BACKEND"]
        == "carecircle.lib.channel_layers.BoundedRedisChannelLayer"
    )


def test_the_pub_sub_layer_can_be_chosen() -> None:
    layer = layer_for(REDIS_URL="redis://127.0.0.1:6379/9", CHANNEL_LAYER="pubsub")

    assert layer["BACKEND"] == "carecircle.lib.channel_layers.BoundedPubSubChannelLayer"
    assert set(layer["CONFIG"]) == {"hosts", "prefix", "capacity"}
    # The same bound as the queues layer, kept in this process instead of Redis.
    assert layer["CONFIG"]["capacity"] == CHANNEL_CAPACITY


def test_without_redis_live_events_stay_in_the_process() -> None:
    assert layer_for()["BACKEND"] == "channels.layers.InMemoryChannelLayer"


def test_the_queues_layer_reads_outlast_its_blocking_wait() -> None:
    layer = layer_for(REDIS_URL="redis://127.0.0.1:6379/9", CHANNEL_LAYER="queues")

    assert layer["BACKEND"] == "carecircle.lib.channel_layers.BoundedRedisChannelLayer"
    assert layer["CONFIG"]["capacity"] == CHANNEL_CAPACITY
    for host in layer["CONFIG"]["hosts"]:
        # Room for a loaded event loop to read the answer after the server's wait ends.
        assert host["socket_timeout"] >= RedisChannelLayer.brpop_timeout + 5


@pytest.mark.parametrize("kind", ["pubsub", "queues"])
def test_each_layer_names_its_own_prefix(kind: str) -> None:
    layer = layer_for(REDIS_URL="redis://127.0.0.1:6379/9", REDIS_PREFIX="mine", CHANNEL_LAYER=kind)

    assert layer["CONFIG"]["prefix"] == "mine:channels"


def test_an_unknown_layer_is_refused_with_a_clear_message() -> None:
    environment = {**os.environ, "DEBUG": "true", "REDIS_URL": "redis://127.0.0.1:6379/9", "CHANNEL_LAYER": "kafka"}
    shown = subprocess.run([sys.executable, "-c", SHOW_LAYER], env=environment, capture_output=True, text=True)

    assert shown.returncode != 0
    assert "CHANNEL_LAYER must be one of pubsub, queues, not 'kafka'" in shown.stderr
