"""The API's live-event catch-up: what changed in a circle since a sequence number (ids only)."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from carecircle.accounts.api_auth import viewer
from carecircle.circles.access import access_circle
from carecircle.lib.schemas import CircleId, Since, responses
from carecircle.realtime.selectors import circle_events_since

router = Router()


class EventOut(Schema):
    seq: int
    type: str
    created_at: datetime.datetime
    data: dict[str, Any] = Field(description="Ids of what changed; fetch the content through the API.")


class EventsOut(Schema):
    latest: int = Field(description="The circle's latest sequence number.")
    has_more: bool = Field(description="True when more events follow: ask again with since set to the last seq.")
    gap: bool = Field(
        description="True when events right after since are no longer kept (pruned after RETENTION_EVENTS_DAYS): "
        "refetch what you show instead of replaying the events."
    )
    events: list[EventOut]


@router.get(
    "/circles/{circle_id}/events",
    operation_id="event_list",
    summary="What changed in a circle since a sequence number",
    tags=["Live updates"],
    response=responses({200: EventsOut}, 403, 404, 422),
)
def event_list(request: HttpRequest, circle_id: CircleId, since: Since = 0) -> EventsOut:
    """Up to 500 events after `since`, oldest first. They carry ids only, like the live WebSocket messages."""
    access = access_circle(user=viewer(request), circle_id=circle_id, capability="events.view")
    catch_up = circle_events_since(circle=access.circle, since=since)
    return EventsOut(
        latest=catch_up.latest,
        has_more=catch_up.has_more,
        gap=catch_up.gap,
        events=[
            EventOut(seq=row.seq, type=row.type, created_at=row.created_at, data=row.data) for row in catch_up.rows
        ],
    )
