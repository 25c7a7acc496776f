"""The worker's daily privacy job: retention, erasing closed circles whose time has come, old sessions.

`carecircle worker` books the first run when it starts (once, however many workers start); each
run books the next for a day later. `carecircle retention` runs it once, from cron if preferred.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.db import transaction
from django.tasks import default_task_backend, task
from django.utils import timezone

logger = logging.getLogger(__name__)
EVERY = datetime.timedelta(days=1)
BATCH = 500
TASK_PATH = "carecircle.web.jobs.daily_privacy_job"


def privacy_maintenance(*, now: datetime.datetime | None = None) -> dict[str, Any]:
    """Everything the daily job does, in order; each step in its own short transactions."""
    from django.contrib.sessions.models import Session

    from carecircle.circles.closing import circles_erase_due
    from carecircle.lib.retention import retention_enforce

    now = now or timezone.now()
    removed = retention_enforce(now=now)
    expired_sessions = 0
    # In batches like the retention rules: a busy site's expired sessions are never one long delete,
    # and each batch's read starts after the last key of the one before, so a backlog is read once.
    expired = Session.objects.filter(expire_date__lt=now).order_by("pk")
    while keys := list(expired.values_list("pk", flat=True)[:BATCH]):
        with transaction.atomic():
            expired_sessions += Session.objects.filter(pk__in=keys).delete()[0]
        if len(keys) < BATCH:
            break
        expired = Session.objects.filter(expire_date__lt=now, pk__gt=keys[-1]).order_by("pk")
    return {"retention": removed, "circles_erased": circles_erase_due(now=now), "expired_sessions": expired_sessions}


@task()
def daily_privacy_job() -> dict[str, Any]:
    result = privacy_maintenance()
    logger.info("Daily privacy job: %s", result)
    if default_task_backend.supports_defer:
        daily_privacy_job.using(run_after=timezone.now() + EVERY).enqueue()
    return result


def daily_privacy_job_ensure() -> bool:
    """Book the daily job unless one is already waiting; returns whether it booked one."""
    if not default_task_backend.supports_defer:
        return False
    from django_tasks_db.models import DBTaskResult

    with transaction.atomic():
        waiting = DBTaskResult.objects.select_for_update().filter(task_path=TASK_PATH, status="READY").exists()
        if waiting:
            return False
        daily_privacy_job.enqueue()
    return True
