"""Concurrent volunteers for the last place never over-fill it (real PostgreSQL transactions)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from carecircle.accounts.models import User
from carecircle.tasks.models import Assignment
from carecircle.tasks.services import TaskError, task_volunteer
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
    start = threading.Barrier(len(volunteers))
    outcomes: list[str] = []
    lock = threading.Lock()

    def volunteer(user: User) -> None:
        try:
            start.wait()
            task_volunteer(actor=user, task=task, occurrence_date=task.start_date)
            result = "took a place"
        except TaskError:
            result = "told it's covered"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=volunteer, args=(user,)) for user in volunteers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes).count("took a place") == 3
    assert outcomes.count("told it's covered") == len(volunteers) - 3
    going = Assignment.objects.filter(task=task, withdrawn_at__isnull=True)
    assert going.count() == 3
    assert sorted(going.values_list("slot", flat=True)) == [1, 2, 3]
