"""Publishing live events after commit: ids only, a per-circle sequence, and a personal group."""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models import F

from carecircle.circles.models import Circle
from carecircle.realtime.models import CircleEvent

logger = logging.getLogger(__name__)

# The consumer's handler for every event sent through the channel layer.
HANDLER = "circle.event"


def circle_group(circle_id: int) -> str:
    return f"circle.{circle_id}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def circle_event_record(*, circle: Circle, type: str, **data: Any) -> CircleEvent:
    """Store a circle event with the next sequence number and publish it once the transaction commits.

    Must run inside the service's transaction: the sequence number is taken with an UPDATE, which
    locks the circle row until commit, so events of one circle are numbered without gaps or repeats.
    """
    Circle.objects.filter(pk=circle.pk).update(event_seq=F("event_seq") + 1)
    seq = Circle.objects.values_list("event_seq", flat=True).get(pk=circle.pk)
    event = CircleEvent.objects.create(circle=circle, seq=seq, type=type, data=data)
    message = event.as_message()
    transaction.on_commit(lambda: publish(circle_group(circle.pk), message))
    return event


def user_event_send(*, user_id: int, type: str, **data: Any) -> None:
    """Send a personal event (for example "you were removed") to every open connection of one user."""
    message = {"type": type, **data}
    transaction.on_commit(lambda: publish(user_group(user_id), message))


def publish(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": HANDLER, "event": message})
    except Exception:
        # The change is committed and stored; clients catch up through /events?since=N.
        logger.exception("Could not publish live event to %s", group)
