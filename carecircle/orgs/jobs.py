"""The worker refreshes the local service directory from ORGS_DIRECTORY_URL on a schedule.

`carecircle worker` books the first run when it starts (once, however many workers start) if an
address is configured; each run books the next ORGS_DIRECTORY_REFRESH_HOURS later. The feed is
fetched outside any transaction (a slow server must not hold a database lock); only the import
writes, in its own transaction. A feed that can't be read changes nothing: the previous services
stay, the reason is logged, and `DirectoryFeedStatus` keeps it (as a code, directory_reasons.py) for
organisation admins to see in their own language, with the services a good import skipped.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.tasks import default_task_backend, task
from django.utils import timezone

from carecircle.orgs.directory import DirectoryRefused, directory_import, fetch
from carecircle.orgs.directory_reasons import KEPT_PROBLEMS
from carecircle.orgs.models import DirectoryFeedStatus

logger = logging.getLogger(__name__)
TASK_PATH = "carecircle.orgs.jobs.directory_refresh_job"
DEFAULT_EVERY_HOURS = 24


# What a good import rewrites: it clears the last failure and keeps the services it skipped.
SAVED_AFTER_IMPORT = (
    "last_attempt_at",
    "last_success_at",
    "last_summary",
    "failures_in_a_row",
    "last_error",
    "last_error_code",
    "last_error_values",
    "last_problem_count",
    "last_problems",
)


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
        status.last_attempt_at, status.last_error = now, ""
        status.last_error_code, status.last_error_values = refused.code, refused.values
        status.failures_in_a_row += 1
        status.save(
            update_fields=["last_attempt_at", "last_error", "last_error_code", "last_error_values", "failures_in_a_row"]
        )
        return status
    for problem in report.problems:
        logger.warning("Directory at %s: %s", url, problem)
    status.last_attempt_at = status.last_success_at = now
    status.last_summary, status.failures_in_a_row = report.summary()[:300], 0
    status.last_error, status.last_error_code, status.last_error_values = "", "", {}
    status.last_problem_count = len(report.problems)
    status.last_problems = [problem.as_stored() for problem in report.problems[:KEPT_PROBLEMS]]
    status.save(update_fields=[*SAVED_AFTER_IMPORT])
    return status


def directory_problem() -> DirectoryFeedStatus | None:
    """The configured feed's status when its last fetch failed or skipped services (for admins), else None."""
    url = getattr(settings, "ORGS_DIRECTORY_URL", "")
    if not url:
        return None
    went_wrong = ~Q(last_error="") | ~Q(last_error_code="") | Q(last_problem_count__gt=0)
    return DirectoryFeedStatus.objects.filter(went_wrong, url=url[:500]).first()


@task()
def directory_refresh_job() -> str:
    url = getattr(settings, "ORGS_DIRECTORY_URL", "")
    outcome = "no address configured"
    if url:
        status = directory_refresh(url=url)
        outcome = status.error_text() if status.failed else status.last_summary
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
