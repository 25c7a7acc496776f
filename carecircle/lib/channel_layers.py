"""The channel layer settings for a deployment with Redis (live events between app processes).

Two layers from channels-redis, chosen with CHANNEL_LAYER (docs/architecture/realtime.md):

- "pubsub" (`RedisPubSubChannelLayer`): each process keeps its own connections' groups and
  subscribes to each group once; a group send is one PUBLISH that every subscribed process hands
  to its members. A send costs one Redis operation whatever the group's size.
- "queues" (`RedisChannelLayer`): Redis keeps the groups; a group send queues one copy per
  connection in the group (one Redis operation per member), and each process waits for its
  connections' copies with a blocking BZPOPMIN.
"""

from __future__ import annotations

from typing import Any

PUBSUB = "pubsub"
QUEUES = "queues"
KINDS = (PUBSUB, QUEUES)

# Reads on the channel layer's connections may take this long. Longer than the queues layer's own
# blocking wait (BZPOPMIN, RedisChannelLayer.brpop_timeout = 5 s): with redis-py's default (also
# 5 s) an idle wait often timed out in the client, the error ended the consumer holding it, and
# that WebSocket closed without a close frame (docs/performance.md, "Why sockets closed").
CHANNEL_LAYER_READ_SECONDS = 15


def redis_channel_layer(url: str, *, prefix: str, kind: str) -> dict[str, Any]:
    """The CHANNEL_LAYERS["default"] entry for the Redis at `url`; `kind` is one of KINDS."""
    if kind not in KINDS:
        raise ValueError(f"CHANNEL_LAYER must be one of {', '.join(KINDS)}, not {kind!r}")
    hosts = [
        {
            "address": url,
            "socket_connect_timeout": 2,
            "socket_timeout": CHANNEL_LAYER_READ_SECONDS,
            "health_check_interval": 30,
        }
    ]
    if kind == PUBSUB:
        # No capacity or expiry: nothing is stored in Redis. A process that isn't subscribed when an
        # event is published never hears it; clients catch up by sequence number (realtime.md).
        return {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": hosts, "prefix": prefix},
        }
    return {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": hosts,
            "prefix": prefix,
            # Defaults (100 messages, 60 s) drop events silently under load; clients also recover any
            # gap through per-circle sequence numbers (docs/architecture/realtime.md).
            "capacity": 1500,
            "expiry": 30,
            "group_expiry": 86400,
        },
    }
