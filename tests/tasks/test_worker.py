"""The real worker runs the reminder scan: a due reminder reaches the outbox, and the scan books its next run."""

from __future__ import annotations

import datetime
import subprocess
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from carecircle.notifications.models import OutboxMessage
from carecircle.tasks.models import ReminderClock
from carecircle.tasks.services import task_volunteer
from carecircle.tasks.tasks import scan_reminders
from tests.cast import Cast
from tests.servers import BIN, ROOT, server_environment
from tests.tasks.conftest import ZONE, make_task


@pytest.mark.real_clock
def test_the_worker_sends_a_due_reminder_and_keeps_scanning(transactional_db: None, settings: Any, cast: Cast) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    # In 70 minutes: the two-hour reminder is already due.
    # Added in UTC, then read on the circle's clock: wall-clock arithmetic from 01:30 BST on the night
    # the clocks go back gives 02:40 GMT, 130 minutes away, and no reminder would be due yet.
    soon = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=70)).astimezone(ZoneInfo(ZONE))
    task = make_task(
        actor=cast.organiser,
        circle=cast.circle,
        title="Evening visit",
        start_date=soon.date(),
        start_time=soon.time().replace(second=0, microsecond=0),
    )
    task_volunteer(actor=cast.helper, task=task, occurrence_date=task.start_date)
    scan_reminders.enqueue()

    result = subprocess.run(
        [str(BIN / "carecircle"), "worker", "--batch", "--no-startup-delay"],
        cwd=ROOT,
        env=server_environment(),
        capture_output=True,
        text=True,
        timeout=180,  # a Django start-up on a loaded 2-core machine
    )

    assert result.returncode == 0, result.stderr
    reminder = OutboxMessage.objects.get(to=cast.helper.email, subject__startswith="Reminder: Evening visit")
    assert "you said you'll do" in reminder.body
    clock = ReminderClock.objects.get()
    assert clock.next_run_at is not None
    assert clock.next_run_at > datetime.datetime.now(datetime.UTC)


def test_starting_the_worker_books_the_reminder_scan_on_a_site_where_nobody_volunteered_yet(
    transactional_db: None, settings: Any
) -> None:
    """The scan also asks people about what still needs help (tasks/help_soon.py): it can't wait for a volunteer."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert not ReminderClock.objects.filter(next_run_at__isnull=False).exists()

    result = subprocess.run(
        [str(BIN / "carecircle"), "worker", "--batch", "--no-startup-delay"],
        cwd=ROOT,
        env=server_environment(),
        capture_output=True,
        text=True,
        timeout=180,  # a Django start-up on a loaded 2-core machine
    )

    assert result.returncode == 0, result.stderr
    clock = ReminderClock.objects.get()
    assert clock.next_run_at is not None
    booked = DBTaskResult.objects.filter(task_path="carecircle.tasks.tasks.scan_reminders", status="READY")
    assert booked.count() == 1
