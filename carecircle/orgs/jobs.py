"""The worker refreshes the local service directory from ORGS_DIRECTORY_URL on a schedule.

`carecircle worker` books the first run when it starts (once, however many workers start) if an
address is configured; each run books the next ORGS_DIRECTORY_REFRESH_HOURS later. The feed is
fetched outside any transaction (a slow server must not hold a database lock); only the import
writes, in its own transaction. A feed that can't be read changes nothing: the previous services
stay, the reason is logged, and `DirectoryFeedStatus` keeps it for organisation admins to see.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.tasks import default_task_backend, task
from django.utils import timezone

from carecircle.orgs.directory import DirectoryRefused, directory_import, fetch
from carecircle.orgs.models import DirectoryFeedStatus

logger = logging.getLogger(__name__)
TASK_PATH = "carecircle.orgs.jobs.directory_refresh_job"
DEFAULT_EVERY_HOURS = 24


def refresh_every() -> datetime.timedelta:
    return datetime.timedelta(hours=int(getattr(settings, "ORGS_DIRECTORY_REFRESH_HOURS", DEFAULT_EVERY_HOURS)))


def directory_refresh(*, url: str) -> DirectoryFeedStatus:
    """Fetch and import the directory at `url`; a broken feed keeps the previous data and is recorded."""
    status, _ = DirectoryFeedStatus.objects.get_or_create(url=url[:500])
    now = timezone.now()
    try:
        report = directory_import(fetch(url))
    except DirectoryRefused as refused:
        logger.error("The local service directory at %s was not refreshed: %s", url, refused)
        status.last_attempt_at, status.last_error = now, str(refused)[:500]
        status.failures_in_a_row += 1
        status.save(update_fields=["last_attempt_at", "last_error", "failures_in_a_row"])
        return status
    for problem in report.problems:
        logger.warning("Directory at %s: %s", url, problem)
    status.last_attempt_at = status.last_success_at = now
    status.last_summary, status.last_error, status.failures_in_a_row = report.summary()[:300], "", 0
    status.save(update_fields=["last_attempt_at", "last_success_at", "last_summary", "last_error", "failures_in_a_row"])
    return status


def directory_problem() -> DirectoryFeedStatus | None:
    """The configured feed's status when its last fetch failed (for admins to see), else None."""
    url = getattr(settings, "ORGS_DIRECTORY_URL", "")
    if not url:
        return None
    return DirectoryFeedStatus.objects.filter(url=url[:500]).exclude(last_error="").first()


@task()
def directory_refresh_job() -> str:
    url = getattr(settings, "ORGS_DIRECTORY_URL", "")
    outcome = "no address configured"
    if url:
        status = directory_refresh(url=url)
        outcome = status.last_error or status.last_summary
        if default_task_backend.supports_defer:
            directory_refresh_job.using(run_after=timezone.now() + refresh_every()).enqueue()
    return outcome


def directory_refresh_ensure() -> bool:
    """Book the refresh unless one is waiting or no address is configured; whether it booked one."""
    if not getattr(settings, "ORGS_DIRECTORY_URL", "") or not default_task_backend.supports_defer:
        return False
    from django_tasks_db.models import DBTaskResult

    with transaction.atomic():
        waiting = DBTaskResult.objects.select_for_update().filter(task_path=TASK_PATH, status="READY").exists()
        if waiting:
            return False
        directory_refresh_job.enqueue()
    return True


# The daily check of who gives enough help to be offered support (orgs/support_offers.py).
OFFERS_TASK_PATH = "carecircle.orgs.jobs.support_offers_job"
OFFERS_EVERY = datetime.timedelta(days=1)


@task()
def support_offers_job() -> str:
    from carecircle.orgs.support_offers import support_offers_refresh

    report = support_offers_refresh()
    if default_task_backend.supports_defer:
        support_offers_job.using(run_after=timezone.now() + OFFERS_EVERY).enqueue()
    return f"{report.offered} offered, {report.withdrawn} no longer"


def support_offers_ensure() -> bool:
    """Book the daily check of offers of support unless one is waiting; whether it booked one."""
    if not default_task_backend.supports_defer:
        return False
    from django_tasks_db.models import DBTaskResult

    with transaction.atomic():
        waiting = DBTaskResult.objects.select_for_update().filter(task_path=OFFERS_TASK_PATH, status="READY").exists()
        if waiting:
            return False
        support_offers_job.enqueue()
    return True
