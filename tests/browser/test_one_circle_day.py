"""on_one_circle_day: a browser test whose circle's midnight passes between setup and assertion runs again.

No server here: the test's own clock is moved to a second before London's midnight, and an attempt
that takes two seconds sees the day change under it, as a journey against a live server would.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from carecircle.lib.wall_clock import today_in
from tests.browser.conftest import on_one_circle_day

LONDON = ZoneInfo("Europe/London")
BEFORE_MIDNIGHT = datetime.datetime(2026, 12, 6, 23, 59, 59, tzinfo=LONDON)


def test_an_attempt_that_fails_as_the_day_changes_runs_again_with_the_new_day() -> None:
    days: list[datetime.date] = []
    with time_machine.travel(BEFORE_MIDNIGHT, tick=False) as clock:

        def attempt(day: datetime.date) -> str:
            days.append(day)
            clock.shift(datetime.timedelta(seconds=2))  # the server draws the page after midnight
            assert today_in("Europe/London") == day, "the page shows another day"
            return "passed"

        assert on_one_circle_day(attempt) == "passed"
    assert days == [datetime.date(2026, 12, 6), datetime.date(2026, 12, 7)]


def test_a_failure_on_one_day_is_not_retried() -> None:
    days: list[datetime.date] = []

    def attempt(day: datetime.date) -> None:
        days.append(day)
        raise AssertionError("a real failure")

    with (
        time_machine.travel(BEFORE_MIDNIGHT - datetime.timedelta(hours=12), tick=False),
        pytest.raises(AssertionError, match="a real failure"),
    ):
        on_one_circle_day(attempt)
    assert days == [datetime.date(2026, 12, 6)]


def test_an_attempt_that_passed_across_midnight_runs_once() -> None:
    days: list[datetime.date] = []
    with time_machine.travel(BEFORE_MIDNIGHT, tick=False) as clock:

        def attempt(day: datetime.date) -> None:
            days.append(day)
            clock.shift(datetime.timedelta(seconds=2))

        on_one_circle_day(attempt)
    assert days == [datetime.date(2026, 12, 6)]


def test_the_day_is_the_circles_not_the_machines() -> None:
    """At 23:30 UTC in summer London is already on the next day, and that is the day given."""
    days: list[datetime.date] = []
    with time_machine.travel(datetime.datetime(2026, 7, 14, 23, 30, tzinfo=datetime.UTC), tick=False):
        on_one_circle_day(days.append)
    assert days == [datetime.date(2026, 7, 15)]
