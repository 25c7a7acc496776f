"""Dates in Welsh and Polish: day names in lower case mid-sentence, Polish months in the genitive after a day.

docs/architecture/i18n.md, "Dates": lib/date_words.py gives Django's day names as they read inside
a sentence; a heading that starts with a date capitalises its first letter.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from carecircle.lib.date_words import WEEKDAYS
from carecircle.tasks.services import task_volunteer
from tests.cast import Cast
from tests.circles.conftest import text_of
from tests.tasks.conftest import make_task, on_the_day

FRIDAY = datetime.date(2026, 12, 4)
MONDAY = datetime.date(2026, 12, 7)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("cy", "dydd Gwener 4 Rhagfyr 2026"),
        ("pl", "piątek 4 grudnia 2026"),
        ("en-gb", "Friday 4 December 2026"),
    ],
)
def test_a_day_reads_as_it_does_inside_a_sentence(language: str, expected: str) -> None:
    with translation.override(language):
        assert date_format(FRIDAY, "l j E Y") == expected


@pytest.mark.parametrize("language", ["cy", "pl"])
def test_every_day_name_is_lower_case_in_welsh_and_polish(language: str) -> None:
    with translation.override(language):
        names = [date_format(MONDAY + datetime.timedelta(days=offset), "l") for offset in range(7)]

    assert len(set(names)) == len(WEEKDAYS) == 7
    assert all(name[0].islower() for name in names), names


@pytest.mark.parametrize(
    ("language", "today", "heading"),
    [
        ("cy", "Heddiw, dydd Gwener 4 Rhagfyr", "Dydd Llun 7 Rhagfyr"),
        ("pl", "Dziś, piątek 4 grudnia", "Poniedziałek 7 grudnia"),
    ],
)
def test_my_tasks_say_today_mid_sentence_and_start_other_days_with_a_capital(
    cast: Cast, as_user: Any, language: str, today: str, heading: str
) -> None:
    cast.helper.language = language
    cast.helper.save(update_fields=["language"])
    with on_the_day(FRIDAY):
        for day, title in ((FRIDAY, "Lift to hospital"), (MONDAY, "Shopping")):
            task = make_task(actor=cast.organiser, circle=cast.circle, title=title, start_date=day)
            task_volunteer(actor=cast.helper, task=task, occurrence_date=day)

        page = text_of(as_user(cast.helper).get(reverse("tasks:mine")))

    assert today in page
    assert heading in page
