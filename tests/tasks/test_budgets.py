"""The tasks pages of a big circle fit the first network round trip (BUDGETS.md)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from carecircle.tasks.models import Task
from carecircle.tasks.schedule import series_bounds
from carecircle.tasks.views import AGENDA_LIMIT
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


def test_a_crowded_agenda_shows_its_first_entries_and_goes_on_where_it_stopped(cast: Cast, as_user: Any) -> None:
    day = circle_today() + datetime.timedelta(days=1)
    for number in range(30):
        make_task(actor=cast.organiser, circle=cast.circle, title=f"Visit {number:02}", start_date=day)
        make_task(
            actor=cast.organiser,
            circle=cast.circle,
            title=f"Later {number:02}",
            start_date=day + datetime.timedelta(days=1),
        )
    client = as_user(cast.helper)
    agenda = reverse("tasks:agenda", kwargs={"circle_id": cast.circle.pk})
    page = client.get(agenda).content.decode()
    assert page.count(">Visit ") == AGENDA_LIMIT
    assert ">Later " not in page
    # "Later" goes on with the rest of the same day, then the next day.
    later = f"?from={day}&amp;skip={AGENDA_LIMIT}"
    assert f'<a href="{later}">Later</a>' in page
    following = client.get(agenda + later.replace("&amp;", "&")).content.decode()
    assert following.count(">Visit ") == min(30 - AGENDA_LIMIT, AGENDA_LIMIT)
    assert ">Visit 00<" not in following
    assert f">Visit {AGENDA_LIMIT:02}<" in following


LONG_TITLE = "Lift to the eye clinic at St James's University Hospital, then the pharmacy and the shop " * 2
UNCOMPRESSED_BUDGET = 14_336


def _crowded_days(cast: Cast, *, first: datetime.date, days: int, each: int) -> None:
    """`each` two-person tasks with the longest titles a task can have on every one of `days` days."""
    tasks = [
        Task(
            circle=cast.circle,
            title=f"{number} {LONG_TITLE}"[: Task._meta.get_field("title").max_length],
            start_date=first + datetime.timedelta(days=number % days),
            start_time=datetime.time(8 + number % 12, 30),
            duration_minutes=60,
            time_zone="Europe/London",
            people_needed=2,
            created_by=cast.organiser,
        )
        for number in range(days * each)
    ]
    for task in tasks:
        task.first_start_utc, task.last_end_utc = series_bounds(task)
    Task.objects.bulk_create(tasks)


@pytest.mark.parametrize("language", ["en-gb", "cy", "pl"])
def test_the_calendar_of_a_crowded_circle_fits_14_kb_uncompressed_in_every_language(
    cast: Cast, as_user: Any, language: str
) -> None:
    """Every day of two months full of long titles: agenda, help needed, week and month stay in one round trip."""
    add_members(circle=cast.circle, actor=cast.organiser, how_many=54)
    today = circle_today()
    _crowded_days(cast, first=today.replace(day=1), days=62, each=12)
    cast.organiser.language = language
    cast.organiser.save(update_fields=["language"])
    client = as_user(cast.organiser)
    circle = {"circle_id": cast.circle.pk}
    for view in ("agenda", "needs_help", "week", "month"):
        response = client.get(reverse(f"tasks:{view}", kwargs=circle))
        assert response.status_code == 200
        assert len(response.content) <= UNCOMPRESSED_BUDGET, f"{view} in {language}: {len(response.content)} bytes"
        # The region fetched by live.js fits too.
        fragment = client.get(reverse(f"tasks:{view}", kwargs=circle), headers={"x-requested-with": "fetch"})
        assert len(fragment.content) < len(response.content)


def test_a_weeks_days_share_what_it_shows() -> None:
    """A quiet week shows up to three a day; a busy one shares WEEK_LIMIT among its days with anything on."""
    from carecircle.tasks.views import WEEK_DAY_LIMIT, WEEK_LIMIT, Day, week_day_share

    def week(*counts: int) -> list[Day]:
        monday = datetime.date(2026, 9, 28)
        days = [Day(date=monday + datetime.timedelta(days=offset)) for offset in range(7)]
        for day, count in zip(days, counts, strict=False):
            day.entries = [object()] * count  # type: ignore[list-item]
        return days

    assert week_day_share(week(3, 3, 3)) == WEEK_DAY_LIMIT
    assert week_day_share(week(12, 12, 12, 12, 12, 12, 12)) == 1
    assert week_day_share(week(12, 12, 0, 0, 12, 0, 0)) == 3
    assert week_day_share(week(12, 12, 12, 12)) == 2
    for counts in [(12,) * 7, (20, 0, 20), (4, 4, 4), (2, 9, 9, 9, 9)]:
        days = week(*counts)
        each = week_day_share(days)
        assert sum(min(len(day.entries), each) for day in days) <= max(WEEK_LIMIT, 7)
