"""Event frames written to uvicorn's connection in the channel layer reader's turn (realtime/server_frames.py).

Through a real uvicorn (websockets-sansio, as `carecircle serve` runs it) in the test's event loop,
with real WebSocket clients: the usual event goes out without the connection's task, and whatever
can't (a check to make, a paused socket) waits its turn, so each connection still hears every
event once, in the order published, and nothing after it lost access.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import uvicorn
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin

from carecircle.accounts.models import User
from carecircle.circles.services import membership_remove
from carecircle.lib.channel_layers import KINDS, PUBSUB
from carecircle.realtime import consumers
from carecircle.realtime.events import HANDLER, circle_group
from carecircle.realtime.server_frames import frame_bytes, frame_writer
from tests.cast import signed_in_session_key
from tests.servers import free_port

run = database_sync_to_async
WAIT_SECONDS = 5


class Served:
    """A uvicorn serving the live stack in the test's event loop; `open(user)` → a client after its hello."""

    def __init__(self, server: uvicorn.Server, open_socket: Callable[[User], Awaitable[ClientConnection]]) -> None:
        self.server = server
        self.open = open_socket

    def protocols(self) -> list[Any]:
        """uvicorn's connections whose handshake is done."""
        return [found for found in self.server.server_state.connections if getattr(found, "handshake_complete", False)]


@pytest.fixture
async def served(websocket_app: Any, transactional_db: None) -> AsyncIterator[Served]:
    port = free_port()
    config = uvicorn.Config(
        websocket_app,
        host="127.0.0.1",
        port=port,
        ws="websockets-sansio",
        ws_per_message_deflate=False,
        lifespan="off",
        log_level="warning",
        access_log=False,
        loop="none",
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    clients: list[ClientConnection] = []

    async def open_socket(user: User) -> ClientConnection:
        cookie = f"{settings.SESSION_COOKIE_NAME}={await run(signed_in_session_key)(user)}"
        socket = await connect(
            f"ws://testserver:{port}/ws/",
            host="127.0.0.1",
            port=port,
            origin=Origin("http://testserver"),
            additional_headers={"Cookie": cookie},
            proxy=None,
            open_timeout=WAIT_SECONDS,
        )
        clients.append(socket)
        assert (await heard(socket))["type"] == "hello"
        return socket

    yield Served(server, open_socket)
    for socket in clients:
        await socket.close()
    server.should_exit = True
    await serving


async def heard(socket: ClientConnection) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), WAIT_SECONDS))
    return found


async def silent(socket: ClientConnection) -> bool:
    try:
        await asyncio.wait_for(socket.recv(), 0.3)
    except TimeoutError:
        return True
    return False


def counted(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """What each `take_now` answered (True: the frame went out in the reader's turn).

    The consumers' clock stands still, so this process's answer on the circle's members stays fresh
    however slowly the test runs.
    """
    answers: list[bool] = []
    monkeypatch.setattr(consumers.EventsConsumer, "clock", staticmethod(lambda: 1000.0))
    original = consumers.EventsConsumer.take_now

    def take_now(self: consumers.EventsConsumer, message: dict[str, Any]) -> bool:
        answer = original(self, message)
        answers.append(answer)
        return answer

    monkeypatch.setattr(consumers.EventsConsumer, "take_now", take_now)
    return answers


async def publish(circle: int, seq: int, kind: str = "task.changed") -> None:
    event = {"type": kind, "circle": circle, "seq": seq}
    await get_channel_layer().group_send(circle_group(circle), {"type": HANDLER, "event": event})


def arrive(kind: str, message: dict[str, Any]) -> None:
    """Hand a message to the one connection of this process as its layer's reader does, without yielding."""
    layer = get_channel_layer()
    if kind == PUBSUB:
        (backlog,) = layer._get_layer().channels.values()
        backlog.put_nowait(layer.serialize(message))
    else:
        (backlog,) = layer.receive_buffer.values()
        backlog.put_nowait(message)


def redis_layer_only(kind: str) -> None:
    if kind not in KINDS:
        pytest.skip("The in-memory layer queues every message for the connection's task.")


async def helper_after_one_event(served: Served, live_cast: Any, kind: str) -> ClientConnection:
    """The helper's socket, once it heard event 1 (checked in the database in its task)."""
    redis_layer_only(kind)
    socket = await served.open(live_cast.helper)
    await publish(live_cast.circle.pk, 1)
    assert (await heard(socket))["seq"] == 1
    return socket


def test_a_frame_is_the_one_websockets_writes():
    text = json.dumps({"type": "task.changed", "circle": 1, "seq": 2, "words": "é" * 200})
    payload = text.encode()
    # A final text frame, unmasked, its length in the two bytes after 126, then the text.
    assert frame_bytes(text) == bytes([0x81, 126]) + len(payload).to_bytes(2, "big") + payload
    # Not uvicorn's send (a test's communicator, channels' wrapper): no frame is written at once.
    assert frame_writer(lambda message: None) is None


@pytest.mark.redis
async def test_events_go_out_in_the_readers_turn_in_order_once_each(served, live_cast, channel_layer_kind, monkeypatch):
    redis_layer_only(channel_layer_kind)
    answers = counted(monkeypatch)
    circle = live_cast.circle.pk
    sockets = [await served.open(person) for person in (live_cast.organiser, live_cast.helper, live_cast.organiser)]

    # The first event is checked against the database in each connection's task.
    await publish(circle, 1)
    for socket in sockets:
        assert (await heard(socket))["seq"] == 1
    assert not any(answers)
    for seq in range(2, 21):
        await publish(circle, seq)
    for socket in sockets:
        assert [(await heard(socket))["seq"] for _ in range(19)] == list(range(2, 21))
        assert await silent(socket)
    # This process's answer on the circle's members is fresh: the others go out at once.
    assert answers.count(True) == 3 * 19


@pytest.mark.redis
async def test_a_paused_socket_hears_its_waiting_events_first(served, live_cast, channel_layer_kind, monkeypatch):
    answers = counted(monkeypatch)
    circle = live_cast.circle.pk
    socket = await helper_after_one_event(served, live_cast, channel_layer_kind)
    (protocol,) = served.protocols()

    # The transport says its buffer is full (a slow phone): nothing is written at once, the
    # connection's task waits in uvicorn's send, and what follows queues behind it.
    protocol.pause_writing()
    for seq in range(2, 6):
        await publish(circle, seq)
    await asyncio.sleep(0.2)
    assert not any(answers[1:])
    # The socket drains, and before the connection's task has run again the next event arrives:
    # it goes behind the four waiting, not ahead of them.
    protocol.resume_writing()
    arrive(channel_layer_kind, {"type": HANDLER, "event": {"type": "task.changed", "circle": circle, "seq": 6}})
    assert [(await heard(socket))["seq"] for _ in range(5)] == [2, 3, 4, 5, 6]
    assert await silent(socket)


@pytest.mark.redis
async def test_nothing_is_written_after_access_ended(served, live_cast, channel_layer_kind):
    circle = live_cast.circle.pk
    socket = await served.open(live_cast.helper)
    await publish(circle, 1)
    assert (await heard(socket))["seq"] == 1  # this process now trusts the helper for a second

    helper = await run(live_cast.membership)("helper")
    await run(membership_remove)(actor=live_cast.organiser, member=helper)
    assert await heard(socket) == {"type": "access.revoked", "circle": circle}
    for seq in range(50, 55):
        await publish(circle, seq)
    assert await silent(socket)


@pytest.mark.redis
async def test_an_event_checked_in_the_database_holds_back_the_ones_behind_it(
    served, live_cast, channel_layer_kind, monkeypatch
):
    answers = counted(monkeypatch)
    circle = live_cast.circle.pk
    socket = await helper_after_one_event(served, live_cast, channel_layer_kind)

    # Both arrive in one turn of the reader: the membership event waits for the database in the
    # connection's task, and the event after it must not overtake it.
    arrive(channel_layer_kind, {"type": HANDLER, "event": {"type": "membership.changed", "circle": circle, "seq": 2}})
    arrive(channel_layer_kind, {"type": HANDLER, "event": {"type": "task.changed", "circle": circle, "seq": 3}})
    assert [(await heard(socket))["seq"] for _ in range(2)] == [2, 3]
    assert await silent(socket)
    assert answers[1:] == [False]
