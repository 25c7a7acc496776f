"""The tasks pages of a big circle fit the first network round trip (BUDGETS.md)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from carecircle.tasks.models import Task
from tests.cast import Cast
from tests.circles.conftest import add_members
from tests.tasks.conftest import circle_today, make_task
from tests.tasks.test_pages import _bulk_tasks

pytestmark = pytest.mark.django_db
FIRST_HTML_BUDGET = 14 * 1024


def test_every_tasks_page_of_a_big_busy_circle_fits_14_kb(cast: Cast, as_user: Any) -> None:
    add_members(circle=cast.circle, actor=cast.organiser, how_many=54)
    _bulk_tasks(cast, 3000)
    task = make_task(actor=cast.organiser, circle=cast.circle, address="St Mary's Hospital, Praed Street, London")
    assert Task.objects.count() > 3000
    circle = {"circle_id": cast.circle.pk}
    one = {**circle, "task_id": task.pk}
    urls = [
        reverse("circles:home", kwargs=circle),
        reverse("tasks:agenda", kwargs=circle),
        reverse("tasks:needs_help", kwargs=circle),
        reverse("tasks:week", kwargs=circle),
        reverse("tasks:month", kwargs=circle),
        reverse("tasks:rota", kwargs=circle),
        reverse("tasks:create", kwargs=circle),
        reverse("tasks:detail", kwargs=one),
        reverse("tasks:edit", kwargs=one) + f"?on={task.start_date}",
        reverse("tasks:cancel", kwargs=one) + f"?on={task.start_date}",
        reverse("tasks:visit_log", kwargs=one) + f"?on={task.start_date}",
        reverse("tasks:away", kwargs=circle),
        reverse("tasks:stand_ins", kwargs=circle),
        reverse("tasks:offers", kwargs=circle),
        reverse("tasks:mine"),
        reverse("tasks:feeds"),
    ]
    client = as_user(cast.organiser)
    for url in urls:
        response = client.get(url, headers={"accept-encoding": "gzip"})
        assert response.status_code == 200, url
        size = len(response.content)
        assert size <= FIRST_HTML_BUDGET, f"{url}: {size} bytes compressed"


def test_a_crowded_agenda_shows_whole_days_and_a_link_to_the_rest(cast: Cast, as_user: Any) -> None:
    day = circle_today() + datetime.timedelta(days=1)
    for number in range(30):
        make_task(actor=cast.organiser, circle=cast.circle, title=f"Visit {number}", start_date=day)
        make_task(
            actor=cast.organiser,
            circle=cast.circle,
            title=f"Later {number}",
            start_date=day + datetime.timedelta(days=1),
        )
    page = as_user(cast.helper).get(reverse("tasks:agenda", kwargs={"circle_id": cast.circle.pk})).content.decode()
    assert page.count(">Visit ") == 30
    assert ">Later " not in page
    assert f"?from={day + datetime.timedelta(days=1)}" in page
