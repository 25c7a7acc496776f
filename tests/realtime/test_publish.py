"""Publishing from synchronous code, wherever that code runs (carecircle/realtime/events.py)."""

from __future__ import annotations

import asyncio
import logging
import threading

import pytest
from channels.layers import get_channel_layer

from carecircle.realtime.events import HANDLER, publish


async def published_while_a_loop_runs(group: str) -> tuple[dict[str, object], bool]:
    """Listen on `group`, publish to it synchronously from inside this running loop, and read what arrives."""
    layer = get_channel_layer()
    assert layer is not None
    channel = await layer.new_channel()
    await layer.group_add(group, channel)
    # A synchronous call inside a running loop, as a browser test's body is under Playwright's sync API.
    publish(group, {"type": "task.changed", "circle": 7, "seq": 3})
    received = await asyncio.wait_for(layer.receive(channel), timeout=5)
    await layer.group_discard(group, channel)
    return received, threading.current_thread() is threading.main_thread()


def test_an_event_published_from_inside_a_running_loop_still_reaches_its_group(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """async_to_sync refuses to run in a thread whose loop is running: the event went nowhere, logged as an error."""
    with caplog.at_level(logging.WARNING, logger="carecircle.realtime.events"):
        received, in_main_thread = asyncio.run(published_while_a_loop_runs("circle.7"))
    assert in_main_thread
    assert received == {"type": HANDLER, "event": {"type": "task.changed", "circle": 7, "seq": 3}}
    assert [record.getMessage() for record in caplog.records] == []


def test_an_event_published_without_a_loop_reaches_its_group() -> None:
    layer = get_channel_layer()
    assert layer is not None

    async def listen() -> str:
        channel: str = await layer.new_channel()
        await layer.group_add("user.9", channel)
        return channel

    async def read(channel: str) -> dict[str, object]:
        message: dict[str, object] = await asyncio.wait_for(layer.receive(channel), timeout=5)
        return message

    from asgiref.sync import async_to_sync

    channel = async_to_sync(listen)()
    publish("user.9", {"type": "removed"})
    assert async_to_sync(read)(channel) == {"type": HANDLER, "event": {"type": "removed"}}
