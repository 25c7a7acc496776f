"""Many boxes: two real uvicorn processes sharing Redis deliver the same live events to their clients."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin

from carecircle.accounts.models import User
from carecircle.circles.models import Role
from carecircle.circles.services import membership_add_directly, membership_remove
from tests.cast import make_user, signed_in_session_key
from tests.servers import BIN, ROOT, free_port, server_environment, stop, wait_until_ready

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL"),
        reason="REDIS_URL is unset: server processes share live events only through Redis (CI sets it).",
    ),
]

run = database_sync_to_async
WAIT_SECONDS = 5


@pytest.fixture
def two_servers(transactional_db: None, channel_layer_kind: str) -> Iterator[list[str]]:
    """Base URLs of two `carecircle serve` processes on the pytest database, with this test's Redis prefix and layer."""
    environment = server_environment()
    urls = [f"http://127.0.0.1:{free_port()}" for _ in range(2)]
    processes: list[subprocess.Popen[bytes]] = []
    try:
        # Both start at once: each takes seconds to import Django on a busy machine.
        for url in urls:
            command = [str(BIN / "carecircle"), "serve", "--port", url.rsplit(":", 1)[1], "--no-access-log"]
            processes.append(subprocess.Popen(command, cwd=ROOT, env=environment))
        for url, process in zip(urls, processes, strict=True):
            wait_until_ready(f"{url}/healthz", process, timeout=60)
        yield urls
    finally:
        for process in processes:
            stop(process)


async def open_socket(base_url: str, user: User) -> ClientConnection:
    cookie = f"{settings.SESSION_COOKIE_NAME}={await run(signed_in_session_key)(user)}"
    socket = await connect(
        base_url.replace("http://", "ws://") + "/ws/",
        origin=Origin(base_url),
        additional_headers={"Cookie": cookie},
        proxy=None,
        open_timeout=WAIT_SECONDS,
    )
    hello = json.loads(await asyncio.wait_for(socket.recv(), WAIT_SECONDS))
    assert hello["type"] == "hello"
    return socket


async def next_event(socket: ClientConnection) -> dict[str, Any]:
    event: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), WAIT_SECONDS))
    return event


async def test_a_membership_change_reaches_clients_of_both_processes(live_cast, two_servers):
    server_a, server_b = two_servers
    organiser_on_a = await open_socket(server_a, live_cast.organiser)
    helper_on_b = await open_socket(server_b, live_cast.helper)
    try:
        newcomer = await run(make_user)("newcomer")
        # Published from this process through Redis, as a third app process or a worker would.
        member = await run(membership_add_directly)(
            actor=live_cast.organiser, circle=live_cast.circle, user=newcomer, role=Role.HELPER
        )

        seen_on_a = await next_event(organiser_on_a)
        seen_on_b = await next_event(helper_on_b)
        assert seen_on_a == seen_on_b
        assert seen_on_a["type"] == "membership.added"
        assert (seen_on_a["circle"], seen_on_a["member"], seen_on_a["user"]) == (
            live_cast.circle.pk,
            member.pk,
            newcomer.pk,
        )

        # A personal event crosses processes too: the helper connected to B is told at once.
        helper_membership = await run(live_cast.membership)("helper")
        await run(membership_remove)(actor=live_cast.organiser, member=helper_membership)
        assert await next_event(helper_on_b) == {"type": "access.revoked", "circle": live_cast.circle.pk}
        removed = await next_event(organiser_on_a)
        assert (removed["type"], removed["seq"]) == ("membership.removed", seen_on_a["seq"] + 1)
    finally:
        await organiser_on_a.close()
        await helper_on_b.close()
