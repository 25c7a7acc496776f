"""48 hours before, an occurrence that still needs someone: standing offers first, then everyone (tasks/help_soon.py).

Every test sets the clock or stays clear of the hour it runs.
"""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carecircle.notifications.models import Delivery
from carecircle.tasks.help_soon import ASK_BEFORE, WIDEN_AFTER, help_soon_ask, wanted_soon
from carecircle.tasks.models import AskedAs, StandInAsk, Task
from carecircle.tasks.rota_services import stand_ins_set, standing_offer_add, unavailability_declare
from carecircle.tasks.services import task_volunteer
from carecircle.tasks.tasks import scan_reminders
from tests.bursts import at_once
from tests.cast import Cast, build_cast
from tests.tasks.conftest import ZONE, circle_today, make_task

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 3, 10)  # a Tuesday
START = datetime.datetime.combine(DAY, datetime.time(10, 30), tzinfo=ZoneInfo(ZONE))


def at(moment: datetime.datetime) -> time_machine.travel:
    return time_machine.travel(moment, tick=False)


def lift(cast: Cast, **extra: Any) -> Task:
    with at(START - datetime.timedelta(days=5)):
        return make_task(actor=cast.organiser, circle=cast.circle, title="Lift", start_date=DAY, **extra)


def asked(as_: str) -> list[int]:
    return sorted(StandInAsk.objects.filter(asked_as=as_).values_list("user_id", flat=True))


def emails_to(user_id: int) -> int:
    asks = Delivery.objects.filter(recipient_id=user_id, channel="email", category="help_needed")
    return asks.exclude(idempotency_key__startswith="task-new-").count()


def test_standing_offers_are_asked_first_then_everyone_after_the_wait(cast: Cast) -> None:
    task = lift(cast)
    with at(START - datetime.timedelta(days=5)):
        # Made after the task, so nobody with an offer has been asked yet.
        standing_offer_add(actor=cast.paid_carer, circle=cast.circle, weekday=DAY.weekday(), part="morning")
    near = START - ASK_BEFORE + datetime.timedelta(hours=1)

    with at(START - ASK_BEFORE - datetime.timedelta(hours=1)):
        assert help_soon_ask() == 0  # not yet 48 hours before
    with at(near):
        assert help_soon_ask() == 1
        assert help_soon_ask() == 0
    assert asked(AskedAs.OFFER) == [cast.paid_carer.pk]
    with at(near + WIDEN_AFTER - datetime.timedelta(minutes=1)):
        assert help_soon_ask() == 0  # the offer is given time
    with at(near + WIDEN_AFTER + datetime.timedelta(minutes=1)):
        assert help_soon_ask() == 2
        assert help_soon_ask() == 0
    # Everyone who can help, except whoever was asked already and the task's author.
    assert asked(AskedAs.EVERYONE) == sorted([cast.helper.pk, cast.person.pk])
    assert [emails_to(user.pk) for user in (cast.paid_carer, cast.helper, cast.person)] == [1, 1, 1]
    assert emails_to(cast.organiser.pk) == 0
    body = Delivery.objects.get(idempotency_key__startswith="soon-everyone-", recipient_id=cast.helper.pk).body
    assert "Everyone who can help is being asked." in body
    assert "I'll do it: " in body
    assert StandInAsk.objects.filter(task=task).count() == 3


def test_with_no_matching_offer_everyone_is_asked_at_48_hours(cast: Cast) -> None:
    lift(cast)
    with at(START - ASK_BEFORE + datetime.timedelta(minutes=5)):
        assert help_soon_ask() == 3
    assert asked(AskedAs.EVERYONE) == sorted([cast.helper.pk, cast.person.pk, cast.paid_carer.pk])


def test_nothing_is_sent_for_covered_private_or_started_occurrences(cast: Cast) -> None:
    covered = lift(cast)
    lift(cast, private=True)
    with at(START - datetime.timedelta(days=4)):
        task_volunteer(actor=cast.helper, task=covered, occurrence_date=DAY)
    with at(START - datetime.timedelta(hours=1)):
        assert help_soon_ask() == 0
    with at(START + datetime.timedelta(minutes=1)):
        assert help_soon_ask() == 0
    assert not StandInAsk.objects.exists()


def test_stand_ins_being_asked_in_turn_are_left_to_that_pacing(cast: Cast) -> None:
    task = lift(cast)
    with at(START - datetime.timedelta(days=4)):
        stand_ins_set(actor=cast.organiser, circle=cast.circle, user_ids=[cast.helper.pk])
        task_volunteer(actor=cast.organiser, task=task, occurrence_date=DAY)
        now = START - datetime.timedelta(days=4)
        unavailability_declare(
            actor=cast.organiser, circle=cast.circle, starts_at=now, ends_at=now + datetime.timedelta(days=6)
        )
    assert asked(AskedAs.STAND_IN) == [cast.helper.pk]
    with at(START - datetime.timedelta(hours=20)):
        assert help_soon_ask() == 0
    assert asked(AskedAs.EVERYONE) == []


def test_the_list_costs_three_queries_however_many_tasks() -> None:
    cast = build_cast()
    lift(cast)
    with at(START - datetime.timedelta(hours=30)), CaptureQueriesContext(connection) as few:
        assert len(wanted_soon(now=START - datetime.timedelta(hours=30))) == 1
    for number in range(30):
        lift(cast, rule="FREQ=DAILY" if number % 2 else "")
    with at(START - datetime.timedelta(hours=30)), CaptureQueriesContext(connection) as many:
        # Each daily series starts on the day, so it has one occurrence in the next 48 hours too.
        assert len(wanted_soon(now=START - datetime.timedelta(hours=30))) == 31
    assert len(few) == len(many) == 3


def test_the_reminder_scan_runs_the_48_hour_step(cast: Cast) -> None:
    lift(cast)
    with at(START - datetime.timedelta(hours=40)):
        scan_reminders.call()
    assert asked(AskedAs.EVERYONE) == sorted([cast.helper.pk, cast.person.pk, cast.paid_carer.pk])


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_scans_asks_each_person_once() -> None:
    """Several workers' scans at the same moment (SQLite and PostgreSQL), on the real clock."""
    cast = build_cast()
    # Tomorrow 10:30 is always less than 48 hours away, and always still to come.
    task = make_task(actor=cast.organiser, circle=cast.circle, start_date=circle_today() + datetime.timedelta(days=1))
    counts = at_once([help_soon_ask] * 6)

    assert sum(counts) == 3
    people = [cast.helper.pk, cast.person.pk, cast.paid_carer.pk]
    assert sorted(StandInAsk.objects.filter(task=task).values_list("user_id", flat=True)) == sorted(people)
    for user_id in people:
        assert emails_to(user_id) == 1, user_id
