"""Services decide who may be the subject of an action, not only who may act (review finding 10)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from carecircle.tasks.models import Assignment
from carecircle.tasks.reminders import reminders_send
from carecircle.tasks.services import TaskFields, task_update, task_volunteer
from tests.api.conftest import token_client
from tests.cast import Cast
from tests.tasks.conftest import make_task

UTC = datetime.UTC
DAY = datetime.date(2026, 7, 14)


def volunteer_url(task) -> str:
    return f"/api/v1/circles/{task.circle_id}/tasks/{task.pk}/volunteer"


@pytest.mark.parametrize("subject", ["well_wisher", "helper"])
def test_an_organiser_cannot_put_someone_down_for_a_private_task_they_cannot_see(cast: Cast, subject):
    task = make_task(actor=cast.organiser, circle=cast.circle, private=True)
    person = cast.user(subject)

    response = token_client(cast.organiser).post(
        volunteer_url(task), {"on": task.start_date.isoformat(), "user_id": person.pk}, content_type="application/json"
    )

    assert response.status_code == 400
    assert "can't be put down for this task" in response.json()["detail"]
    assert not Assignment.objects.filter(task=task).exists()


def test_a_well_wisher_cannot_be_put_down_even_for_an_open_task(cast: Cast):
    task = make_task(actor=cast.organiser, circle=cast.circle)

    response = token_client(cast.organiser).post(
        volunteer_url(task),
        {"on": task.start_date.isoformat(), "user_id": cast.well_wisher.pk},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert not Assignment.objects.filter(task=task).exists()


def test_an_organiser_can_still_put_a_helper_down_for_an_open_task(cast: Cast):
    task = make_task(actor=cast.organiser, circle=cast.circle)

    response = token_client(cast.organiser).post(
        volunteer_url(task),
        {"on": task.start_date.isoformat(), "user_id": cast.helper.pk},
        content_type="application/json",
    )

    assert response.status_code == 200, response.content
    assert Assignment.objects.filter(task=task, user=cast.helper).exists()


def test_no_reminder_goes_to_someone_who_can_no_longer_see_the_task(cast: Cast, django_capture_on_commit_callbacks):
    start = datetime.datetime.combine(DAY - datetime.timedelta(days=5), datetime.time(8), tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        task = make_task(actor=cast.organiser, circle=cast.circle, start_date=DAY)
        with django_capture_on_commit_callbacks(execute=True):
            task_volunteer(actor=cast.helper, task=task, occurrence_date=DAY)
        task_update(
            actor=cast.organiser,
            task=task,
            fields=TaskFields(
                title=task.title,
                start_date=DAY,
                start_time=datetime.time(10, 30),
                duration_minutes=60,
                time_zone="Europe/London",
                private=True,
            ),
        )

    the_day_before = datetime.datetime.combine(DAY - datetime.timedelta(days=1), datetime.time(9, 31), tzinfo=UTC)
    assert reminders_send(now=the_day_before) == 0


def withdraw(client: Client, task, **data: str):
    url = reverse("tasks:withdraw", args=[task.circle_id, task.pk])
    return client.post(url, {"on": task.start_date.isoformat(), "reason": "", **data})


def test_withdrawing_a_member_who_is_not_found_never_withdraws_the_organiser(cast: Cast):
    task = make_task(actor=cast.organiser, circle=cast.circle, start_date=timezone.localdate())
    task_volunteer(actor=cast.organiser, task=task, occurrence_date=task.start_date)
    client = Client()
    client.force_login(cast.organiser)

    response = withdraw(client, task, member=str(cast.outsider.pk))

    assert response.status_code == 400
    assert Assignment.objects.filter(task=task, user=cast.organiser, withdrawn_at__isnull=True).exists()


def test_a_helper_cannot_withdraw_someone_else(cast: Cast):
    task = make_task(actor=cast.organiser, circle=cast.circle, start_date=timezone.localdate(), people_needed=2)
    task_volunteer(actor=cast.helper, task=task, occurrence_date=task.start_date)
    task_volunteer(actor=cast.paid_carer, task=task, occurrence_date=task.start_date)
    client = Client()
    client.force_login(cast.helper)

    response = withdraw(client, task, member=str(cast.paid_carer.pk))

    assert response.status_code == 403
    assert Assignment.objects.filter(task=task, withdrawn_at__isnull=True).count() == 2
