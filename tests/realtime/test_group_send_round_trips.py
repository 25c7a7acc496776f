"""The queues layer's group send: two round trips to Redis by script SHA, with every old guarantee kept.

channels-redis's steps took four round trips per send (prune the group, read it, prune each
receiving process's list, run the send script with its whole text). BoundedRedisChannelLayer reads
the group in one script and prunes stale messages inside the send script, both sent by SHA.
Private redis-servers on free ports (tests/servers.py), so their command counts are these tests' alone.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import pytest
import redis.asyncio
import redis.asyncio.connection

from carecircle.lib.channel_layers import QUEUES, BoundedRedisChannelLayer, redis_channel_layer
from carecircle.realtime.events import HANDLER
from tests.bursts import at_once
from tests.realtime.test_pubsub_layer import command_calls
from tests.servers import private_redis_server

CAPACITY = 5


def layer_on(*ports: int, capacity: int = CAPACITY) -> BoundedRedisChannelLayer:
    # The settings a deployment gets, on the private Redis servers (several: channels-redis shards
    # groups and processes' lists over them by hash).
    config = redis_channel_layer("redis://127.0.0.1:1/0", prefix="trips-test", kind=QUEUES, capacity=capacity)["CONFIG"]
    config["hosts"] = [{**config["hosts"][0], "address": f"redis://127.0.0.1:{port}/0"} for port in ports]
    return BoundedRedisChannelLayer(**config)


@contextmanager
def round_trips_counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many times this process wrote a command (or a pipeline of them) to Redis: its round trips."""
    counted = [0]
    send = redis.asyncio.connection.AbstractConnection.send_packed_command

    async def counting(self: Any, *args: Any, **kwargs: Any) -> None:
        counted[0] += 1
        await send(self, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(redis.asyncio.connection.AbstractConnection, "send_packed_command", counting)
        yield counted


@asynccontextmanager
async def commands_sent(port: int) -> AsyncIterator[dict[str, int]]:
    """The commands Redis ran meanwhile, by name (a script's own commands included)."""
    before = await command_calls(port)
    sent: dict[str, int] = {}
    yield sent
    after = await command_calls(port)
    sent.update({name: calls - before.get(name, 0) for name, calls in after.items() if calls != before.get(name, 0)})
    # The counting client's own connection and question.
    for own in ("hello", "client|setinfo", "info"):
        sent.pop(own, None)


async def one_connection_in_circle(port: int) -> tuple[BoundedRedisChannelLayer, str, BoundedRedisChannelLayer]:
    """A receiving process with one connection in circle 1, and a process to send from."""
    receiver = layer_on(port)
    channel = await receiver.new_channel()
    await receiver.group_add("circle.1", channel)
    return receiver, channel, layer_on(port)


async def test_a_group_send_is_two_round_trips_whatever_the_groups_size(private_redis, monkeypatch):
    port, _ = private_redis
    processes = [layer_on(port), layer_on(port)]
    channels = {process: [await process.new_channel() for _ in range(25)] for process in processes}
    for process, names in channels.items():
        for name in names:
            await process.group_add("circle.1", name)
    sender = layer_on(port)
    await sender.group_send("circle.1", {"type": HANDLER, "event": {"seq": 1}})  # Redis learns the scripts

    async with commands_sent(port) as sent:
        with round_trips_counted(monkeypatch) as round_trips:
            await sender.group_send("circle.1", {"type": HANDLER, "event": {"seq": 2}})

    assert round_trips == [2]
    # By SHA, not the script's text; the pruning runs inside the scripts.
    assert sent.pop("evalsha") == 2
    assert "eval" not in sent
    assert "script|load" not in sent
    for process, names in channels.items():
        for name in names:
            heard = [await asyncio.wait_for(process.receive(name), 5) for _ in range(2)]
            assert [message["event"]["seq"] for message in heard] == [1, 2]
    for layer in [*processes, sender]:
        await layer.flush()


async def test_a_redis_that_forgot_the_scripts_is_taught_them_again(private_redis):
    port, _ = private_redis
    receiver, channel, sender = await one_connection_in_circle(port)
    await sender.group_send("circle.1", {"type": HANDLER, "event": {"seq": 1}})
    assert (await asyncio.wait_for(receiver.receive(channel), 5))["event"] == {"seq": 1}
    client = redis.asyncio.Redis(port=port)
    try:
        await client.script_flush()
    finally:
        await client.aclose()

    await sender.group_send("circle.1", {"type": HANDLER, "event": {"seq": 2}})

    assert (await asyncio.wait_for(receiver.receive(channel), 5))["event"] == {"seq": 2}
    await receiver.flush()
    await sender.flush()


async def test_stale_messages_are_dropped_before_a_full_list_is_judged(private_redis):
    """A list full only of messages older than the expiry takes the new message; no marker, nothing stale heard."""
    port, _ = private_redis
    receiver, channel, sender = await one_connection_in_circle(port)
    list_key = sender.prefix + sender.non_local_name(channel)
    long_ago = time.time() - sender.expiry - 60
    client = redis.asyncio.Redis(port=port)
    try:
        for seq in range(CAPACITY):
            stale = sender.serialize({"type": HANDLER, "event": {"seq": -seq}, "__asgi_channel__": [channel]})
            await client.zadd(list_key, {stale: long_ago + seq})

        await sender.group_send("circle.1", {"type": HANDLER, "event": {"seq": 1}})

        assert await client.zcard(list_key) == 1
    finally:
        await client.aclose()
    assert (await asyncio.wait_for(receiver.receive(channel), 5))["event"] == {"seq": 1}
    await receiver.flush()
    await sender.flush()


def processes_on_each_server(layers: list[BoundedRedisChannelLayer], channels: dict[Any, str]) -> set[int]:
    return {layers[0].consistent_hash(layer.non_local_name(channels[layer])) for layer in layers}


async def test_processes_on_two_redis_servers_each_hear_a_send_in_one_round_trip_per_server(private_redis, monkeypatch):
    port, _ = private_redis
    with private_redis_server() as (other_port, _):
        processes: list[BoundedRedisChannelLayer] = []
        channels: dict[Any, str] = {}
        # Receiving processes until both servers hold some of their lists (the hash decides).
        while len(processes) < 2 or processes_on_each_server(processes, channels) != {0, 1}:
            process = layer_on(port, other_port)
            channels[process] = await process.new_channel()
            await process.group_add("circle.1", channels[process])
            processes.append(process)
            assert len(processes) < 40
        sender = layer_on(port, other_port)
        await sender.group_send("circle.1", {"type": HANDLER, "event": {"seq": 1}})

        with round_trips_counted(monkeypatch) as round_trips:
            await sender.group_send("circle.1", {"type": HANDLER, "event": {"seq": 2}})

        # The group's read, then one send per server.
        assert round_trips == [3]
        for process in processes:
            heard = [await asyncio.wait_for(process.receive(channels[process]), 5) for _ in range(2)]
            assert [message["event"]["seq"] for message in heard] == [1, 2]
        for layer in [*processes, sender]:
            await layer.flush()


SENDERS = 4
SENDS = 25


async def test_a_burst_of_group_sends_reaches_every_connection_once_and_in_each_senders_order(private_redis):
    """Senders in their own threads and event loops at once, as the app's processes and worker send."""
    port, _ = private_redis
    processes = [layer_on(port, capacity=1500), layer_on(port, capacity=1500)]
    channels = {process: [await process.new_channel() for _ in range(3)] for process in processes}
    for process, names in channels.items():
        for name in names:
            await process.group_add("circle.1", name)

    def sender(number: int) -> None:
        async def send() -> None:
            layer = layer_on(port, capacity=1500)
            for seq in range(SENDS):
                await layer.group_send("circle.1", {"type": HANDLER, "event": {"sender": number, "seq": seq}})
            await layer.close_pools()  # not flush(), which empties Redis of the prefix's keys

        asyncio.run(send())

    works: list[Callable[[], None]] = [functools.partial(sender, number) for number in range(SENDERS)]
    await asyncio.to_thread(at_once, works)

    for process, names in channels.items():
        for name in names:
            heard = [(await asyncio.wait_for(process.receive(name), 5))["event"] for _ in range(SENDERS * SENDS)]
            by_sender = sorted(heard, key=lambda event: event["sender"])  # stable: each sender's order kept
            for number, events in itertools.groupby(by_sender, key=lambda event: event["sender"]):
                assert [event["seq"] for event in events] == list(range(SENDS)), number
            assert {event["sender"] for event in heard} == set(range(SENDERS))
    await asyncio.sleep(0.2)
    for process, names in channels.items():
        # Nothing more: each was heard once.
        assert all(process.receive_buffer[name].empty() for name in names)
    for process in processes:
        await process.flush()  # empties Redis of the prefix's keys: after every process has heard
