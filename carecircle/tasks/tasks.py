"""Background work for tasks: the reminder scan, which books its own next run."""

from __future__ import annotations

import logging

from django.db import transaction
from django.tasks import default_task_backend, task
from django.utils import timezone

logger = logging.getLogger(__name__)


@task()
def scan_reminders() -> int:
    """Queue the reminders that are due, then book the next scan a few minutes from now."""
    from carecircle.tasks.help_soon import help_soon_ask
    from carecircle.tasks.models import ReminderClock
    from carecircle.tasks.pacing import stand_ins_escalate
    from carecircle.tasks.reminders import SCAN_EVERY, reminders_send

    queued = reminders_send()
    # The same scan asks the next stand-ins about anything still uncovered after the wait (tasks/pacing.py),
    # and widens the ask about anything still uncovered 48 hours before (tasks/help_soon.py).
    stand_ins_escalate()
    help_soon_ask()
    if default_task_backend.supports_defer:
        next_run = timezone.now() + SCAN_EVERY
        ReminderClock.objects.update_or_create(pk=1, defaults={"next_run_at": next_run})
        scan_reminders.using(run_after=next_run).enqueue()
    return queued


def ensure_reminder_scans() -> None:
    """Start the chain of reminder scans unless one is already running (called when someone volunteers)."""
    if not default_task_backend.supports_defer:
        return
    from carecircle.tasks.reminders import claim_next_scan

    next_run = claim_next_scan()
    if next_run is not None:
        transaction.on_commit(lambda: scan_reminders.using(run_after=next_run).enqueue())
