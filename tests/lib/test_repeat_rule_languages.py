"""A wrong repeat pattern is refused in the reader's language (docs/architecture/i18n.md, "Repeat patterns")."""

from __future__ import annotations

import datetime
import re
import uuid
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from carecircle.accounts.services import user_update_profile
from carecircle.lib.recurrence import check_series
from carecircle.lib.repeat_rule import Frequency, MonthlyWeekday, Rule, Weekday
from carecircle.tasks.models import Task
from tests.api.test_error_languages import token_client
from tests.cast import Cast
from tests.circles.conftest import text_of
from tests.tasks.conftest import soon


def refusal(language: str, make: Any) -> str:
    with translation.override(language), pytest.raises(ValueError, match=r"\w") as refused:
        make()
    return str(refused.value)


@pytest.mark.parametrize(
    ("frequency", "interval", "expected"),
    [
        (Frequency.DAILY, 400, "Może się powtarzać co 1 do 365 dni, nie co 400."),
        (Frequency.WEEKLY, 60, "Może się powtarzać co 1 do 52 tygodni, nie co 60."),
        (Frequency.MONTHLY, 53, "Może się powtarzać co 1 do 52 miesięcy, nie co 53."),
    ],
)
def test_an_interval_out_of_range_is_refused_in_polish_with_the_units_plural(
    frequency: Frequency, interval: int, expected: str
) -> None:
    assert refusal("pl", lambda: Rule(frequency, interval=interval)).startswith(expected)


def test_the_checks_of_a_pattern_speak_welsh() -> None:
    assert refusal("cy", lambda: Rule(Frequency.WEEKLY, count=501)) == (
        "Gall ddigwydd rhwng 1 a 500 gwaith, nid 501. Dewiswch rif yn yr ystod honno, neu ddyddiad gorffen."
    )
    assert refusal("cy", lambda: Rule(Frequency.DAILY, weekdays=(Weekday.TU,))).startswith(
        "Dim ond pan mae'n ailadrodd bob wythnos y gellir dewis dyddiau'r wythnos."
    )
    assert refusal("cy", lambda: MonthlyWeekday(0, Weekday.TU)).startswith("Rhaid i wythnos y mis fod rhwng 1 a 5")


@pytest.mark.parametrize(
    ("text", "polish"),
    [
        ("FREQ=DAILY;COUNT", "„COUNT” nie jest zapisane jako NAME=VALUE."),
        ("FREQ=YEARLY", "Powtarzanie z FREQ=YEARLY nie jest obsługiwane."),
        ("FREQ=WEEKLY;UNTIL=2026", "UNTIL musi być datą zapisaną jako YYYYMMDD, na przykład 20261231, a nie „2026”."),
        ("COUNT=3", "Wzór powtarzania musi zawierać FREQ."),
        ("FREQ=WEEKLY;BYSETPOS=1", "BYSETPOS nie jest obsługiwane we wzorze powtarzania."),
    ],
)
def test_a_typed_rule_is_refused_in_polish_with_its_rrule_words_kept(text: str, polish: str) -> None:
    assert refusal("pl", lambda: Rule.parse(text)).startswith(polish)
    assert refusal("en-gb", lambda: Rule.parse(text)) != refusal("pl", lambda: Rule.parse(text))


def test_an_end_before_the_start_names_both_dates_in_polish() -> None:
    rule = Rule(Frequency.WEEKLY, until=datetime.date(2026, 12, 1))
    start = datetime.datetime(2026, 12, 4, 10, 30)
    assert refusal("pl", lambda: check_series(rule=rule, start_local=start)) == (
        "Seria kończy się 1 grudnia 2026, zanim się zacznie (4 grudnia 2026). "
        "Wybierz datę końca w dniu początku lub później."
    )
    assert refusal("en-gb", lambda: check_series(rule=rule, start_local=start)).startswith(
        "The series ends on 1 December 2026, before it starts on 4 December 2026."
    )


@pytest.mark.django_db
def test_the_task_form_shows_a_wrong_end_date_in_the_members_language(cast: Cast, as_user: Any) -> None:
    organiser = cast.organiser
    user_update_profile(
        actor=organiser,
        display_name=organiser.display_name,
        phone=organiser.phone,
        time_zone=organiser.time_zone,
        language="pl",
    )
    data = {
        "title": "Obiad",
        "category": "visit",
        "date": soon(3).isoformat(),
        "start_time": "12:00",
        "end_time": "13:00",
        "people_needed": "1",
        "repeat": "WEEKLY",
        "interval": "1",
        "ends": "until",
        "until": soon(1).isoformat(),
        "client_id": str(uuid.uuid4()),
    }
    response = as_user(organiser).post(reverse("tasks:create", kwargs={"circle_id": cast.circle.pk}), data)

    assert response.status_code == 400
    assert re.search(r"Seria kończy się \d+ \w+ \d{4}, zanim się zacznie", text_of(response))
    assert not Task.objects.exists()


@pytest.mark.django_db
def test_the_api_refuses_a_wrong_rule_in_the_requests_language(cast: Cast) -> None:
    response = token_client(cast.organiser, language="cy").post(
        f"/api/v1/circles/{cast.circle.pk}/tasks",
        {"title": "Cinio", "date": soon(1).isoformat(), "start_time": "12:30", "rule": "FREQ=WEEKLY;INTERVAL=99"},
        content_type="application/json",
    )

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "rule"
    assert error["message"].startswith("Gall ailadrodd bob 1 i 52 wythnos, nid 99.")
