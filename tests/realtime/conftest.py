"""Helpers for live-event tests: signed-in sessions and WebSocket connections through the real stack."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from importlib import import_module
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

from carecircle.accounts.models import User
from carecircle.realtime.routing import build_websocket_application
from tests.cast import Cast, build_cast
from tests.realtime.communicator import WebsocketCommunicator

ORIGIN = b"http://testserver"


def session_cookie(user: User) -> str:
    """A Cookie header value for a fresh signed-in session of `user`, as django.contrib.auth makes it."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # Argon2 takes about 0.4 s per account here; these tests are about events, not passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def live_cast(transactional_db: None) -> Cast:
    """The cast, committed, so the consumer's database threads see it."""
    return build_cast()


@pytest.fixture
def websocket_app(settings: Any) -> Any:
    settings.ALLOWED_HOSTS = ["testserver"]
    return build_websocket_application()


@pytest.fixture
async def connect(
    websocket_app: Any, transactional_db: None
) -> AsyncIterator[Callable[..., Awaitable[WebsocketCommunicator]]]:
    """await connect(user) → a connected WebsocketCommunicator (after its "hello"); closed after the test.

    Connections close before the database is flushed: their consumers may still be reading it.
    """
    opened: list[WebsocketCommunicator] = []

    async def _connect(
        user: User | None, *, origin: bytes | None = ORIGIN, expect_hello: bool = True
    ) -> WebsocketCommunicator:
        headers = [(b"host", b"testserver")]
        if origin is not None:
            headers.append((b"origin", origin))
        if user is not None:
            cookie = await database_sync_to_async(session_cookie)(user)
            headers.append((b"cookie", cookie.encode()))
        communicator = WebsocketCommunicator(websocket_app, "/ws/", headers=headers)
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
