"""Reminders: the day before and two hours before by default, never twice, never when cancelled or done."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from carecircle.notifications.models import Delivery
from carecircle.tasks.feed_services import reminder_setting_update
from carecircle.tasks.reminders import claim_next_scan, reminders_send
from carecircle.tasks.services import (
    TaskFields,
    occurrence_cancel,
    occurrence_done,
    task_update,
    task_volunteer,
    task_withdraw,
)
from tests.cast import Cast
from tests.tasks.conftest import make_task

pytestmark = pytest.mark.django_db
UTC = datetime.UTC
DAY = datetime.date(2026, 7, 14)


def at(hour: int, minute: int = 0, day: datetime.date = DAY) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=UTC)


@pytest.fixture
def lift(cast: Cast, django_capture_on_commit_callbacks):
    # 10:30 London in July is 09:30 UTC.
    with time_machine.travel(at(8, 0, DAY - datetime.timedelta(days=5)), tick=False):
        task = make_task(actor=cast.organiser, circle=cast.circle, start_date=DAY, rule="FREQ=DAILY;COUNT=3")
        with django_capture_on_commit_callbacks(execute=True):
            task_volunteer(actor=cast.helper, task=task, occurrence_date=DAY)
    return task


def reminders() -> list[Delivery]:
    return list(Delivery.objects.filter(idempotency_key__startswith="reminder-").order_by("id"))


def test_the_day_before_and_two_hours_before_once_each(cast: Cast, lift, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send(now=at(9, 0, DAY - datetime.timedelta(days=1))) == 0
        assert reminders_send(now=at(9, 31, DAY - datetime.timedelta(days=1))) == 1
        assert reminders_send(now=at(9, 40, DAY - datetime.timedelta(days=1))) == 0
        assert reminders_send(now=at(7, 29)) == 0
        assert reminders_send(now=at(7, 31)) == 1
        assert reminders_send(now=at(7, 45)) == 0
        assert reminders_send(now=at(9, 31)) == 0
    sent = reminders()
    assert len(sent) == 2
    assert sent[0].to == cast.helper.email
    assert "Lift to hospital" in sent[0].subject
    assert "Tue 14 Jul, 10:30" in sent[0].body


def test_a_late_volunteer_gets_one_reminder_not_two(cast: Cast, lift, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send(now=at(8, 0)) == 1
        assert reminders_send(now=at(8, 5)) == 0
    assert len(reminders()) == 1


def test_nothing_for_a_cancelled_or_done_occurrence_or_after_withdrawing(cast: Cast, lift) -> None:
    with time_machine.travel(at(8, 0, DAY - datetime.timedelta(days=3)), tick=False):
        occurrence_cancel(actor=cast.organiser, task=lift, occurrence_date=DAY)
        second = DAY + datetime.timedelta(days=1)
        task_volunteer(actor=cast.helper, task=lift, occurrence_date=second)
        third = DAY + datetime.timedelta(days=2)
        task_volunteer(actor=cast.helper, task=lift, occurrence_date=third)
        task_withdraw(actor=cast.helper, task=lift, occurrence_date=third)
    with time_machine.travel(at(0, 30, second), tick=False):
        occurrence_done(actor=cast.helper, task=lift, occurrence_date=second)
    for day in (DAY, DAY + datetime.timedelta(days=1), DAY + datetime.timedelta(days=2)):
        assert reminders_send(now=at(8, 0, day)) == 0
    assert reminders() == []


def test_a_moved_occurrence_is_reminded_at_its_new_time(cast: Cast, lift) -> None:
    with time_machine.travel(at(8, 0, DAY - datetime.timedelta(days=3)), tick=False):
        task_update(
            actor=cast.organiser,
            task=lift,
            fields=TaskFields(
                title=lift.title,
                start_date=DAY,
                start_time=datetime.time(16, 0),
                duration_minutes=60,
                time_zone="Europe/London",
            ),
            scope="one",
            occurrence_date=DAY,
        )
    # 16:00 BST is 15:00 UTC: the day-before one (due since yesterday 15:00) goes now, and the
    # two-hour one at 13:00 UTC, not at 07:30.
    assert reminders_send(now=at(8, 0)) == 1
    assert reminders_send(now=at(12, 59)) == 0
    assert reminders_send(now=at(13, 1)) == 1


def test_a_member_can_turn_off_the_day_before(cast: Cast, lift) -> None:
    reminder_setting_update(actor=cast.helper, day_before=False, hours_before=5)
    assert reminders_send(now=at(9, 31, DAY - datetime.timedelta(days=1))) == 0
    assert reminders_send(now=at(4, 31)) == 1


def test_only_one_chain_of_scans_is_booked(db: None) -> None:
    now = at(8, 0)
    assert claim_next_scan(now=now) is not None
    assert claim_next_scan(now=now + datetime.timedelta(minutes=1)) is None
    # A chain that stopped (the worker was down) is restarted.
    assert claim_next_scan(now=now + datetime.timedelta(hours=1)) is not None


def test_volunteering_starts_the_workers_reminder_scans(
    cast: Cast, settings, django_capture_on_commit_callbacks
) -> None:
    from django.tasks import default_task_backend

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    task = make_task(actor=cast.organiser, circle=cast.circle)
    with django_capture_on_commit_callbacks(execute=True):
        task_volunteer(actor=cast.helper, task=task, occurrence_date=task.start_date)
        task_volunteer(
            actor=cast.paid_carer,
            task=make_task(actor=cast.organiser, circle=cast.circle),
            occurrence_date=task.start_date,
        )
    scans = [result for result in default_task_backend.results if result.task.name == "scan_reminders"]  # type: ignore[attr-defined]
    assert len(scans) == 1
    assert scans[0].task.run_after is not None
