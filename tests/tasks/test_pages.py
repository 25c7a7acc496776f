"""The calendar pages and one task's page, as the people in the circle use them."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carecircle.lib.wall_clock import zone_named
from carecircle.tasks.models import Assignment, Category, OccurrenceChange, Task
from carecircle.tasks.schedule import series_bounds
from carecircle.tasks.services import task_volunteer
from tests.cast import Cast
from tests.circles.conftest import queries_for, text_of
from tests.tasks.conftest import ZONE, circle_today, make_task, on_the_day, soon

pytestmark = pytest.mark.django_db


def agenda_url(cast: Cast, view: str = "agenda") -> str:
    return reverse(f"tasks:{view}", kwargs={"circle_id": cast.circle.pk})


def detail_url(task: Task, on: datetime.date) -> str:
    return reverse("tasks:detail", kwargs={"circle_id": task.circle_id, "task_id": task.pk}) + f"?on={on}"


def test_the_agenda_groups_tasks_by_day_in_the_viewers_time_zone(cast: Cast, as_user: Any) -> None:
    day = soon(2)
    make_task(actor=cast.organiser, circle=cast.circle, start_date=day, start_time=datetime.time(23, 30))
    cast.helper.time_zone = "Asia/Tokyo"
    cast.helper.save(update_fields=["time_zone"])
    text = text_of(as_user(cast.helper).get(agenda_url(cast)))
    # 23:30 in London is 07:30 (summer) or 08:30 (winter) the next morning in Tokyo.
    in_tokyo = datetime.datetime.combine(day, datetime.time(23, 30), tzinfo=zone_named(ZONE)).astimezone(
        zone_named("Asia/Tokyo")
    )
    assert in_tokyo.date() == day + datetime.timedelta(days=1)
    assert f"{in_tokyo:%A} {in_tokyo.day} {in_tokyo:%B}" in text
    assert f"{in_tokyo:%H:%M}" in text
    assert "Lift to hospital" in text


def test_needs_help_leaves_out_what_is_covered(cast: Cast, as_user: Any) -> None:
    covered = make_task(actor=cast.organiser, circle=cast.circle, title="Covered lift")
    make_task(actor=cast.organiser, circle=cast.circle, title="Sunday lunch visit")
    task_volunteer(actor=cast.helper, task=covered, occurrence_date=covered.start_date)
    text = text_of(as_user(cast.organiser).get(agenda_url(cast, "needs_help")))
    assert "Sunday lunch visit" in text
    assert "Covered lift" not in text


def test_a_helper_volunteers_from_the_task_page(cast: Cast, as_user: Any) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle)
    client = as_user(cast.helper)
    assert "I'll do it" in text_of(client.get(detail_url(task, task.start_date)))
    url = reverse("tasks:volunteer", kwargs={"circle_id": cast.circle.pk, "task_id": task.pk})
    response = client.post(url, {"on": task.start_date.isoformat()}, follow=True)
    text = text_of(response)
    assert "You're down for" in text
    assert "Helper" in text
    assert "Covered" in text
    assert Assignment.objects.get().user == cast.helper


def test_the_last_place_taken_tells_the_next_person_it_is_covered(cast: Cast, as_user: Any) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle)
    task_volunteer(actor=cast.paid_carer, task=task, occurrence_date=task.start_date)
    url = reverse("tasks:volunteer", kwargs={"circle_id": cast.circle.pk, "task_id": task.pk})
    response = as_user(cast.helper).post(url, {"on": task.start_date.isoformat()})
    assert response.status_code == 409
    assert "covered" in text_of(response)


def test_withdrawing_with_a_reason_puts_it_back_to_needs_help(cast: Cast, as_user: Any) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle)
    task_volunteer(actor=cast.helper, task=task, occurrence_date=task.start_date)
    url = reverse("tasks:withdraw", kwargs={"circle_id": cast.circle.pk, "task_id": task.pk})
    text = text_of(as_user(cast.helper).post(url, {"on": task.start_date.isoformat(), "reason": "Ill"}, follow=True))
    assert "needs help again" in text
    organiser_view = text_of(as_user(cast.organiser).get(detail_url(task, task.start_date)))
    assert "Couldn't go after all" in organiser_view
    assert "Helper: Ill" in organiser_view


def test_private_tasks_are_only_for_organisers_and_the_person(cast: Cast, as_user: Any) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle, title="Bank paperwork", private=True)
    assert "Bank paperwork" in text_of(as_user(cast.person).get(agenda_url(cast)))
    assert "Bank paperwork" not in text_of(as_user(cast.helper).get(agenda_url(cast)))
    assert as_user(cast.helper).get(detail_url(task, task.start_date)).status_code == 404
    assert as_user(cast.paid_carer).get(detail_url(task, task.start_date)).status_code == 404


def test_creating_a_weekly_task_from_the_form(cast: Cast, as_user: Any) -> None:
    start = soon(1)
    data = {
        "title": "Sunday lunch visit",
        "category": Category.VISIT,
        "date": start.isoformat(),
        "start_time": "12:30",
        "end_time": "14:00",
        "people_needed": "1",
        "repeat": "WEEKLY",
        "interval": "1",
        "ends": "never",
        "client_id": "7a1e4b9c-8d5f-4e2a-9c3b-1f6d8e7a2b4c",
    }
    client = as_user(cast.organiser)
    response = client.post(reverse("tasks:create", kwargs={"circle_id": cast.circle.pk}), data)
    assert response.status_code == 302
    again = client.post(reverse("tasks:create", kwargs={"circle_id": cast.circle.pk}), data)
    assert again.status_code == 302
    task = Task.objects.get()
    assert task.rule == "FREQ=WEEKLY"
    assert task.duration_minutes == 90
    text = text_of(client.get(agenda_url(cast)))
    assert text.count(">Sunday lunch visit</a>") == 2  # Two weeks in the agenda's fortnight.


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"date": "2001-01-01"}, "has passed"),
        ({"end_time": "09:00"}, "The end time must be after the start time"),
        ({"repeat": "WEEKLY", "ends": "until", "until": ""}, "Give the last date"),
        ({"repeat": "WEEKLY", "ends": "count", "count": "5000"}, "less than or equal to 500"),
        ({"title": ""}, "This field is required"),
    ],
)
def test_the_form_explains_bad_input(cast: Cast, as_user: Any, change: dict[str, str], message: str) -> None:
    data = {
        "title": "Lift",
        "category": "lift",
        "date": soon(1).isoformat(),
        "start_time": "10:00",
        "end_time": "11:00",
        "people_needed": "1",
        "interval": "1",
        "ends": "never",
        **change,
    }
    response = as_user(cast.organiser).post(reverse("tasks:create", kwargs={"circle_id": cast.circle.pk}), data)
    assert response.status_code == 400
    assert message in text_of(response)
    assert "There is a problem" in text_of(response)
    assert not Task.objects.exists()


def test_cancelling_one_occurrence_keeps_the_rest(cast: Cast, as_user: Any) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle, rule="FREQ=DAILY;COUNT=3")
    second = task.start_date + datetime.timedelta(days=1)
    url = reverse("tasks:cancel", kwargs={"circle_id": cast.circle.pk, "task_id": task.pk})
    response = as_user(cast.organiser).post(
        url, {"on": second.isoformat(), "scope": "one", "reason": "Hospital closed"}
    )
    assert response.status_code == 302
    assert OccurrenceChange.objects.get(task=task).cancelled
    text = text_of(as_user(cast.organiser).get(agenda_url(cast)))
    assert text.count(">Lift to hospital</a>") == 2


def test_marking_done_shows_how_it_went(cast: Cast, as_user: Any) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle)
    task_volunteer(actor=cast.helper, task=task, occurrence_date=task.start_date)
    url = reverse("tasks:done", kwargs={"circle_id": cast.circle.pk, "task_id": task.pk})
    with on_the_day(task.start_date):
        text = text_of(
            as_user(cast.helper).post(url, {"on": task.start_date.isoformat(), "how_it_went": "All fine"}, follow=True)
        )
    assert "All fine" in text
    assert "Done" in text


def test_someone_not_going_cannot_mark_it_done(cast: Cast, as_user: Any) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle)
    url = reverse("tasks:done", kwargs={"circle_id": cast.circle.pk, "task_id": task.pk})
    assert as_user(cast.helper).post(url, {"on": task.start_date.isoformat()}).status_code == 403


def test_an_organiser_assigns_a_member_from_the_page(cast: Cast, as_user: Any) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle)
    url = reverse("tasks:assign", kwargs={"circle_id": cast.circle.pk, "task_id": task.pk})
    response = as_user(cast.organiser).post(url, {"on": task.start_date.isoformat(), "member": cast.paid_carer.pk})
    assert response.status_code == 302
    assert Assignment.objects.get().user == cast.paid_carer
    outsider = as_user(cast.organiser).post(url, {"on": task.start_date.isoformat(), "member": cast.outsider.pk})
    assert outsider.status_code == 400


def test_a_date_the_task_does_not_have_is_not_found(cast: Cast, as_user: Any) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle)
    response = as_user(cast.helper).get(detail_url(task, task.start_date + datetime.timedelta(days=1)))
    assert response.status_code == 404


def test_week_and_month_show_the_task(cast: Cast, as_user: Any) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle)
    client = as_user(cast.helper)
    week = text_of(client.get(agenda_url(cast, "week") + f"?start={task.start_date}"))
    assert "Lift to hospital" in week
    month = text_of(client.get(agenda_url(cast, "month") + f"?month={task.start_date}"))
    assert "Lift to hospital" in month
    assert client.get(agenda_url(cast, "month") + "?month=nonsense").status_code == 200


def test_my_tasks_come_from_every_circle(cast: Cast, as_user: Any) -> None:
    from tests.cast import invite_and_join

    invite_and_join(inviter=cast.outsider, circle=cast.other_circle, user=cast.helper, role="helper")
    ours = make_task(actor=cast.organiser, circle=cast.circle, title="Dad's lift")
    theirs = make_task(actor=cast.outsider, circle=cast.other_circle, title="Auntie Jo's shopping")
    make_task(actor=cast.organiser, circle=cast.circle, title="Someone else's visit")
    task_volunteer(actor=cast.helper, task=ours, occurrence_date=ours.start_date)
    task_volunteer(actor=cast.helper, task=theirs, occurrence_date=theirs.start_date)
    text = text_of(as_user(cast.helper).get(reverse("tasks:mine")))
    assert "Dad's lift" in text
    assert "Auntie Jo's shopping" in text
    assert "Someone else's visit" not in text


def test_the_home_page_shows_what_needs_help(cast: Cast, as_user: Any) -> None:
    make_task(actor=cast.organiser, circle=cast.circle, title="Sunday lunch visit")
    text = text_of(as_user(cast.helper).get(reverse("circles:home", kwargs={"circle_id": cast.circle.pk})))
    assert "1 thing needs help" in text
    assert "Sunday lunch visit" in text


def test_the_live_region_alone_is_sent_to_live_updates(cast: Cast, as_user: Any) -> None:
    make_task(actor=cast.organiser, circle=cast.circle)
    response = as_user(cast.helper).get(agenda_url(cast), headers={"X-Requested-With": "fetch"})
    text = text_of(response)
    assert "Lift to hospital" in text
    assert "<html" not in text


def _bulk_tasks(cast: Cast, how_many: int) -> None:
    """Thousands of one-off tasks spread over two years, and daily series started ten years ago."""
    tasks = []
    today = circle_today()
    for number in range(how_many):
        task = Task(
            circle=cast.circle,
            title=f"Task {number}",
            start_date=today + datetime.timedelta(days=number % 700 - 350),
            start_time=datetime.time(9 + number % 10, 0),
            duration_minutes=60,
            time_zone=ZONE,
            rule="FREQ=DAILY" if number % 500 == 0 else "",
            created_by=cast.organiser,
        )
        if task.rule:
            task.start_date = today - datetime.timedelta(days=3650)
        task.first_start_utc, task.last_end_utc = series_bounds(task)
        tasks.append(task)
    created = Task.objects.bulk_create(tasks)
    Assignment.objects.bulk_create(
        Assignment(task=task, occurrence_date=task.start_date, user=cast.helper, slot=1) for task in created[::7]
    )


@pytest.mark.parametrize("view", ["agenda", "needs_help", "week", "month"])
def test_calendar_queries_do_not_grow_with_tasks(cast: Cast, as_user: Any, view: str, settings: Any) -> None:
    settings.TASKS_CACHE_SECONDS = 0  # Count the queries of computing the list, not of reading the cache.
    client = as_user(cast.helper)
    _bulk_tasks(cast, 5)
    few = queries_for(client, agenda_url(cast, view))
    _bulk_tasks(cast, 3000)
    assert queries_for(client, agenda_url(cast, view)) == few


def test_my_tasks_and_home_queries_do_not_grow_with_tasks(cast: Cast, as_user: Any, settings: Any) -> None:
    settings.TASKS_CACHE_SECONDS = 0
    client = as_user(cast.helper)
    _bulk_tasks(cast, 5)
    # Something the helper is going to, so "my tasks" runs every query from the start.
    going = make_task(actor=cast.organiser, circle=cast.circle)
    task_volunteer(actor=cast.helper, task=going, occurrence_date=going.start_date)
    home = reverse("circles:home", kwargs={"circle_id": cast.circle.pk})
    few = (queries_for(client, reverse("tasks:mine")), queries_for(client, home))
    _bulk_tasks(cast, 3000)
    assert (queries_for(client, reverse("tasks:mine")), queries_for(client, home)) == few


def test_a_cached_agenda_changes_as_soon_as_someone_volunteers(cast: Cast, as_user: Any) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle)
    client = as_user(cast.organiser)
    assert "Needs help" in text_of(client.get(agenda_url(cast)))
    with CaptureQueriesContext(connection) as cached:
        client.get(agenda_url(cast))
    assert not any("tasks_task" in query["sql"] for query in cached.captured_queries)
    task_volunteer(actor=cast.helper, task=task, occurrence_date=task.start_date)
    text = text_of(client.get(agenda_url(cast)))
    assert "Needs help" not in text
    assert "Covered" in text


def test_private_tasks_never_leak_through_the_cache(cast: Cast, as_user: Any) -> None:
    make_task(actor=cast.organiser, circle=cast.circle, title="Bank paperwork", private=True)
    assert "Bank paperwork" in text_of(as_user(cast.organiser).get(agenda_url(cast)))
    assert "Bank paperwork" not in text_of(as_user(cast.helper).get(agenda_url(cast)))


def test_the_agenda_works_when_the_cache_is_unreachable(cast: Cast, as_user: Any, monkeypatch: Any) -> None:
    from django.core.cache.backends.redis import RedisCache

    import carecircle.tasks.cache
    import carecircle.tasks.selectors

    make_task(actor=cast.organiser, circle=cast.circle)
    client = as_user(cast.helper)
    unreachable = RedisCache(
        "redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}
    )
    monkeypatch.setattr(carecircle.tasks.cache, "cache", unreachable)
    monkeypatch.setattr(carecircle.tasks.selectors, "cache", unreachable)
    response = client.get(agenda_url(cast))
    assert response.status_code == 200
    assert "Lift to hospital" in text_of(response)


def test_the_comments_rule_follows_who_may_see_the_task(cast: Cast) -> None:
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from carecircle.circles.access import access_circle
    from carecircle.tasks.access import task_thread_rule

    open_task = make_task(actor=cast.organiser, circle=cast.circle)
    private = make_task(actor=cast.organiser, circle=cast.circle, private=True)
    helper = access_circle(user=cast.helper, circle_id=cast.circle.pk)
    task_thread_rule(helper, open_task.pk, True)
    with pytest.raises(Http404):
        task_thread_rule(helper, private.pk, False)
    task_thread_rule(access_circle(user=cast.person, circle_id=cast.circle.pk), private.pk, True)
    with pytest.raises(PermissionDenied):
        task_thread_rule(access_circle(user=cast.well_wisher, circle_id=cast.circle.pk), open_task.pk, False)
    other = make_task(actor=cast.outsider, circle=cast.other_circle)
    with pytest.raises(Http404):
        task_thread_rule(helper, other.pk, False)


def test_the_done_form_waits_for_the_day_and_asks_an_organiser_who_went(cast: Cast, as_user: Any) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle, start_date=soon(12))
    detail = reverse("tasks:detail", kwargs={"circle_id": cast.circle.pk, "task_id": task.pk})
    url = reverse("tasks:done", kwargs={"circle_id": cast.circle.pk, "task_id": task.pk})
    organiser = as_user(cast.organiser)
    page = text_of(organiser.get(f"{detail}?on={task.start_date}"))
    assert "Mark as done" not in page
    assert f"You can mark this done from {task.start_date:%A %-d %B}" in page
    early = organiser.post(url, {"on": task.start_date.isoformat(), "who_went": cast.organiser.pk})
    assert early.status_code == 400
    assert "It can be marked done from that day on" in text_of(early)

    with on_the_day(task.start_date):
        page = text_of(organiser.get(f"{detail}?on={task.start_date}"))
        assert "Who went?" in page
        assert organiser.post(url, {"on": task.start_date.isoformat()}).status_code == 400
        response = organiser.post(url, {"on": task.start_date.isoformat(), "who_went": cast.helper.pk}, follow=True)
    assert "Marked as done" in text_of(response)
    assert f"{cast.helper.display_name} (1 needed)" in text_of(response)


def test_the_task_page_says_how_it_repeats_in_words(cast: Cast, as_user: Any) -> None:
    start = soon(1)
    task = make_task(
        actor=cast.organiser,
        circle=cast.circle,
        start_date=start,
        start_time=datetime.time(8, 0),
        rule="FREQ=WEEKLY;INTERVAL=2",
    )
    text = text_of(as_user(cast.helper).get(detail_url(task, start)))
    assert f"Every other {start:%A} at 08:00" in text
    assert "FREQ" not in text
