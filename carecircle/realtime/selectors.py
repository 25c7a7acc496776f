"""Reads of live events: what changed in a circle since a sequence number."""

from __future__ import annotations

from dataclasses import dataclass

from carecircle.circles.models import Circle
from carecircle.realtime.models import CircleEvent

# A client further behind than this refreshes the whole page instead of replaying events.
CATCH_UP_LIMIT = 500


@dataclass(frozen=True)
class CatchUp:
    events: list[dict[str, object]]
    latest: int
    has_more: bool


def circle_events_since(*, circle: Circle, since: int, limit: int = CATCH_UP_LIMIT) -> CatchUp:
    """The circle's events with a sequence number above `since`, oldest first, at most `limit`."""
    rows = list(CircleEvent.objects.filter(circle=circle, seq__gt=since).order_by("seq")[: limit + 1])
    has_more = len(rows) > limit
    events = [row.as_message() for row in rows[:limit]]
    # The circle row may have been read just before a newer event was committed.
    latest = max(circle.event_seq, rows[-1].seq if rows else 0)
    return CatchUp(events=events, latest=latest, has_more=has_more)
