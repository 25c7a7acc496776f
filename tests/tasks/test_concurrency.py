"""Concurrent volunteers never over-fill the last place; the next-start scan skips rows being changed (PostgreSQL)."""

from __future__ import annotations

import datetime
import threading
from functools import partial

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from carecircle.accounts.models import User
from carecircle.tasks.help_soon import next_starts_refresh, soon_tasks
from carecircle.tasks.models import Assignment, Task
from carecircle.tasks.services import TaskError, task_volunteer
from tests.bursts import at_once
from tests.cast import Cast, build_cast
from tests.circles.conftest import add_members
from tests.tasks.conftest import make_task

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL; SQLite has one writer"),
]


@pytest.mark.django_db(transaction=True)
def test_many_people_asking_at_once_never_over_fill_the_last_places() -> None:
    cast: Cast = build_cast()
    volunteers: list[User] = [m.user for m in add_members(circle=cast.circle, actor=cast.organiser, how_many=12)]
    task = make_task(actor=cast.organiser, circle=cast.circle, people_needed=3)

    def volunteer(user: User) -> str:
        try:
            task_volunteer(actor=user, task=task, occurrence_date=task.start_date)
        except TaskError:
            return "told it's covered"
        return "took a place"

    outcomes = at_once([partial(volunteer, user) for user in volunteers], timeout=30)
    assert sorted(outcomes).count("took a place") == 3
    assert outcomes.count("told it's covered") == len(volunteers) - 3
    going = Assignment.objects.filter(task=task, withdrawn_at__isnull=True)
    assert going.count() == 3
    assert sorted(going.values_list("slot", flat=True)) == [1, 2, 3]


@pytest.mark.django_db(transaction=True)
def test_the_next_start_scan_skips_a_task_being_changed_and_still_reads_it() -> None:
    """A service holding a task's row lock doesn't hold up the scan (tasks/help_soon.py)."""
    cast: Cast = build_cast()
    changing = make_task(actor=cast.organiser, circle=cast.circle, title="Being changed", rule="FREQ=WEEKLY")
    other = make_task(actor=cast.organiser, circle=cast.circle, title="Other", rule="FREQ=WEEKLY")
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                list(Task.objects.select_for_update(no_key=True).filter(pk=changing.pk))
                locked.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(timeout=30)
    try:
        now = timezone.now()
        assert next_starts_refresh(now=now) == 1
        kept = dict(Task.objects.values_list("pk", "next_start_utc"))
        assert kept[changing.pk] is None
        assert kept[other.pk] is not None
        # Not worked out yet, so the scan still reads it: nothing is missed.
        assert changing.pk in {task.pk for task in soon_tasks(now=now - datetime.timedelta(days=365))}
    finally:
        release.set()
        holder.join(timeout=30)
    assert next_starts_refresh(now=timezone.now()) == 1
