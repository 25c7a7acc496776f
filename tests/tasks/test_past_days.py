"""Nobody takes a day that has ended, on the task's clock: the service, the page, the API, emails and texts.

Every test sets the clock (time_machine), so none depends on the hour it runs.
"""

from __future__ import annotations

import datetime
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from carecircle.tasks import answers
from carecircle.tasks.models import Assignment, Task
from carecircle.tasks.services import (
    TaskConflict,
    TaskError,
    TaskFields,
    occurrence_done,
    task_update,
    task_volunteer,
)
from tests.api.conftest import token_client
from tests.cast import Cast
from tests.circles.conftest import text_of
from tests.tasks.conftest import ZONE, make_task

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 3, 10)


def at(day: datetime.date, hour: int, minute: int = 0, zone: str = ZONE) -> time_machine.travel:
    moment = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=ZoneInfo(zone))
    return time_machine.travel(moment, tick=False)


def lift(cast: Cast, **extra: Any) -> Task:
    with at(DAY - datetime.timedelta(days=3), 9):
        return make_task(actor=cast.organiser, circle=cast.circle, start_date=DAY, **extra)


def test_a_day_can_be_taken_until_its_last_minute_then_not(cast: Cast) -> None:
    task = lift(cast, people_needed=2)
    with at(DAY, 23, 59):
        task_volunteer(actor=cast.helper, task=task, occurrence_date=DAY)
    with at(DAY + datetime.timedelta(days=1), 0, 0), pytest.raises(TaskError, match="has passed") as refused:
        task_volunteer(actor=cast.paid_carer, task=task, occurrence_date=DAY)
    assert not isinstance(refused.value, TaskConflict)
    assert "Tuesday 10 March has passed" in str(refused.value)
    assert list(Assignment.objects.values_list("user_id", flat=True)) == [cast.helper.pk]


def test_the_day_ends_on_the_tasks_clock_not_londons(cast: Cast) -> None:
    task = lift(cast, time_zone="America/New_York")
    # 02:00 on the 11th in London is still 22:00 on the 10th in New York: the day hasn't ended there.
    with at(DAY + datetime.timedelta(days=1), 2):
        task_volunteer(actor=cast.helper, task=task, occurrence_date=DAY)
    assert Assignment.objects.get().user == cast.helper


def test_an_organiser_cannot_put_someone_down_for_a_past_day(cast: Cast) -> None:
    task = lift(cast)
    with at(DAY + datetime.timedelta(days=2), 9), pytest.raises(TaskError, match="has passed"):
        task_volunteer(actor=cast.organiser, task=task, occurrence_date=DAY, user=cast.helper)
    assert not Assignment.objects.exists()


def test_a_moved_occurrence_counts_its_new_day(cast: Cast) -> None:
    task = lift(cast, rule="FREQ=WEEKLY;COUNT=3")
    later = DAY + datetime.timedelta(days=2)
    with at(DAY - datetime.timedelta(days=2), 9):
        fields = task_fields(task, start_date=later)
        task_update(actor=cast.organiser, task=task, fields=fields, scope="one", occurrence_date=DAY)
    # Its original day has ended, its new one hasn't: it can still be taken.
    with at(DAY + datetime.timedelta(days=1), 9):
        task_volunteer(actor=cast.helper, task=task, occurrence_date=DAY)
    with at(later + datetime.timedelta(days=1), 0, 1), pytest.raises(TaskError, match="Thursday 12 March has passed"):
        task_volunteer(actor=cast.paid_carer, task=task, occurrence_date=DAY)


def task_fields(task: Task, **changes: Any) -> TaskFields:
    fields = TaskFields(
        title=task.title,
        start_date=task.start_date,
        start_time=task.start_time,
        duration_minutes=task.duration_minutes,
        time_zone=task.time_zone,
    )
    return replace(fields, **changes)


def test_who_went_can_still_be_named_when_marking_a_past_day_done(cast: Cast) -> None:
    task = lift(cast)
    with at(DAY + datetime.timedelta(days=3), 9):
        occurrence_done(actor=cast.organiser, task=task, occurrence_date=DAY, who_went=cast.helper)
    assert Assignment.objects.get().user == cast.helper


def test_the_api_refuses_a_past_day_with_a_400_in_the_usual_shape(cast: Cast) -> None:
    task = lift(cast)
    url = f"/api/v1/circles/{cast.circle.pk}/tasks/{task.pk}/volunteer"
    with at(DAY + datetime.timedelta(days=1), 8):
        response = token_client(cast.helper).post(url, {"on": DAY.isoformat()}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "Tuesday 10 March has passed, so nobody can be put down for it now. Choose a day that hasn't ended."
    )
    assert not Assignment.objects.exists()


def test_the_page_hides_ill_do_it_after_the_day_and_refuses_a_post_with_the_reason(cast: Cast, as_user: Any) -> None:
    task = lift(cast)
    client = as_user(cast.helper)
    page = reverse("tasks:detail", kwargs={"circle_id": cast.circle.pk, "task_id": task.pk}) + f"?on={DAY}"
    url = reverse("tasks:volunteer", kwargs={"circle_id": cast.circle.pk, "task_id": task.pk})
    with at(DAY, 20):
        assert "I'll do it" in text_of(client.get(page))
    with at(DAY + datetime.timedelta(days=1), 8):
        assert "I'll do it" not in text_of(client.get(page))
        response = client.post(url, {"on": DAY.isoformat()})
    assert response.status_code == 400
    assert "Tuesday 10 March has passed, so nobody can be put down for it now." in text_of(response)
    assert not Assignment.objects.exists()


@pytest.mark.parametrize("hour", [11, 23])
def test_a_yes_by_text_or_email_after_it_started_gets_a_plain_answer(cast: Cast, hour: int) -> None:
    # The lift starts at 10:30: a "YES" later that day, or after the day, changes nothing and says why.
    task = lift(cast)
    with at(DAY, hour), pytest.raises(TaskConflict) as refused:
        answers.occurrence_answer(actor=cast.helper, task=task, occurrence_date=DAY, answer=answers.Answer.TAKE)
    assert str(refused.value) == "Lift to hospital on Tue 10 Mar has already started or passed, so nothing changed."
    assert not Assignment.objects.exists()


def test_a_yes_the_day_after_is_refused_too(cast: Cast) -> None:
    task = lift(cast)
    with at(DAY + datetime.timedelta(days=1), 9), pytest.raises(TaskConflict, match="already started or passed"):
        answers.occurrence_answer(actor=cast.helper, task=task, occurrence_date=DAY, answer=answers.Answer.TAKE)
    assert not Assignment.objects.exists()
