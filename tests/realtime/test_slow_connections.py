"""A connection that reads too slowly, on either Redis layer: bounded memory, then a close and a full catch-up.

The slow phone is a WebsocketCommunicator whose frames are read one at a time (`window`), so the
consumer's sends wait as they would on a full network; the layer (capacity 5 here) runs on a private
Redis (tests/servers.py), skipped where redis-server is missing.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.test import Client

from carecircle.circles.models import Circle
from carecircle.circles.services import circle_update
from carecircle.lib.channel_layers import PUBSUB, QUEUES, redis_channel_layer
from carecircle.realtime.consumers import CLOSE_TOO_FAR_BEHIND

run = database_sync_to_async
CAPACITY = 5
EVENTS = 30


def catch_up(user: Any, circle_id: int, since: int) -> list[int]:
    """What live.js fetches on reconnect: the numbers of the events after `since`."""
    client = Client()
    client.force_login(user)
    response = client.get(f"/circles/{circle_id}/events", {"since": since})
    assert response.status_code == 200
    return [event["seq"] for event in response.json()["events"]]


def waiting(layer: Any) -> int:
    """The most messages this process holds for any one connection."""
    if layer.__class__.__name__ == "BoundedPubSubChannelLayer":
        backlogs = layer._get_layer().channels.values()
    else:
        backlogs = layer.receive_buffer.values()
    return max((backlog.qsize() for backlog in backlogs), default=0)


# This test's own layers (with a small capacity), not the shared ones.
@pytest.mark.parametrize("channel_layer_kind", [PUBSUB, QUEUES])
async def test_a_slow_connection_holds_a_bounded_backlog_is_closed_and_catches_up_on_every_event(
    # private_redis first: it stops only after the connections have closed.
    private_redis,
    connect,
    live_cast,
    settings,
    channel_layer_kind,
):
    port, _ = private_redis
    settings.CHANNEL_LAYERS = {
        "default": redis_channel_layer(
            f"redis://127.0.0.1:{port}/0", prefix="slow", kind=channel_layer_kind, capacity=CAPACITY
        )
    }
    circle = live_cast.circle
    start = await run(lambda: Circle.objects.values_list("event_seq", flat=True).get(pk=circle.pk))()
    slow = await connect(live_cast.helper, window=1)
    quick = await connect(live_cast.organiser)
    layer = get_channel_layer()

    held = []
    for index in range(EVENTS):
        await run(circle_update)(
            actor=live_cast.organiser, circle=circle, person_name=f"Dad {index}", person_date_of_birth=None
        )
        # The quick connection hears each event, so the slow one's backlog has had it too.
        assert (await quick.receive_json())["seq"] == start + index + 1
        held.append(waiting(layer))
    assert max(held) <= CAPACITY, f"the slow connection's backlog grew to {max(held)} messages"

    # The slow phone reads what reached it, then the close that tells it to reconnect.
    seen = []
    while (frame := await slow.receive_output())["type"] == "websocket.send":
        seen.append(json.loads(frame["text"])["seq"])
    assert frame == {"type": "websocket.close", "code": CLOSE_TOO_FAR_BEHIND}
    assert len(seen) < EVENTS
    # Reconnected, it catches up from the last number it saw, as live.js does.
    again = await connect(live_cast.helper)
    assert again.hello is not None
    seen += await run(catch_up)(live_cast.helper, circle.pk, max(seen, default=start))
    assert seen == list(range(start + 1, start + EVENTS + 1)), "every event arrives once, in order"
