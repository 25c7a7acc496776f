"""Helpers for the tasks tests: a task for the cast's circle, made through the services."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from carecircle.accounts.models import User
from carecircle.circles.models import Circle
from carecircle.lib.repeat_rule import Rule
from carecircle.lib.wall_clock import today_in, zone_named
from carecircle.tasks.models import Task
from carecircle.tasks.services import TaskFields, task_create, task_volunteer
from tests.cast import Cast

ZONE = "Europe/London"


def circle_today() -> datetime.date:
    """Today in the circle's time zone: the date the services call today, whatever the machine's date."""
    return today_in(ZONE)


def wall_clock_now() -> datetime.datetime:
    """Now on the circle's wall clock, without a zone, as a person types it into a form."""
    return datetime.datetime.now(zone_named(ZONE)).replace(tzinfo=None)


def on_the_day(day: datetime.date, hour: int = 12) -> time_machine.travel:
    """The clock at `hour` on `day` in London: an occurrence can be marked done from its day on."""
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(hour), tzinfo=ZoneInfo(ZONE)))


def soon(days: int = 3) -> datetime.date:
    return circle_today() + datetime.timedelta(days=days)


def make_task(
    *,
    actor: User,
    circle: Circle,
    title: str = "Lift to hospital",
    start_date: datetime.date | None = None,
    start_time: datetime.time | None = datetime.time(10, 30),
    rule: str = "",
    **extra: Any,
) -> Task:
    fields = TaskFields(
        title=title,
        start_date=start_date or soon(),
        start_time=start_time,
        duration_minutes=extra.pop("duration_minutes", 60 if start_time else 1440),
        time_zone=extra.pop("time_zone", ZONE),
        rule=Rule.parse(rule) if rule else None,
        **extra,
    )
    return task_create(actor=actor, circle=circle, fields=fields)


def stay_taken_by_helper(
    cast: Cast,
    *,
    began: datetime.date,
    duration_minutes: int,
    start_time: datetime.time | None = None,
    made_on: datetime.date | None = None,
) -> Task:
    """ "Stay with Dad" from `began`, made by the organiser and taken by the helper before it began.

    Both happen on `made_on` (two days before `began` unless given), so the stay was still to come.
    """
    with on_the_day(made_on or began - datetime.timedelta(days=2)):
        stay = make_task(
            actor=cast.organiser,
            circle=cast.circle,
            title="Stay with Dad",
            start_date=began,
            start_time=start_time,
            duration_minutes=duration_minutes,
        )
        task_volunteer(actor=cast.helper, task=stay, occurrence_date=began)
    return stay


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The template of each tasks region actually drawn (not served from the cache)."""
    from django.template.loader import render_to_string

    done: list[str] = []

    def counting(*args: Any, **kwargs: Any) -> str:
        done.append(args[0])
        return render_to_string(*args, **kwargs)

    monkeypatch.setattr("carecircle.tasks.views.render_to_string", counting)
    return done
