"""Publishing live events after commit: ids only, a per-circle sequence, and a personal group."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels_redis.core import RedisChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.db import transaction

from carecircle.circles.models import Circle
from carecircle.lib.channel_layers import FOR_USERS, BoundedPubSubChannelLayer, BoundedRedisChannelLayer, ChannelBacklog
from carecircle.lib.kept_loop import run_kept
from carecircle.lib.rows import counter_next
from carecircle.realtime.models import CircleEvent
from carecircle.realtime.registries import scope_group

logger = logging.getLogger(__name__)

# How long a send from synchronous code waits for Redis (both tries) before it is logged as failed.
PUBLISH_SECONDS = 30.0
# The consumer's handler for every event sent through the channel layer.
HANDLER = "circle.event"
# The consumer's handler for "re-read which scopes this person is in now" (never passed to the browser).
SCOPES_REFRESH = "scopes.refresh"
# FOR_USERS (carecircle/lib/channel_layers.py) is the key of a personal event sent once to a whole
# circle: the members it is for. The consumer forwards the event only to their connections, without
# this key (nobody learns who else was told); the queues layer hands it only to their connections.


def circle_group(circle_id: int) -> str:
    return f"circle.{circle_id}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def circle_event_record(*, circle: Circle, type: str, seq: int | None = None, **data: Any) -> CircleEvent:
    """Store a circle event with the next sequence number and publish it once the transaction commits.

    Must run inside the service's transaction: the number is taken with one `UPDATE … RETURNING`
    (`circle_seq_take`), which locks the circle row until commit, so events of one circle are
    numbered without gaps or repeats. A service that had to lock the circle earlier took its
    number then and passes it as `seq` (one event per number taken).
    """
    if seq is None:
        seq = circle_seq_take(circle)
    event = CircleEvent.objects.create(circle=circle, seq=seq, type=type, data=data)
    message = event.as_message()
    transaction.on_commit(lambda: publish(circle_group(circle.pk), message))
    return event


def circle_seq_take(circle: Circle) -> int:
    """Lock the circle's row until commit and take its next event number, in one round trip.

    For a service that must hold the circle's lock before its first write (so that, for example,
    message ids follow commit order): the lock and the number are one `UPDATE … RETURNING`
    where a `SELECT … FOR UPDATE`, an `UPDATE` and a `SELECT` were three. Pass the number to
    `circle_event_record(seq=…)` in the same transaction; a rollback gives it back.
    """
    seq = counter_next(Circle, circle.pk)
    if seq is None:
        raise Circle.DoesNotExist(f"Circle {circle.pk} is gone.")
    return seq


def user_event_send(*, user_id: int, type: str, **data: Any) -> None:
    """Send a personal event (for example "you were removed") to every open connection of one user."""
    message = {"type": type, **data}
    transaction.on_commit(lambda: publish(user_group(user_id), message))


def user_scopes_refresh(*, user_id: int) -> None:
    """After commit, have one user's open connections re-read their scopes and leave the groups of any they left.

    Sent when someone is taken off an organisation's staff: without it their connections stayed in
    the organisation's group until the next minute's refresh (each event was still refused to them).
    The connection asks the database rather than trusting the message, so someone added back in the
    meantime stays in the group. A failure is logged: the minute's refresh still catches up.
    """
    transaction.on_commit(lambda: layer_send(user_group(user_id), {"type": SCOPES_REFRESH}), robust=True)


def users_event_send(*, user_ids: Collection[int], circle_id: int, type: str, **data: Any) -> None:
    """Send the same personal event to several members of one circle: one publish after commit.

    A fan-out to a 60-member circle cost one channel-layer send per member (docs/performance.md).
    Now it is one send to the circle's group, naming the members; each connection's consumer
    forwards it only to its own member, and strips the list.
    """
    ids = sorted(set(user_ids))
    if not ids:
        return
    message = {"type": type, "circle": circle_id, **data, FOR_USERS: ids}
    transaction.on_commit(lambda: publish(circle_group(circle_id), message))


def scope_event_send(
    *, key: str, scope_id: int, type: str, next_seq: Callable[[], int | None] | None = None, **data: Any
) -> None:
    """Send an event (ids only) to everyone listening to one scope, such as an organisation, after commit.

    Each connection's consumer asks the scope's `hearing` before passing it on (realtime/registries.py).
    With `next_seq`, the event is numbered after commit (one short UPDATE, so no lock is held through
    the change's transaction); a number taken but never published leaves a gap, which tells clients
    to refetch, as they should. Scopes keep no event log: a client that missed something refetches.
    """

    def send() -> None:
        message = {"type": type, key: scope_id, **data}
        if next_seq is not None:
            seq = next_seq()
            if seq is None:
                return
            message["seq"] = seq
        publish(scope_group(key, scope_id), message)

    # robust: the change is committed; a failure to number or publish is logged, never raised.
    transaction.on_commit(send, robust=True)


def publish(group: str, message: dict[str, Any]) -> None:
    """Send one event to a group now, from synchronous code; a failure is logged, never raised."""
    layer_send(group, {"type": HANDLER, "event": message})


def layer_send(group: str, payload: dict[str, Any]) -> None:
    """Send one channel-layer message to a group now, from synchronous code; a failure is logged, never raised.

    A Redis layer sends on the process's kept loop (lib/kept_loop.py), whose connections stay open:
    async_to_sync on a request's thread made a thread, a loop and a Redis connection per event.
    The in-memory layer's queues belong to the loop its consumers run on, so it stays with
    async_to_sync (which finds that loop when the caller came from it). Called from a thread whose
    own event loop is running (synchronous code driven from inside a loop, as Playwright's sync API
    drives the browser tests' bodies), async_to_sync refuses to run there; the send then runs in a
    short-lived thread of its own and this waits for it.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        if isinstance(layer, RedisChannelLayer | RedisPubSubChannelLayer):
            run_kept(send_with_one_retry(layer, group, payload), timeout=PUBLISH_SECONDS)
        elif loop_running_here():
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="publish") as pool:
                pool.submit(async_to_sync(send_with_one_retry), layer, group, payload).result()
        else:
            async_to_sync(send_with_one_retry)(layer, group, payload)
    except Exception:
        # The change is committed and stored; clients catch up through /events?since=N.
        logger.exception("Could not publish live event to %s", group)


def loop_running_here() -> bool:
    """Whether this thread is inside a running event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


async def send_with_one_retry(layer: Any, group: str, payload: dict[str, Any]) -> None:
    """group_send, and once more on fresh connections when the pooled one has died.

    After a Redis restart the first command on each pooled connection fails: without the retry that
    event was logged and lost (clients only noticed at the next event, which might never come).
    """
    try:
        await layer.group_send(group, payload)
    except Exception:
        logger.warning("Publishing to %s failed; retrying once on a fresh connection", group, exc_info=True)
        await fresh_connections(layer)
        await layer.group_send(group, payload)


async def channel_forget(layer: Any, channel: str) -> None:
    """Stop listening on a channel from new_channel() that nobody will read again (a health probe's).

    The pub/sub layer subscribes each new channel in Redis and keeps a queue for it in the process
    until a receive on it is cancelled, as a consumer's is when its connection ends; a channel read
    to the end would stay subscribed for the life of the process. The queues layer only keeps its
    name among the process's connections (to tell them of an overflow); the in-memory layer, nothing.
    """
    if isinstance(layer, BoundedRedisChannelLayer):
        layer.channel_end(channel)
        return
    if not isinstance(layer, RedisPubSubChannelLayer):
        return
    loop_layer = layer._get_layer()
    if loop_layer.channels.pop(channel, None) is not None:
        await loop_layer._get_shard(channel).unsubscribe(channel)


def channel_person(layer: Any, channel: str, user_id: int) -> None:
    """Tell the layer whose connection a channel is, so a FOR_USERS event reaches only the people it names.

    Only the queues layer uses it (BoundedRedisChannelLayer); it forgets the channel when its
    connection ends. The other layers hand such an event to every connection of the circle and
    each consumer drops it unless its person is named.
    """
    if isinstance(layer, BoundedRedisChannelLayer):
        layer.channel_people[channel] = user_id


def channel_taker(layer: Any, channel: str, take: Callable[[dict[str, Any]], bool]) -> None:
    """Let a connection's consumer handle its messages as they arrive, when nothing of its is waiting.

    The layer's reader calls `take(message)` in its own turn instead of queueing the message and
    waking the connection's task; `take` returns False to have it queued as before. Both Redis
    layers (their ChannelBacklog); the in-memory layer queues everything.
    """
    if isinstance(layer, BoundedRedisChannelLayer):
        backlog = layer.receive_buffer.get(channel)
        if backlog is not None:
            backlog.taker = take
        return
    if isinstance(layer, BoundedPubSubChannelLayer):
        found = layer._get_layer().channels.get(channel)
        if isinstance(found, ChannelBacklog):
            unpack = layer.deserialize
            found.taker = lambda raw: take(unpack(raw))


async def fresh_connections(layer: Any) -> None:
    """Drop this event loop's pooled Redis connections, so the next command opens a new one."""
    loop_layers = getattr(layer, "_layers", None)
    if not isinstance(loop_layers, dict):
        return
    stale = loop_layers.pop(asyncio.get_running_loop(), None)
    if stale is not None:
        with contextlib.suppress(Exception):
            await stale.flush()
