"""Background work: sending queued deliveries, with retries and back-off."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence

from django.tasks import default_task_backend, task
from django.utils import timezone

logger = logging.getLogger(__name__)

# How often the sweep looks for deliveries whose retry or quiet hours are over.
SWEEP_EVERY = datetime.timedelta(minutes=2)


def _send_all(delivery_ids: Sequence[int]) -> dict[str, int]:
    from carecircle.notifications.models import Delivery
    from carecircle.notifications.services import delivery_send

    outcomes: dict[str, int] = {}
    for delivery_id in delivery_ids:
        status = delivery_send(delivery_id=delivery_id)
        outcomes[status] = outcomes.get(status, 0) + 1
    if outcomes.get("retry") and default_task_backend.supports_defer:
        # Each retry waits for its row's not_before; one sweep task picks them all up then.
        soonest = (
            Delivery.objects.filter(pk__in=delivery_ids, status="queued", not_before__isnull=False)
            .order_by("not_before")
            .values_list("not_before", flat=True)
            .first()
        )
        if soonest is not None:
            deliver_due.using(run_after=max(soonest, timezone.now())).enqueue()
    return outcomes


@task()
def deliver(delivery_id: int) -> str:
    """Send one delivery. Safe to run twice: a sent delivery is never sent again."""
    outcomes = _send_all([delivery_id])
    return next(iter(outcomes))


@task()
def deliver_many(delivery_ids: list[int]) -> dict[str, int]:
    """Send the deliveries one change queued (a fan-out to a circle is one task, not sixty)."""
    return _send_all(delivery_ids)


@task()
def deliver_due() -> dict[str, int]:
    """Send every delivery whose retry time or quiet hours are over."""
    from carecircle.notifications.services import deliveries_due

    return _send_all(deliveries_due())
