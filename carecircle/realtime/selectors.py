"""Reads of live events: what changed in a circle since a sequence number."""

from __future__ import annotations

from dataclasses import dataclass

from carecircle.circles.models import Circle
from carecircle.realtime.models import CircleEvent

# A client further behind than this refreshes the whole page instead of replaying events.
CATCH_UP_LIMIT = 500


@dataclass(frozen=True)
class CatchUp:
    rows: list[CircleEvent]
    latest: int
    has_more: bool
    # Events right after `since` are no longer kept (older than RETENTION_EVENTS_DAYS): replaying
    # the rest would miss changes, so the client refetches what it shows instead.
    gap: bool = False

    @property
    def events(self) -> list[dict[str, object]]:
        """The events as the WebSocket sends them: ids only."""
        return [row.as_message() for row in self.rows]


def circle_events_since(*, circle: Circle, since: int, limit: int = CATCH_UP_LIMIT) -> CatchUp:
    """The circle's events with a sequence number above `since`, oldest first, at most `limit`."""
    rows = list(CircleEvent.objects.filter(circle=circle, seq__gt=since).order_by("seq")[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    # The circle row may have been read just before a newer event was committed.
    latest = max(circle.event_seq, rows[-1].seq if rows else 0)
    gap = since < latest and (not rows or rows[0].seq > since + 1)
    return CatchUp(rows=rows, latest=latest, has_more=has_more, gap=gap)
