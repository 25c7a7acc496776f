"""The channel layer settings for a deployment with Redis (live events between app processes).

Two layers from channels-redis, chosen with CHANNEL_LAYER (docs/architecture/realtime.md):

- "pubsub" (`RedisPubSubChannelLayer`): each process keeps its own connections' groups and
  subscribes to each group once; a group send is one PUBLISH that every subscribed process hands
  to its members. A send costs one Redis operation whatever the group's size.
- "queues" (`RedisChannelLayer`, as BoundedRedisChannelLayer): Redis keeps the groups; a group send queues one copy per
  connection in the group (one Redis operation per member), and each process waits for its
  connections' copies with a blocking BZPOPMIN.

Both hold at most CHANNEL_CAPACITY messages for one connection that doesn't read fast enough (a slow
phone), and say so when that is exceeded: what was waiting is replaced by one OVERFLOWED message, and
the consumer closes the socket so its client reconnects and catches up (ChannelBacklog,
BoundedPubSubChannelLayer, BoundedRedisChannelLayer below; docs/architecture/realtime.md).
"""

from __future__ import annotations

import asyncio
import collections
import functools
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

import redis.asyncio
from channels_redis.core import ChannelLock, RedisChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer, RedisPubSubLoopLayer
from channels_redis.utils import _wrap_close

logger = logging.getLogger(__name__)

PUBSUB = "pubsub"
QUEUES = "queues"
KINDS = (PUBSUB, QUEUES)
PUBSUB_BACKEND = "carecircle.lib.channel_layers.BoundedPubSubChannelLayer"
QUEUES_BACKEND = "carecircle.lib.channel_layers.BoundedRedisChannelLayer"

# Reads on the channel layer's connections may take this long. Longer than the queues layer's own
# blocking wait (BZPOPMIN, RedisChannelLayer.brpop_timeout = 5 s): with redis-py's default (also
# 5 s) an idle wait often timed out in the client, the error ended the consumer holding it, and
# that WebSocket closed without a close frame (docs/performance.md, "Why sockets closed").
CHANNEL_LAYER_READ_SECONDS = 15
# Messages held for one connection that isn't reading them (either layer). Defaults (100 messages,
# 60 s) dropped events silently under load; 1,500 is several seconds at the budget's 200 events a
# second, and well under 1 MB of small id-only events.
CHANNEL_CAPACITY = 1500
# The message a connection gets instead of the ones it fell too far behind on (either layer;
# EventsConsumer.channel_overflowed closes the socket; the client reconnects and catches up).
OVERFLOWED = "channel.overflowed"
# What every connection of a process hears when the process's read from Redis failed (queues
# layer; Redis went away and may have forgotten every group): EventsConsumer.channel_lost closes the
# socket with 1012 and the client reconnects and catches up.
LOST = "channel.lost"
# The queues layer's connections to Redis per process (redis-py's default pool size), and how long
# a command waits for one of them to be free. redis-py's pool refuses the 101st at once
# (MaxConnectionsError), which a process's 500 connections reached together when their clients came
# or went at once (BoundedRedisChannelLayer.create_pool).
POOL_CONNECTIONS = 100
POOL_WAIT_SECONDS = 10.0
# How long the queues layer's reader waits after its read from Redis failed before reading again.
LOST_PAUSE_SECONDS = 1.0
# How long `subscriptions_confirm` waits for a pub/sub process's subscriptions to work again after
# Redis came back, and how long each probe may take to come back before it is published again.
CONFIRM_SECONDS = 5.0
PROBE_SECONDS = 0.25
# The key of a personal event sent once to a whole circle: the members it is for (realtime/events.py,
# users_event_send). The queues layer hands such an event only to those members' connections.
FOR_USERS = "for_users"


class ChannelBacklog(asyncio.Queue[Any]):
    """One connection's messages waiting in this process: at most `capacity`, then one "overflowed" marker.

    A connection `capacity` messages behind isn't keeping up with live events. What it has waiting is
    dropped and replaced by the marker, and nothing more is kept for it: its consumer closes the
    socket on reading the marker, and the client catches up from its sequence numbers on reconnect,
    which covers every message dropped here. Memory stays bounded however slow the reader.
    """

    def __init__(self, *, capacity: int, marker: Any) -> None:
        super().__init__()
        self.capacity = capacity
        self.marker = marker
        self.overflowed = False
        # The connection's consumer, if it can handle a message at once (`channel_taker`): called
        # with each message that arrives while nothing waits here; True if it was handled.
        self.taker: Callable[[Any], bool] | None = None

    def put_nowait(self, item: Any) -> None:
        # Called for every message the process hears (channels-redis's receive task): never raises,
        # or that task would log, pause a second and skip the other connections in the group.
        # The marker itself may arrive from outside too (the queues layer's Redis list overflowed).
        if self.overflowed:
            return
        if self.taker is not None and self.empty() and item is not self.marker and self._taken(item):
            # Handled here, in the reader's turn: no wake-up of the connection's task. Only when
            # nothing is waiting, so the connection's messages keep their order.
            return
        if self.qsize() >= self.capacity or item == self.marker:
            self.overflowed = True
            while not self.empty():
                self.get_nowait()
            item = self.marker
        super().put_nowait(item)

    def _taken(self, item: Any) -> bool:
        assert self.taker is not None
        try:
            return self.taker(item)
        except Exception:
            # Left to the connection's own task, which meets the same error in its own turn.
            logger.warning("A live connection could not take a message at once", exc_info=True)
            return False


class BoundedPubSubLoopLayer(RedisPubSubLoopLayer):  # type: ignore[misc]  # channels-redis has no type hints
    """channels-redis's pub/sub layer for one event loop, with a ChannelBacklog per connection."""

    def __init__(self, *args: Any, capacity: int = CHANNEL_CAPACITY, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.capacity = capacity

    async def _subscribe_to_channel(self, channel: str) -> None:
        marker: bytes = self.channel_layer.serialize({"type": OVERFLOWED})
        self.channels[channel] = ChannelBacklog(capacity=self.capacity, marker=marker)
        await self._get_shard(channel).subscribe(channel)

    async def subscriptions_confirm(self, *, timeout: float = CONFIRM_SECONDS) -> bool:
        """Wait until this process's subscriptions work on the Redis running now; False if not within `timeout`.

        After Redis restarts, channels-redis subscribes again only when its receive task next fails
        and retries (about a second later), while `group_add` of a group it already had does nothing.
        Anything published before then is lost, so the watchdog must not tell connections their
        circles' latest numbers until this returns: a probe published now on each connection to
        Redis came back, and its subscription was sent after every other one on that connection.
        """
        deadline = time.monotonic() + timeout
        for shard in self._shards:
            if shard._subscribed_to and not await self._probe(shard, deadline):
                return False
        return True

    async def _probe(self, shard: Any, deadline: float) -> bool:
        name = f"{self.prefix}probe.{uuid.uuid4().hex}"
        heard: asyncio.Queue[bytes] = asyncio.Queue()
        self.channels[name] = heard
        try:
            subscribed = False
            while time.monotonic() < deadline:
                try:
                    if not subscribed:
                        await shard.subscribe(name)
                        subscribed = True
                    await shard.publish(name, b"probe")
                except Exception:
                    # Redis answered the watchdog but this connection isn't back yet: ask again.
                    logger.debug("The pub/sub probe could not be sent yet", exc_info=True)
                    await asyncio.sleep(PROBE_SECONDS)
                    continue
                try:
                    await asyncio.wait_for(heard.get(), PROBE_SECONDS)
                except TimeoutError:
                    continue
                return True
            return False
        finally:
            del self.channels[name]
            try:
                await shard.unsubscribe(name)
            except Exception:
                logger.debug("Could not unsubscribe the pub/sub probe", exc_info=True)


class BoundedPubSubChannelLayer(RedisPubSubChannelLayer):  # type: ignore[misc]  # channels-redis has no type hints
    """RedisPubSubChannelLayer holding at most `capacity` messages per connection (ChannelBacklog).

    A message published to a group arrives once per process and is put, as the same bytes, in the
    queue of each member connection; each connection's receive then unpacked it again. The last
    few unpacked are kept by the identity of those bytes (`deserialize`), so a group's message is
    unpacked once per process, and every connection gets the same dict (which nobody changes).
    """

    # Messages remembered: more than any connection is likely to be behind its group's others.
    remembered = 64

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unpacked: collections.OrderedDict[int, tuple[bytes, Any]] = collections.OrderedDict()

    def deserialize(self, message: bytes) -> Any:
        found = self.unpacked.get(id(message))
        if found is not None and found[0] is message:
            return found[1]
        unpacked = super().deserialize(message)
        # Keeping the bytes keeps their id from being reused while remembered.
        self.unpacked[id(message)] = (message, unpacked)
        if len(self.unpacked) > self.remembered:
            self.unpacked.popitem(last=False)
        return unpacked

    def _get_layer(self) -> BoundedPubSubLoopLayer:
        # As the parent's, with the bounded loop layer; `capacity` arrives in self._kwargs from CONFIG.
        loop = asyncio.get_running_loop()
        layer: BoundedPubSubLoopLayer | None = self._layers.get(loop)
        if layer is None:
            layer = BoundedPubSubLoopLayer(*self._args, **self._kwargs, channel_layer=self)
            self._layers[loop] = layer
            _wrap_close(self, loop)
        return layer

    async def subscriptions_confirm(self, *, timeout: float = CONFIRM_SECONDS) -> bool:
        """See BoundedPubSubLoopLayer.subscriptions_confirm (this event loop's subscriptions)."""
        return await self._get_layer().subscriptions_confirm(timeout=timeout)


# Runs in Redis for each group send of the queues layer, once per Redis server. KEYS are the
# receiving processes' lists; ARGV holds, in order, the message for each list, each list's capacity,
# the overflow marker, the time, the expiry and the score below which a waiting message is stale.
# Stale messages go first (the client catches up on reconnect either way). A full list is emptied
# and left holding the marker alone, so the process it belongs to closes all its connections (their
# clients catch up), instead of channels-redis's way of dropping the newest message without telling
# anyone. The pruning used to be a pipeline of its own: one round trip per server less.
GROUP_SEND_SCRIPT = """
local count = #KEYS
local marker = ARGV[2 * count + 1]
local now = ARGV[2 * count + 2]
local expiry = ARGV[2 * count + 3]
local stale = ARGV[2 * count + 4]
local overflowed = 0
for i = 1, count do
    redis.call('ZREMRANGEBYSCORE', KEYS[i], 0, stale)
    if redis.call('ZCARD', KEYS[i]) < tonumber(ARGV[count + i]) then
        redis.call('ZADD', KEYS[i], now, ARGV[i])
    else
        redis.call('DEL', KEYS[i])
        redis.call('ZADD', KEYS[i], now, marker)
        overflowed = overflowed + 1
    end
    redis.call('EXPIRE', KEYS[i], expiry)
end
return overflowed
"""
# Runs in Redis at the start of each group send of the queues layer: forgets the group's members
# that haven't re-joined within the group expiry (ARGV[1] is the oldest score kept) and returns the
# rest. One round trip instead of a ZREMRANGEBYSCORE and a ZRANGE.
GROUP_MEMBERS_SCRIPT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], 0, ARGV[1])
return redis.call('ZRANGE', KEYS[1], 0, -1)
"""
# Set in the marker put in a process's full Redis list: it is meant for every connection of that process.
EVERY_CONNECTION = "every_connection"


class BoundedRedisChannelLayer(RedisChannelLayer):  # type: ignore[misc]  # channels-redis has no type hints
    """channels-redis's queues layer, telling connections when their messages overflowed instead of dropping them.

    Messages wait in two places, each bounded by `capacity`:

    - in Redis, one list per receiving process (every connection of the process shares it). It fills
      only when the whole process stops reading (its event loop stalled). A group send that finds it
      full empties it and leaves one marker (GROUP_SEND_SCRIPT), which the process hands to every
      connection it has: they all close and their clients catch up.
    - in the process, one ChannelBacklog per connection (channels-redis's queue there drops the
      oldest message without a word). A connection too slow to read its share gets the marker alone.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.overflow_marker = {"type": OVERFLOWED}
        self.receive_buffer: collections.defaultdict[str, ChannelBacklog] = collections.defaultdict(
            functools.partial(ChannelBacklog, capacity=self.capacity, marker=self.overflow_marker)
        )
        # The connections this process has open (their channel names), to hand them the marker.
        self.local_channels: set[str] = set()
        # The process's one read from Redis (BoundedRedisChannelLayer.receive), while anyone reads.
        self.reader: asyncio.Task[None] | None = None
        # Whose each connection is (EventsConsumer says on connect), to hand a FOR_USERS event only
        # to the connections of the people it names.
        self.channel_people: dict[str, int] = {}
        # GROUP_MEMBERS_SCRIPT and GROUP_SEND_SCRIPT as redis-py Script objects (`_scripts`).
        self.registered_scripts: tuple[Any, Any] | None = None

    def create_pool(self, index: int) -> Any:
        """A pool whose commands wait for a free connection, instead of failing when all are in use.

        Every connection's `group_add` on connect and `group_discard` on disconnect takes one of the
        process's connections to Redis for a moment. redis-py's own pool refuses a command when all
        100 are busy, so when 500 clients of a process came at once (a deploy, the proxy restarted)
        or went at once, hundreds of them failed: handshakes ended with a 500, disconnects left the
        connection in its groups for a day (every event then queued a copy nobody read), and if the
        process's read from Redis was refused, every connection was told Redis was lost and closed,
        and reconnected at once, together again (bench/live_receive.py with BENCH_ASGI found it).
        Now a command waits up to POOL_WAIT_SECONDS for one of POOL_CONNECTIONS.
        """
        host = dict(self.hosts[index])
        address = host.pop("address", None)
        if address is None:
            return super().create_pool(index)  # a Sentinel set-up: channels-redis's own pool
        return redis.asyncio.BlockingConnectionPool.from_url(
            address, max_connections=POOL_CONNECTIONS, timeout=POOL_WAIT_SECONDS, **host
        )

    async def new_channel(self, prefix: str = "specific") -> str:
        channel: str = await super().new_channel(prefix)
        self.local_channels.add(channel)
        # Its queue from now on: a message that arrives before its first receive waits there.
        self.receive_buffer[channel]  # the defaultdict makes it
        return channel

    async def flush(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
            self.reader = None
        await super().flush()

    async def receive(self, channel: str) -> dict[str, Any]:
        """The next message of one of this process's connections, read from Redis by the process's one reader.

        channels-redis's own receive started two tasks and an `asyncio.wait` (its receive lock
        against the connection's queue) on every receive of every connection, and dropped and
        rebuilt the connection's queue after each message: per connection per event, most of a big
        circle's fan-out cost (docs/performance.md, "Live fan-out: one reader per process"). Now
        one task per process and event loop (`_read_for_process`) pops the process's messages from
        Redis, in the order Redis holds them, and puts each in the queues of the connections it is
        for; a connection's receive is one wait on its own queue.
        """
        if "!" not in channel:
            message: dict[str, Any] = (await self.receive_single(channel))[1]
            return message
        assert self.require_valid_channel_name(channel)
        backlog = self.receive_buffer[channel]
        self._reader_start(self.non_local_name(channel))
        try:
            message = await backlog.get()
        except asyncio.CancelledError:
            # A consumer's receive is cancelled when its connection ends.
            self.channel_end(channel)
            raise
        return message

    def channel_end(self, channel: str) -> None:
        """Forget one of this process's connections: it ended, or nobody will read it again."""
        self.local_channels.discard(channel)
        self.channel_people.pop(channel, None)
        self.receive_buffer.pop(channel, None)
        if not self.receive_buffer and self.reader is not None:
            # Nobody left to read for: the reader's wait in Redis ends with it.
            self.reader.cancel()
            self.reader = None

    def _reader_start(self, process_channel: str) -> None:
        loop = asyncio.get_running_loop()
        reader = self.reader
        if reader is not None and not reader.done():
            if reader.get_loop() is loop:
                return
            if not reader.get_loop().is_closed():
                # As channels-redis: one event loop reads a process's list at a time (its locks are
                # bound to one loop). A synchronous caller's short-lived loop must use a channel of
                # its own, not one of the process's.
                raise RuntimeError("Two event loops are trying to receive() on one channel layer at once!")
            # Its loop ended with the read still waiting (a test's loop): its lock went with it.
            self.receive_clean_locks = ChannelLock()
        self.reader = loop.create_task(self._read_for_process(process_channel))

    async def _read_for_process(self, process_channel: str) -> None:
        """Hand every message of this process's list in Redis to the queues of the connections it names.

        A message for a connection that has ended (no queue any more) is dropped. When the read
        fails (Redis went away, and if it restarted it forgot every group), every connection is
        told (`channel.lost`) and closes with 1012, so its client reconnects and catches up (before,
        the connection holding the read ended with the error, its socket closed without a close
        frame); the reader tries again after a pause while any connection is left.
        """
        while self.receive_buffer:
            try:
                found, message = await self.receive_single(process_channel)
            except Exception:
                logger.warning("This process's read from Redis failed", exc_info=True)
                self._tell_every_connection_redis_was_lost()
                # The connections told close; any made meanwhile are read for after this pause.
                await asyncio.sleep(LOST_PAUSE_SECONDS)
                continue
            for channel in found if isinstance(found, list) else [found]:
                backlog = self.receive_buffer.get(channel)
                if backlog is not None:
                    backlog.put_nowait(message)

    def _tell_every_connection_redis_was_lost(self) -> None:
        if self.receive_buffer:
            logger.warning(
                "Lost the connection to Redis; telling this process's %s live connections to reconnect",
                len(self.receive_buffer),
            )
        for backlog in self.receive_buffer.values():
            backlog.put_nowait({"type": LOST})
        # Each is told once: a connection made after this joins its groups on whichever Redis answers.
        self.local_channels.clear()

    async def receive_single(self, channel: str) -> tuple[Any, dict[str, Any]]:
        found, message = await super().receive_single(channel)
        if message.get("type") == OVERFLOWED and message.get(EVERY_CONNECTION):
            logger.warning(
                "This process's live messages overflowed in Redis; closing its %s connections so they catch up",
                len(self.local_channels),
            )
            return sorted(self.local_channels), dict(self.overflow_marker)
        if isinstance(found, list):
            found = self._only_those_named(found, message)
        return found, message

    def _only_those_named(self, channels: list[str], message: dict[str, Any]) -> list[str]:
        """The connections of this process a message goes to: for a FOR_USERS event, only the named people's.

        Such an event (the unread badge, sent once to the whole circle) used to wake every connection
        of the circle, each to drop it unless its person was named: in a circle of 1,000 open pages
        whose notifications the worker writes 250 at a time, four such events followed each message,
        and each cost as much as the message's own. A connection this process doesn't know the
        person of still gets it; its consumer decides, as before.
        """
        event = message.get("event")
        named = event.get(FOR_USERS) if isinstance(event, dict) else None
        if not isinstance(named, list):
            return channels
        people = set(named)
        return [
            channel
            for channel in channels
            if channel not in self.channel_people or self.channel_people[channel] in people
        ]

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        """Send to every connection in the group; a receiving process whose list is full gets the marker.

        One round trip to the group's Redis server for its members (GROUP_MEMBERS_SCRIPT), then one
        per Redis server holding receiving processes' lists (GROUP_SEND_SCRIPT): two in all with one
        server, where channels-redis's steps took four. Both scripts go by their SHA (EVALSHA); a
        server that doesn't know one yet (it restarted) is sent its text once.
        """
        assert self.require_valid_group_name(group), "Group name not valid"
        connection = self.connection(self.consistent_hash(group))
        members_script, send_script = self._scripts(connection)
        members = await members_script(
            keys=[self._group_key(group)], args=[int(time.time()) - self.group_expiry], client=connection
        )
        channels = [name.decode("utf8") for name in members]
        keys_by_server, messages, capacities = self._map_channel_keys_to_connection(channels, message)
        marker = self.serialize({"type": OVERFLOWED, EVERY_CONNECTION: True})
        for index, keys in keys_by_server.items():
            arguments = [messages[list_key] for list_key in keys] + [capacities[list_key] for list_key in keys]
            # The time is read as the script goes: a list's messages are ordered by it.
            now = time.time()
            stale = int(now) - int(self.expiry)
            overflowed = await send_script(
                keys=keys, args=[*arguments, marker, now, self.expiry, stale], client=self.connection(index)
            )
            if overflowed:
                logger.warning(
                    "%s receiving processes were too far behind on group %s; told them to close", overflowed, group
                )

    def _scripts(self, connection: Any) -> tuple[Any, Any]:
        """The group send's two scripts, registered once per layer (their SHAs are the same on every server)."""
        if self.registered_scripts is None:
            self.registered_scripts = (
                connection.register_script(GROUP_MEMBERS_SCRIPT),
                connection.register_script(GROUP_SEND_SCRIPT),
            )
        return self.registered_scripts


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
        "BACKEND": QUEUES_BACKEND,
        "CONFIG": {
            "hosts": hosts,
            "prefix": prefix,
            # A connection (or a whole process) this far behind gets the overflow marker and closes;
            # its client reconnects and catches up (BoundedRedisChannelLayer).
            "capacity": capacity,
            "expiry": 30,
            "group_expiry": 86400,
        },
    }
