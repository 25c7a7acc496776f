"""The channel layer settings for a deployment with Redis (live events between app processes).

Two layers from channels-redis, chosen with CHANNEL_LAYER (docs/architecture/realtime.md):

- "pubsub" (`RedisPubSubChannelLayer`): each process keeps its own connections' groups and
  subscribes to each group once; a group send is one PUBLISH that every subscribed process hands
  to its members. A send costs one Redis operation whatever the group's size.
- "queues" (`RedisChannelLayer`): Redis keeps the groups; a group send queues one copy per
  connection in the group (one Redis operation per member), and each process waits for its
  connections' copies with a blocking BZPOPMIN.

Both hold at most CHANNEL_CAPACITY messages for one connection that doesn't read fast enough (a slow
phone): the queues layer in Redis (channels-redis's `capacity`), the pub/sub layer in the process
(BoundedPubSubChannelLayer below; channels-redis's own queue there has no bound at all).
"""

from __future__ import annotations

import asyncio
from typing import Any

from channels_redis.pubsub import RedisPubSubChannelLayer, RedisPubSubLoopLayer
from channels_redis.utils import _wrap_close

PUBSUB = "pubsub"
QUEUES = "queues"
KINDS = (PUBSUB, QUEUES)
PUBSUB_BACKEND = "carecircle.lib.channel_layers.BoundedPubSubChannelLayer"

# Reads on the channel layer's connections may take this long. Longer than the queues layer's own
# blocking wait (BZPOPMIN, RedisChannelLayer.brpop_timeout = 5 s): with redis-py's default (also
# 5 s) an idle wait often timed out in the client, the error ended the consumer holding it, and
# that WebSocket closed without a close frame (docs/performance.md, "Why sockets closed").
CHANNEL_LAYER_READ_SECONDS = 15
# Messages held for one connection that isn't reading them (either layer). Defaults (100 messages,
# 60 s) dropped events silently under load; 1,500 is several seconds at the budget's 200 events a
# second, and well under 1 MB of small id-only events.
CHANNEL_CAPACITY = 1500
# The message a pub/sub connection gets instead of the ones it fell too far behind on
# (EventsConsumer.channel_overflowed closes the socket; the client reconnects and catches up).
OVERFLOWED = "channel.overflowed"


class ChannelBacklog(asyncio.Queue[bytes]):
    """One connection's messages waiting in this process: at most `capacity`, then one "overflowed" marker.

    A connection `capacity` messages behind isn't keeping up with live events. What it has waiting is
    dropped and replaced by the marker, and nothing more is kept for it: its consumer closes the
    socket on reading the marker, and the client catches up from its sequence numbers on reconnect,
    which covers every message dropped here. Memory stays bounded however slow the reader.
    """

    def __init__(self, *, capacity: int, marker: bytes) -> None:
        super().__init__()
        self.capacity = capacity
        self.marker = marker
        self.overflowed = False

    def put_nowait(self, item: bytes) -> None:
        # Called for every message the process hears (channels-redis's receive task): never raises,
        # or that task would log, pause a second and skip the other connections in the group.
        if self.overflowed:
            return
        if self.qsize() >= self.capacity:
            self.overflowed = True
            while not self.empty():
                self.get_nowait()
            item = self.marker
        super().put_nowait(item)


class BoundedPubSubLoopLayer(RedisPubSubLoopLayer):  # type: ignore[misc]  # channels-redis has no type hints
    """channels-redis's pub/sub layer for one event loop, with a ChannelBacklog per connection."""

    def __init__(self, *args: Any, capacity: int = CHANNEL_CAPACITY, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.capacity = capacity

    async def _subscribe_to_channel(self, channel: str) -> None:
        marker: bytes = self.channel_layer.serialize({"type": OVERFLOWED})
        self.channels[channel] = ChannelBacklog(capacity=self.capacity, marker=marker)
        await self._get_shard(channel).subscribe(channel)


class BoundedPubSubChannelLayer(RedisPubSubChannelLayer):  # type: ignore[misc]  # channels-redis has no type hints
    """RedisPubSubChannelLayer holding at most `capacity` messages per connection (ChannelBacklog)."""

    def _get_layer(self) -> BoundedPubSubLoopLayer:
        # As the parent's, with the bounded loop layer; `capacity` arrives in self._kwargs from CONFIG.
        loop = asyncio.get_running_loop()
        layer: BoundedPubSubLoopLayer | None = self._layers.get(loop)
        if layer is None:
            layer = BoundedPubSubLoopLayer(*self._args, **self._kwargs, channel_layer=self)
            self._layers[loop] = layer
            _wrap_close(self, loop)
        return layer


def redis_channel_layer(url: str, *, prefix: str, kind: str, capacity: int = CHANNEL_CAPACITY) -> dict[str, Any]:
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
        # No expiry: nothing is stored in Redis. A process that isn't subscribed when an event is
        # published never hears it; clients catch up by sequence number (realtime.md). The capacity
        # bounds what the process holds for a connection that reads too slowly.
        return {
            "BACKEND": PUBSUB_BACKEND,
            "CONFIG": {"hosts": hosts, "prefix": prefix, "capacity": capacity},
        }
    return {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": hosts,
            "prefix": prefix,
            # A full queue drops the newest events for that connection; its client notices the gap at
            # the next event it hears, or at the next refresh (docs/architecture/realtime.md).
            "capacity": capacity,
            "expiry": 30,
            "group_expiry": 86400,
        },
    }
