"""The order in which a circle's events reach its connections (docs/architecture/realtime.md, "Order").

Each event is published after its transaction commits, by whichever process made it, so two
processes can publish a circle's events out of sequence order. What is guaranteed, per circle:
every connection, on every process, hears the circle's events in the one order in which they were
published, each once. Clients put them back in sequence order themselves (a gap fetches the
missing numbers; a number already fetched is dropped; `live.js`).
"""

from __future__ import annotations

from typing import Any

from channels.layers import get_channel_layer

from carecircle.lib.channel_layers import FOR_USERS
from carecircle.realtime.events import HANDLER, circle_group

# As two processes may publish them: 4 was committed before 5 but published after it.
PUBLISHED = [1, 2, 3, 5, 4, 6, 8, 7, 9, 10]


async def hear(communicator: Any, count: int) -> list[dict[str, Any]]:
    return [await communicator.receive_json(timeout=5) for _ in range(count)]


async def test_every_connection_hears_a_circles_events_once_in_the_order_they_were_published(connect, live_cast):
    people = [live_cast.organiser, live_cast.organiser, live_cast.helper, live_cast.paid_carer, live_cast.well_wisher]
    connections = [await connect(person) for person in people]
    circle = live_cast.circle.pk
    layer = get_channel_layer()

    for seq in PUBLISHED:
        await layer.group_send(
            circle_group(circle), {"type": HANDLER, "event": {"type": "task.changed", "circle": circle, "seq": seq}}
        )
        if seq == 5:
            # A personal event sent to the circle in between keeps its place for the one it names.
            await layer.group_send(
                circle_group(circle),
                {
                    "type": HANDLER,
                    "event": {"type": "notification", "circle": circle, FOR_USERS: [live_cast.helper.pk]},
                },
            )

    for person, connection in zip(people, connections, strict=True):
        heard = await hear(connection, len(PUBLISHED) + (person == live_cast.helper))
        numbers = [event.get("seq") for event in heard]
        expected: list[int | None] = list(PUBLISHED)
        if person == live_cast.helper:
            expected.insert(PUBLISHED.index(5) + 1, None)
        assert numbers == expected
        assert all(FOR_USERS not in event for event in heard)
    # Nothing was heard twice: the next thing each hears is the next event.
    await layer.group_send(
        circle_group(circle), {"type": HANDLER, "event": {"type": "task.changed", "circle": circle, "seq": 11}}
    )
    for connection in connections:
        assert (await connection.receive_json(timeout=5))["seq"] == 11
