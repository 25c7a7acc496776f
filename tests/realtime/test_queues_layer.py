"""The queues layer (CHANNEL_LAYER=queues) says when a process fell too far behind, instead of dropping events.

channels-redis keeps one list in Redis per receiving process; a group send to a full list dropped
the newest event without a word. BoundedRedisChannelLayer empties a full list and leaves one
overflow marker, which the process hands to every connection it has (each then closes with 1013
and its client catches up). When the process's read from Redis fails (Redis went away), every
connection is told to reconnect. Runs on a private Redis (tests/servers.py).
"""

from __future__ import annotations

import asyncio

import redis.asyncio
import redis.exceptions

from carecircle.lib.channel_layers import (
    FOR_USERS,
    LOST,
    OVERFLOWED,
    QUEUES,
    QUEUES_BACKEND,
    BoundedRedisChannelLayer,
    redis_channel_layer,
)
from carecircle.realtime.events import HANDLER, channel_forget, channel_person

CAPACITY = 5


def layer_on(port: int) -> BoundedRedisChannelLayer:
    # The same settings a deployment gets, on the private Redis, with a small capacity.
    config = redis_channel_layer(f"redis://127.0.0.1:{port}/0", prefix="queues-test", kind=QUEUES, capacity=CAPACITY)
    assert config["BACKEND"] == QUEUES_BACKEND
    return BoundedRedisChannelLayer(**config["CONFIG"])


async def longest_list(port: int) -> int:
    client = redis.asyncio.Redis(port=port)
    try:
        keys = [key async for key in client.scan_iter("queues-test*") if b":group:" not in key]
        return max([await client.zcard(key) for key in keys], default=0)
    finally:
        await client.aclose()


async def test_a_process_too_far_behind_is_told_on_every_connection(private_redis):
    port, _ = private_redis
    receiver = layer_on(port)
    in_circle = await receiver.new_channel()
    elsewhere = await receiver.new_channel()
    await receiver.group_add("circle.1", in_circle)
    sender = layer_on(port)

    # The receiving process reads nothing meanwhile (its event loop stalled, say).
    for seq in range(1, 31):
        await sender.group_send("circle.1", {"type": HANDLER, "event": {"seq": seq}})
        assert await longest_list(port) <= CAPACITY

    # Its first read is the marker, for the connection in the circle and for the one elsewhere,
    # whose own events may have been in the list that was emptied.
    assert await asyncio.wait_for(receiver.receive(in_circle), 5) == {"type": OVERFLOWED}
    assert await asyncio.wait_for(receiver.receive(elsewhere), 5) == {"type": OVERFLOWED}
    await receiver.flush()
    await sender.flush()


async def test_a_process_that_keeps_up_hears_every_event_and_no_marker(private_redis):
    port, _ = private_redis
    receiver = layer_on(port)
    channel = await receiver.new_channel()
    await receiver.group_add("circle.1", channel)
    sender = layer_on(port)

    heard = []
    for seq in range(1, 31):
        await sender.group_send("circle.1", {"type": HANDLER, "event": {"seq": seq}})
        heard.append(await asyncio.wait_for(receiver.receive(channel), 5))

    assert [message["event"]["seq"] for message in heard] == list(range(1, 31))
    await receiver.flush()
    await sender.flush()


async def test_a_connection_that_ended_is_no_longer_told(private_redis):
    port, _ = private_redis
    layer = layer_on(port)
    reading = await layer.new_channel()
    probe = await layer.new_channel()
    waiting = asyncio.ensure_future(layer.receive(reading))
    await asyncio.sleep(0.05)
    waiting.cancel()  # as channels cancels a consumer's receive when its connection ends
    await asyncio.gather(waiting, return_exceptions=True)
    await channel_forget(layer, probe)  # as the health check forgets its probe

    assert layer.local_channels == set()
    await layer.flush()


async def blocked_readers(port: int) -> int:
    client = redis.asyncio.Redis(port=port)
    try:
        return int((await client.info("clients"))["blocked_clients"])
    finally:
        await client.aclose()


async def test_a_connection_busy_when_redis_went_away_is_told_to_reconnect(private_redis):
    """A restart forgets every group; a connection that wasn't reading at that moment must not go deaf.

    All connections of a process share one read from Redis. When Redis goes away, the connection
    holding that read fails (its socket closes and its client catches up), and so does each one
    that takes the read over while Redis is down; one busy handling a message at that moment
    lived on, out of every group, hearing nothing until the watchdog's next ask (the fault test's
    client that stayed behind). Now every connection of the process is told (`channel.lost`).
    """
    port, restart = private_redis
    layer = layer_on(port)
    reading = await layer.new_channel()
    busy = await layer.new_channel()
    for channel in (reading, busy):
        await layer.group_add("circle.1", channel)
    read = asyncio.ensure_future(layer.receive(reading))
    for _ in range(100):
        if await blocked_readers(port):
            break
        await asyncio.sleep(0.02)
    assert await blocked_readers(port) == 1, "the process's read is waiting in Redis"

    await asyncio.to_thread(restart)
    # The connection that was reading is told too (it used to end with the error, its socket
    # closed without a close frame).
    assert await asyncio.wait_for(read, 5) == {"type": LOST}
    # The new Redis has no groups: this event reaches nobody, the busy connection included.
    sender = layer_on(port)
    await sender.group_send("circle.1", {"type": HANDLER, "event": {"seq": 2}})

    assert await asyncio.wait_for(layer.receive(busy), 5) == {"type": LOST}
    await layer.flush()
    await sender.flush()


async def test_a_personal_event_sent_to_a_circle_wakes_only_the_named_peoples_connections(private_redis):
    port, _ = private_redis
    receiver = layer_on(port)
    named = await receiver.new_channel()
    other = await receiver.new_channel()
    unknown = await receiver.new_channel()
    for channel in (named, other, unknown):
        await receiver.group_add("circle.1", channel)
    channel_person(receiver, named, 7)
    channel_person(receiver, other, 8)
    sender = layer_on(port)

    badge = {"type": "notification", "circle": 1, FOR_USERS: [7]}
    changed = {"type": "circle.changed", "circle": 1, "seq": 2}
    await sender.group_send("circle.1", {"type": HANDLER, "event": badge})
    await sender.group_send("circle.1", {"type": HANDLER, "event": changed})

    assert (await receiver.receive(named))["event"] == badge
    assert (await receiver.receive(named))["event"] == changed
    # Someone else's connection never hears of it; one whose person the layer wasn't told does, and
    # its consumer decides.
    assert (await receiver.receive(other))["event"] == changed
    assert (await receiver.receive(unknown))["event"] == badge


async def test_hundreds_of_connections_coming_and_going_at_once_all_get_a_redis_connection(private_redis):
    # A process's clients come (a deploy, the proxy restarted) or go together: 300 joins and 300
    # leaves at once, more than the 100 connections to Redis the process keeps. redis-py's own pool
    # refused the 101st with MaxConnectionsError; each must wait for a free connection instead.
    port, _ = private_redis
    layer = layer_on(port)
    channels = [await layer.new_channel() for _ in range(300)]
    reading = asyncio.ensure_future(layer.receive(channels[0]))  # the process's read holds one connection

    await asyncio.gather(*(layer.group_add("circle.1", channel) for channel in channels))
    sender = layer_on(port)
    await sender.group_send("circle.1", {"type": HANDLER, "event": {"seq": 1}})
    assert (await asyncio.wait_for(reading, 5))["event"] == {"seq": 1}
    await asyncio.gather(*(layer.group_discard("circle.1", channel) for channel in channels))

    client = redis.asyncio.Redis(port=port)
    try:
        groups = [key async for key in client.scan_iter("queues-test*") if b":group:" in key]
        assert [await client.zcard(key) for key in groups] in ([], [0])
    finally:
        await client.aclose()
    await layer.flush()
    await sender.flush()
