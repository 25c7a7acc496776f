"""The watchdog resyncs live connections after any Redis restart, even one that falls between two asks.

A restart that takes less than a second is never seen as a failed ping: redis-py reconnects by
itself. The server's run id changes at every start, so the watchdog compares that.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import redis.exceptions
from django.test import override_settings

from carecircle.realtime import watchdog


class FakeRedis:
    """Answers INFO with the run ids given, one per ask, then the last again; None: Redis not answering."""

    def __init__(self, answers: list[str | None]) -> None:
        self.answers = answers
        self.last: str | None = answers[-1]

    async def info(self, section: str) -> dict[str, Any]:
        assert section == "server"
        answer = self.answers.pop(0) if self.answers else self.last
        if answer is None:
            raise ConnectionError("Redis is down")
        return {"run_id": answer}

    async def aclose(self) -> None:
        return None


class FakeConsumer:
    def __init__(self, *, failing: bool = False) -> None:
        self.resyncs = 0
        self.failing = failing
        self.closed: int | None = None

    async def resync(self) -> None:
        self.resyncs += 1
        if self.failing:
            raise ConnectionError("Redis went away again")

    async def close(self, code: int) -> None:
        self.closed = code


@pytest.fixture(autouse=True)
def fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts as a new process would: no run id known, no restart seen."""
    monkeypatch.setattr(watchdog._Seen, "run_id", None)
    monkeypatch.setattr(watchdog._Seen, "restarts", 0)


async def watch(
    answers: list[str | None], monkeypatch: pytest.MonkeyPatch, consumer: FakeConsumer | None = None
) -> int:
    consumer = consumer or FakeConsumer()
    fake = FakeRedis(list(answers))
    asks = len(answers)
    monkeypatch.setattr("redis.asyncio.Redis.from_url", lambda *args, **kwargs: fake)
    monkeypatch.setattr(watchdog, "PING_EVERY_SECONDS", 0.01)
    watchdog._connections.add(consumer)  # type: ignore[arg-type]
    try:
        task = asyncio.create_task(watchdog._watch())
        for _ in range(500):
            if not fake.answers:
                break
            await asyncio.sleep(0.01)
        assert not fake.answers, "the watchdog stopped asking"
        await asyncio.sleep(0.05)
    finally:
        watchdog._connections.discard(consumer)  # type: ignore[arg-type]
    await asyncio.wait_for(task, 5)
    assert asks
    return consumer.resyncs


@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
async def test_a_restart_between_two_asks_resyncs_once(monkeypatch: pytest.MonkeyPatch) -> None:
    assert await watch(["first", "first", "second", "second"], monkeypatch) == 1


@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
async def test_redis_answering_again_after_failing_resyncs_once(monkeypatch: pytest.MonkeyPatch) -> None:
    assert await watch(["first", None, None, "first", "first"], monkeypatch) == 1


@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
async def test_a_steady_redis_never_resyncs(monkeypatch: pytest.MonkeyPatch) -> None:
    assert await watch(["first", "first", "first"], monkeypatch) == 0


@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
async def test_a_watchdog_started_after_the_last_one_stopped_still_notices_a_restart(monkeypatch):
    """The run id is the process's, not one watchdog's: no connections between, then a new server."""
    assert await watch(["first", "first"], monkeypatch) == 0
    assert await watch(["second", "second"], monkeypatch) == 1
    assert watchdog.restarts_seen() == 1


@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
async def test_a_connection_that_cannot_resync_is_closed_so_its_client_reconnects(monkeypatch):
    consumer = FakeConsumer(failing=True)
    assert await watch(["first", None, "first", "first"], monkeypatch, consumer) == 1
    assert consumer.closed == watchdog.CLOSE_RESYNC_FAILED


class FakeLayer:
    """A pub/sub layer whose subscriptions come back when confirmed; records the order of things."""

    def __init__(self, order: list[str]) -> None:
        self.order = order

    async def subscriptions_confirm(self) -> bool:
        self.order.append("confirm")
        return True


@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
async def test_after_a_restart_subscriptions_are_confirmed_before_any_connection_is_told_its_numbers(monkeypatch):
    order: list[str] = []

    class OrderedConsumer(FakeConsumer):
        async def resync(self) -> None:
            order.append("resync")
            await super().resync()

    monkeypatch.setattr(watchdog, "get_channel_layer", lambda: FakeLayer(order))
    assert await watch(["first", "second", "second"], monkeypatch, OrderedConsumer()) == 1
    assert order == ["confirm", "resync"]


async def test_a_connection_ended_by_a_failed_read_is_forgotten_not_put_back_in_its_groups(monkeypatch, settings):
    # A read from Redis that fails ends the consumer without `disconnect`; the watchdog used to keep
    # it and, after the restart, re-add the dead connection to every group on the new Redis.
    from carecircle.realtime.consumers import EventsConsumer

    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    monkeypatch.setattr(watchdog, "PING_EVERY_SECONDS", 0.01)
    consumer = EventsConsumer()

    async def read_fails(self: Any, scope: Any, receive: Any, send: Any) -> None:
        watchdog.watchdog_enrol(self)  # connected, as `connect` does
        raise redis.exceptions.ConnectionError("Connection closed by server.")

    monkeypatch.setattr(EventsConsumer, "serve", read_fails)
    with pytest.raises(redis.exceptions.ConnectionError):
        await consumer({"type": "websocket"}, None, None)
    assert consumer not in watchdog._connections


@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
async def test_a_connection_enrolling_while_the_watchdog_stops_gets_a_watchdog_of_its_own(monkeypatch):
    # The last connection left; the watchdog stops, and a new connection arrives while it is still
    # closing its client. It used to count as running then, so none watched the new connection.
    closing = asyncio.Event()
    closed = asyncio.Event()

    class SlowToClose(FakeRedis):
        async def aclose(self) -> None:
            closing.set()
            await closed.wait()

    monkeypatch.setattr("redis.asyncio.Redis.from_url", lambda *args, **kwargs: SlowToClose(["first"]))
    monkeypatch.setattr(watchdog, "PING_EVERY_SECONDS", 0.01)
    first, second = FakeConsumer(), FakeConsumer()
    try:
        watchdog.watchdog_enrol(first)  # type: ignore[arg-type]
        stopping = watchdog._watchers[id(asyncio.get_running_loop())]
        watchdog.watchdog_leave(first)  # type: ignore[arg-type]
        await asyncio.wait_for(closing.wait(), 5)
        watchdog.watchdog_enrol(second)  # type: ignore[arg-type]
        watching = watchdog._watchers.get(id(asyncio.get_running_loop()))
        assert watching is not None
        assert watching is not stopping
        assert not watching.done()
    finally:
        closed.set()
        watchdog.watchdog_leave(second)  # type: ignore[arg-type]
        here = id(asyncio.get_running_loop())
        ours = [task for key, task in list(watchdog._watchers.items()) if key == here]
        await asyncio.wait_for(asyncio.gather(stopping, *ours), 5)
