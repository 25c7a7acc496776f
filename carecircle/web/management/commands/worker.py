"""`carecircle worker`: run queued background work (emails, texts); any number may run at once.

This is django-tasks-db's db_worker under CareCircle's name, with all of its options (--batch,
--queue-name, --interval, --max-tasks, --reload…). On start it books the daily privacy job
(retention, erasing closed circles) unless one is already waiting (carecircle/web/jobs.py), and
the deliveries sweep and the digest runs (notifications/tasks.py) likewise, and the directory
refresh (orgs/jobs.py) when ORGS_DIRECTORY_URL is set, the daily check of offers of support
(orgs/support_offers.py), and the five-minute reminder scan
(tasks/tasks.py), which also asks stand-ins and everyone about what still needs help soon.

It first lowers its own CPU priority to WORKER_NICE (10 by default): on a box whose cores it
shares with the app processes, a big circle's notifications (≈ 100 ms of CPU a message at 1,000
members) then wait while a live event's fan-out runs, instead of delaying it
(docs/architecture/notifications.md, "The worker yields the cores").
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from carecircle.notifications.tasks import deliveries_sweep_ensure, digests_schedule_ensure
from carecircle.orgs.jobs import directory_refresh_ensure, support_offers_ensure
from carecircle.tasks.tasks import ensure_reminder_scans
from carecircle.web.jobs import daily_privacy_job_ensure


class Command(DatabaseWorkerCommand):
    help = (
        "Run queued background work such as sending emails and text messages. Ctrl-C stops it after the current task."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        niceness_raise(settings.WORKER_NICE)
        daily_privacy_job_ensure()
        # Retries and emails held for quiet hours are sent by a sweep every two minutes.
        deliveries_sweep_ensure()
        # Daily and weekly digests: a run every quarter of an hour sends those whose 08:00 has come.
        digests_schedule_ensure()
        # The local service directory, from ORGS_DIRECTORY_URL when one is set (daily by default).
        directory_refresh_ensure()
        # Once a day: who gives enough help to be offered support for themself (orgs/support_offers.py).
        support_offers_ensure()
        # Reminders, stand-in pacing and the 48-hour ask; before this they began only when someone
        # first volunteered, so a new site with tasks nobody had taken asked nobody.
        ensure_reminder_scans()
        super().handle(*args, **options)


def niceness_raise(to: int) -> int:
    """Lower this process's CPU priority to niceness `to` (at most 19) unless it is that low already.

    Returns the niceness now.

    Only ever raised: a worker started at a lower priority (systemd's `Nice=`, `nice carecircle
    worker`) keeps it, and raising needs no privilege where lowering would.
    """
    now = os.nice(0)
    if min(to, 19) > now:
        now = os.nice(min(to, 19) - now)
    return now
