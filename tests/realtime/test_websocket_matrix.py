"""The WebSocket row of the permission matrix: who may connect, and who hears a circle's events."""

from __future__ import annotations

from channels.db import database_sync_to_async

from carecircle.circles.models import Role
from carecircle.circles.services import membership_add_directly
from carecircle.realtime.consumers import CLOSE_UNAUTHENTICATED
from tests.matrix.base import COLUMNS
from tests.realtime.test_consumers import rename
from tests.test_permission_matrix import WEBSOCKET_MATRIX

run = database_sync_to_async


async def test_the_websocket_route_gives_each_member_the_expected_answer(connect, live_cast):
    connections = {}
    for column in COLUMNS:
        user = None if column == "anonymous" else live_cast.user(column)
        connections[column] = await connect(user, expect_hello=user is not None)

    await rename(actor=live_cast.organiser, circle=live_cast.circle, name="Papa")
    # Then an event everyone else hears, so "deaf" is seen without waiting: organisation staff join
    # the other circle, which is renamed.
    await run(membership_add_directly)(
        actor=live_cast.outsider, circle=live_cast.other_circle, user=live_cast.org_staff, role=Role.HELPER
    )
    await rename(actor=live_cast.outsider, circle=live_cast.other_circle, name="Auntie Josephine")

    observed = []
    for column, communicator in connections.items():
        if column == "anonymous":
            closed = await communicator.receive_output(timeout=3)
            observed.append(
                "refused" if closed == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED} else "open"
            )
            continue
        first = await communicator.receive_json(timeout=3)
        heard = first == {**first, "type": "circle.changed", "circle": live_cast.circle.pk}
        observed.append("hears" if heard else "deaf")
    assert " ".join(observed) == WEBSOCKET_MATRIX["ws/"]
