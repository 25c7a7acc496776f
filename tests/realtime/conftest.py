"""Helpers for live-event tests: signed-in sessions and WebSocket connections through the real stack."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.conf import settings

from carecircle.accounts.models import User
from carecircle.realtime.routing import build_websocket_application
from tests.cast import Cast, build_cast, signed_in_session_key
from tests.realtime.communicator import WebsocketCommunicator

ORIGIN = b"http://testserver"


@pytest.fixture
def live_cast(transactional_db: None) -> Cast:
    """The cast, committed, so the consumer's database threads see it."""
    return build_cast()


@pytest.fixture
def websocket_app(settings: Any, channel_layer_kind: str) -> Any:
    """The WebSocket stack on this test's channel layer (each Redis layer in turn where Redis is set)."""
    settings.ALLOWED_HOSTS = ["testserver"]
    return build_websocket_application()


@pytest.fixture
async def connect(
    websocket_app: Any, transactional_db: None
) -> AsyncIterator[Callable[..., Awaitable[WebsocketCommunicator]]]:
    """await connect(user, window=N) → a connected WebsocketCommunicator (after its "hello"); closed after the test.

    Connections close before the database is flushed: their consumers may still be reading it.
    """
    opened: list[WebsocketCommunicator] = []

    async def _connect(
        user: User | None, *, origin: bytes | None = ORIGIN, expect_hello: bool = True, window: int = 0
    ) -> WebsocketCommunicator:
        headers = [(b"host", b"testserver")]
        if origin is not None:
            headers.append((b"origin", origin))
        if user is not None:
            key = await database_sync_to_async(signed_in_session_key)(user)
            cookie = f"{settings.SESSION_COOKIE_NAME}={key}"
            headers.append((b"cookie", cookie.encode()))
        communicator = WebsocketCommunicator(websocket_app, "/ws/", headers=headers, window=window)
        if user is not None:
            communicator.session_key = cookie.split("=", 1)[1]
        opened.append(communicator)
        accepted = await communicator.connect()
        if expect_hello:
            assert accepted
            hello = await communicator.receive_json()
            assert hello["type"] == "hello"
            communicator.hello = hello
        return communicator

    yield _connect
    for communicator in opened:
        await communicator.disconnect()
