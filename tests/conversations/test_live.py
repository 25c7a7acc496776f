"""Live messages: a message posted through one server process reaches a WebSocket client of another.

The two-process test needs Redis (CI sets REDIS_URL); the in-process test runs everywhere.
"""

from __future__ import annotations

import asyncio
import json
import os
import urllib.request
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from channels.db import database_sync_to_async

from carecircle.accounts.services import api_token_create
from carecircle.conversations import services
from tests.cast import Cast
from tests.conversations.conftest import family_of
from tests.realtime.test_two_servers import next_event, open_socket

run = database_sync_to_async


def _post_json(url: str, secret: str, body: dict[str, str]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        answer: dict[str, Any] = json.loads(response.read())
        return response.status, answer


@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is unset: processes share events through Redis.")
async def test_a_message_posted_through_one_process_reaches_a_client_of_the_other(
    live_cast: Cast, two_servers: list[str]
) -> None:
    server_a, server_b = two_servers
    cast = live_cast
    conversation = await run(services.family_conversation)(circle=cast.circle)
    _, secret = await run(api_token_create)(actor=cast.helper, name="phone")
    organiser_on_b = await open_socket(server_b, cast.organiser)
    try:
        url = f"{server_a}/api/v1/circles/{cast.circle.pk}/conversations/{conversation.pk}/messages"
        body = {"body": "Parked outside", "client_id": str(uuid.uuid4())}
        posted_status, posted = await asyncio.to_thread(_post_json, url, secret, body)
        retried_status, retried = await asyncio.to_thread(_post_json, url, secret, body)
        assert (posted_status, retried_status) == (201, 200)
        assert retried["id"] == posted["id"]
        event = await next_event(organiser_on_b)
        assert event["type"] == "message.posted"
        assert (event["conversation"], event["message"]) == (conversation.pk, posted["id"])
        assert "Parked" not in json.dumps(event)
        # The organiser is also told personally, once (the header's unread count), with no content.
        told = await next_event(organiser_on_b)
        assert told == {"type": "notification", "circle": cast.circle.pk}
        # The retry published nothing: the next thing the client hears is a later change, not a duplicate.
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(organiser_on_b.recv(), 0.5)
    finally:
        await organiser_on_b.close()


async def test_a_family_member_connected_hears_of_a_new_message_with_ids_only(
    live_cast: Cast, connect: Callable[..., Awaitable[Any]], django_capture_on_commit_callbacks: Any
) -> None:
    organiser = await connect(live_cast.organiser)

    def post() -> int:
        with django_capture_on_commit_callbacks(execute=True):
            where = family_of(live_cast, live_cast.helper)
            return services.message_post(actor=live_cast.helper, where=where, body="Secret").message.pk

    message_id = await run(post)()
    event = await organiser.receive_json()
    assert event["type"] == "message.posted"
    assert event["message"] == message_id
    assert set(event) == {"type", "circle", "seq", "conversation", "message"}
