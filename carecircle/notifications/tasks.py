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
    """Send each, over one mail connection; a retry or a delivery held for quiet hours waits for the sweep."""
    from carecircle.notifications.services import deliveries_send

    return deliveries_send(delivery_ids)


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
def expand_fan_out(fan_out_id: int) -> int:
    """Tell each member of a big circle about one thing (fan_out.py); safe to run twice or at once."""
    from carecircle.notifications.fan_out import fan_out_expand

    return fan_out_expand(fan_out_id)


def next_sweep_at(*, now: datetime.datetime) -> datetime.datetime:
    """When the next sweep runs: after SWEEP_EVERY, or as a hold on a busy service ends if that is sooner.

    What a hold kept back waits for its end (`not_before` = the hold's end, and a hold only ever
    grows until it is deleted), so a sweep then sends it at once rather than up to two minutes later.
    """
    from carecircle.notifications.busy_services import hold_ends_next

    regular = now + SWEEP_EVERY
    hold_ends = hold_ends_next(now=now)
    return regular if hold_ends is None else min(regular, hold_ends)


@task()
def deliver_due() -> dict[str, int]:
    """Send every delivery whose retry time or quiet hours are over; book the next sweep.

    Fan-outs left half done by a worker that died are expanded first (fan_out.fan_outs_resume).
    Holds on busy services that have run out are removed first (one DELETE), so none lingers.
    """
    from carecircle.notifications.busy_services import busy_services_expire
    from carecircle.notifications.fan_out import fan_outs_resume
    from carecircle.notifications.services import deliveries_due

    busy_services_expire(now=timezone.now())
    # A fan-out whose worker died (or whose task was lost) is finished first: it queues deliveries.
    fan_outs_resume()
    outcomes = _send_all(deliveries_due())
    if default_task_backend.supports_defer:
        deliver_due.using(run_after=next_sweep_at(now=timezone.now())).enqueue()
    return outcomes


SWEEP_TASK_PATH = "carecircle.notifications.tasks.deliver_due"


def deliveries_sweep_ensure() -> bool:
    """Start the chain of sweeps unless one is already waiting (from `carecircle worker`); whether it did."""
    if not default_task_backend.supports_defer:
        return False
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    with transaction.atomic():
        waiting = DBTaskResult.objects.select_for_update().filter(task_path=SWEEP_TASK_PATH, status="READY")
        if waiting.exists():
            return False
        deliver_due.enqueue()
    return True


# Digests leave at 08:00 on each member's clock; a run every quarter of an hour finds whose time has come.
DIGEST_EVERY = datetime.timedelta(minutes=15)
DIGEST_TASK_PATH = "carecircle.notifications.tasks.send_digests"


@task()
def send_digests() -> int:
    """Queue the digests whose time has come (each once, however many runs); book the next run."""
    from carecircle.notifications.digest import digests_send

    queued = digests_send()
    if default_task_backend.supports_defer:
        send_digests.using(run_after=timezone.now() + DIGEST_EVERY).enqueue()
    return queued


def digests_schedule_ensure() -> bool:
    """Start the chain of digest runs unless one is already waiting (from `carecircle worker`); whether it did."""
    if not default_task_backend.supports_defer:
        return False
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    with transaction.atomic():
        waiting = DBTaskResult.objects.select_for_update().filter(task_path=DIGEST_TASK_PATH, status="READY")
        if waiting.exists():
            return False
        send_digests.enqueue()
    return True
