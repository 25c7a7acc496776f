"""The tasks API: creating, reading occurrences, volunteering, visits and feeds, with clear errors."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carecircle.tasks.models import Assignment, Task
from tests.api.conftest import token_client
from tests.cast import Cast
from tests.tasks.conftest import circle_today, make_task, soon
from tests.tasks.test_pages import _bulk_tasks

pytestmark = pytest.mark.django_db
BASE = "/api/v1"


def body(**values: Any) -> dict[str, Any]:
    return {
        "title": "Sunday lunch visit",
        "date": soon(1).isoformat(),
        "start_time": "12:30",
        "duration_minutes": 90,
        **values,
    }


def test_an_organiser_adds_a_weekly_task_and_reads_its_occurrences(cast: Cast) -> None:
    client = token_client(cast.organiser)
    client_id = str(uuid.uuid4())
    created = client.post(
        f"{BASE}/circles/{cast.circle.pk}/tasks",
        body(rule="FREQ=WEEKLY", client_id=client_id),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    again = client.post(
        f"{BASE}/circles/{cast.circle.pk}/tasks",
        body(rule="FREQ=WEEKLY", client_id=client_id),
        content_type="application/json",
    )
    assert again.status_code == 200
    assert again.json()["id"] == created.json()["id"]
    start = soon(0)
    listed = token_client(cast.helper).get(
        f"{BASE}/circles/{cast.circle.pk}/occurrences?start={start}&end={start + datetime.timedelta(days=21)}"
    )
    assert listed.status_code == 200
    occurrences = listed.json()
    assert len(occurrences) == 3
    assert occurrences[0]["status"] == "needs_help"
    assert occurrences[0]["on"] == soon(1).isoformat()


@pytest.mark.parametrize(
    ("values", "status", "words"),
    [
        ({"rule": "FREQ=YEARLY"}, 422, "YEARLY"),
        ({"rule": "FREQ=DAILY;COUNT=100000"}, 422, "COUNT"),
        ({"date": "2001-01-01"}, 400, "has passed"),
        ({"date": 20260101}, 422, "as text"),
        ({"title": "a\u0000b"}, 422, "null character"),
        ({"people_needed": 0}, 422, "people_needed"),
    ],
)
def test_bad_input_gets_a_clear_message(cast: Cast, values: dict[str, Any], status: int, words: str) -> None:
    response = token_client(cast.organiser).post(
        f"{BASE}/circles/{cast.circle.pk}/tasks", body(**values), content_type="application/json"
    )
    assert response.status_code == status
    assert words in response.content.decode()
    assert not Task.objects.exists()


def test_a_date_range_that_ends_before_it_starts_is_refused(cast: Cast) -> None:
    response = token_client(cast.helper).get(
        f"{BASE}/circles/{cast.circle.pk}/occurrences?start=2026-05-10&end=2026-05-01"
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "The end date must be after the start date."


def test_volunteering_for_the_last_place_twice_is_a_conflict(cast: Cast) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle)
    url = f"{BASE}/circles/{cast.circle.pk}/tasks/{task.pk}/volunteer"
    first = token_client(cast.helper).post(url, {"on": task.start_date.isoformat()}, content_type="application/json")
    assert first.status_code == 200
    assert first.json()["status"] == "covered"
    second = token_client(cast.paid_carer).post(
        url, {"on": task.start_date.isoformat()}, content_type="application/json"
    )
    assert second.status_code == 409
    assert "covered" in second.json()["detail"]
    withdrawn = token_client(cast.helper).post(
        f"{BASE}/circles/{cast.circle.pk}/tasks/{task.pk}/withdraw",
        {"on": task.start_date.isoformat(), "reason": "Ill"},
        content_type="application/json",
    )
    assert withdrawn.json()["status"] == "needs_help"
    assert Assignment.objects.get().withdraw_reason == "Ill"


def test_only_organisers_put_someone_else_down(cast: Cast) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle)
    url = f"{BASE}/circles/{cast.circle.pk}/tasks/{task.pk}/volunteer"
    data = {"on": task.start_date.isoformat(), "user_id": cast.paid_carer.pk}
    assert token_client(cast.helper).post(url, data, content_type="application/json").status_code == 403
    assert token_client(cast.organiser).post(url, data, content_type="application/json").status_code == 200


def test_the_occurrence_list_costs_the_same_queries_for_thousands_of_tasks(cast: Cast, settings: Any) -> None:
    settings.TASKS_CACHE_SECONDS = 0
    client = token_client(cast.helper)
    url = f"{BASE}/circles/{cast.circle.pk}/occurrences"
    _bulk_tasks(cast, 5)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    _bulk_tasks(cast, 3000)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_visit_logs_round_trip(cast: Cast) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle, start_date=circle_today())
    arrived = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)
    created = token_client(cast.paid_carer).post(
        f"{BASE}/circles/{cast.circle.pk}/tasks/{task.pk}/visits",
        {
            "on": task.start_date.isoformat(),
            "arrived_at": arrived.isoformat(),
            "notes": "Had lunch",
            "outcome": "all_ok",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    listed = token_client(cast.organiser).get(
        f"{BASE}/circles/{cast.circle.pk}/visits?start={circle_today() - datetime.timedelta(days=1)}"
    )
    assert [log["notes"] for log in listed.json()] == ["Had lunch"]


def test_feeds_through_the_api(cast: Cast) -> None:
    client = token_client(cast.helper)
    made = client.post(f"{BASE}/calendar-feeds", {"circle_id": cast.circle.pk}, content_type="application/json")
    assert made.status_code == 201
    assert made.json()["url"].endswith(".ics")
    assert client.get(made.json()["url"].split("127.0.0.1:8000", 1)[-1]).status_code == 200
    assert client.delete(f"{BASE}/calendar-feeds/{made.json()['id']}").status_code == 204
    assert client.get(f"{BASE}/calendar-feeds").json() == []


def test_marking_done_early_or_with_nobody_going_is_a_clear_error(cast: Cast) -> None:
    from tests.tasks.conftest import on_the_day

    task = make_task(actor=cast.organiser, circle=cast.circle, start_date=soon(12))
    url = f"{BASE}/circles/{cast.circle.pk}/tasks/{task.pk}/done"
    client = token_client(cast.organiser)
    on = task.start_date.isoformat()
    early = client.post(url, {"on": on, "who_went": cast.helper.pk}, content_type="application/json")
    assert early.status_code == 400
    assert "from that day on" in early.content.decode()
    with on_the_day(task.start_date):
        nobody = client.post(url, {"on": on}, content_type="application/json")
        assert nobody.status_code == 422
        assert "who_went" in nobody.content.decode()
        helper = token_client(cast.helper)
        assert (
            helper.post(url, {"on": on, "who_went": cast.helper.pk}, content_type="application/json").status_code == 403
        )
        done = client.post(url, {"on": on, "who_went": cast.helper.pk}, content_type="application/json")
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "done"
    assert Assignment.objects.get(task=task).user == cast.helper


def test_a_task_says_how_it_repeats_in_words_beside_its_rule(cast: Cast) -> None:
    created = token_client(cast.organiser).post(
        f"{BASE}/circles/{cast.circle.pk}/tasks",
        body(rule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", start_time="08:00"),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["rule"] == "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
    assert created.json()["rule_summary"] == "Weekdays at 08:00"
    one_off = token_client(cast.organiser).post(
        f"{BASE}/circles/{cast.circle.pk}/tasks", body(), content_type="application/json"
    )
    assert one_off.json()["rule_summary"] == "Does not repeat"
