"""Background work: sending queued deliveries, with retries."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.tasks import task
from django.utils import timezone

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


@task()
def deliver(delivery_id: int) -> str:
    """Send one delivery. Safe to run twice: a sent delivery is never sent again."""
    from carecircle.notifications.services import delivery_send

    status = delivery_send(delivery_id=delivery_id)
    if status == "retry":
        delay = timedelta(minutes=2 ** min(6, attempts_so_far(delivery_id)))
        deliver.using(run_after=timezone.now() + delay).enqueue(delivery_id)
    return status


def attempts_so_far(delivery_id: int) -> int:
    from carecircle.notifications.models import Delivery

    return Delivery.objects.values_list("attempts", flat=True).get(pk=delivery_id)
