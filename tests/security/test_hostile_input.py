"""Classes of hostile input that once caused 500s (security review finding 4, and 9's lax input).

Each class is fuzzed here across its whole range: NUL in addresses, bodies over the limit, dates at
the ends of the calendar, ids beyond 64 bits, and time zone names that are not places.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carecircle.tasks.models import Category, Task, VisitOutcome
from carecircle.tasks.rota_services import visit_log_create
from carecircle.tasks.services import TaskError
from tests.api.conftest import token_client
from tests.tasks.conftest import make_task

FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))


def task_body(**changes: Any) -> str:
    return json.dumps({"title": "Lift to hospital", "date": "2030-05-01", "start_time": "10:30:00", **changes})


@pytest.mark.parametrize(
    ("address", "status"),
    [
        ("/calendar/x%00.ics", 400),
        ("/shared/x%00/", 400),
        ("/accounts/login/?next=%00", 400),
        ("/%00", 400),
        ("/api/v1/me?x=%00", 422),
        ("/api/v1/circles/1/events?%00=1", 422),
    ],
)
def test_a_null_character_in_an_address_is_refused_not_a_server_error(db, address, status):
    response = Client(raise_request_exception=False).get(address)

    assert response.status_code == status
    assert b"null character" in response.content


@FUZZ
@given(text=st.text(st.characters(codec="utf-8"), min_size=1, max_size=20))
def test_any_text_as_a_calendar_secret_is_never_a_server_error(db, text):
    response = Client(raise_request_exception=False).get("/calendar/", {"x": text})
    feed = Client(raise_request_exception=False).get(f"/calendar/{text.replace('/', '')}.ics")

    assert response.status_code < 500
    assert feed.status_code < 500


def test_an_api_body_over_the_limit_is_too_large_not_a_server_error(cast, settings):
    body = task_body(notes="x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10))

    response = token_client(cast.organiser).post(
        f"/api/v1/circles/{cast.circle.pk}/tasks", body, content_type="application/json"
    )

    assert response.status_code == 413
    assert "at most 2 MB" in response.json()["detail"]


@FUZZ
@given(day=st.dates())
def test_a_task_on_any_date_is_added_or_refused_in_words(cast, day):
    response = token_client(cast.organiser).post(
        f"/api/v1/circles/{cast.circle.pk}/tasks", task_body(date=day.isoformat()), content_type="application/json"
    )

    assert response.status_code in (201, 400, 422), response.content
    if response.status_code == 422:
        assert response.json()["errors"][0]["message"] == "The date must be between 1900 and 2199. Check the year."


@pytest.mark.parametrize("day", ["9999-12-30", "0001-01-01", "1899-12-31", "2200-01-01"])
def test_tasks_far_outside_the_calendar_are_refused(cast, day):
    response = token_client(cast.organiser).post(
        f"/api/v1/circles/{cast.circle.pk}/tasks", task_body(date=day), content_type="application/json"
    )

    assert response.status_code == 422
    assert not Task.objects.filter(circle=cast.circle).exists()


def test_the_service_refuses_a_task_in_the_year_9999(cast):
    with pytest.raises(TaskError, match="between 1900 and 2199"):
        make_task(actor=cast.organiser, circle=cast.circle, start_date=datetime.date(9999, 12, 30))


@FUZZ
@given(start=st.dates(), days=st.integers(min_value=1, max_value=40))
def test_occurrences_for_any_range_are_listed_or_refused_in_words(cast, start, days):
    end = start + datetime.timedelta(days=days) if start < datetime.date(9999, 11, 1) else start
    response = token_client(cast.organiser).get(
        f"/api/v1/circles/{cast.circle.pk}/occurrences", {"start": start.isoformat(), "end": end.isoformat()}
    )

    assert response.status_code in (200, 400, 422), response.content


def test_occurrences_in_the_year_1_are_refused(cast):
    response = token_client(cast.organiser).get(
        f"/api/v1/circles/{cast.circle.pk}/occurrences", {"start": "0001-01-01", "end": "0001-01-20"}
    )

    assert response.status_code == 422


@FUZZ
@given(number=st.integers(min_value=0, max_value=10**30))
def test_any_number_as_a_circle_id_is_found_or_not_found(cast, number):
    client = Client(raise_request_exception=False)
    client.force_login(cast.organiser)

    assert client.get(f"/circles/{number}/").status_code in (200, 302, 404)
    assert token_client(cast.organiser).get(f"/api/v1/circles/{number}").status_code in (200, 404, 422)


def test_a_circle_id_of_two_to_the_63_is_not_found(cast):
    client = Client(raise_request_exception=False)
    client.force_login(cast.organiser)

    assert client.get(f"/circles/{2**63}/").status_code == 404
    assert client.get(f"/circles/{2**63 - 1}/").status_code == 404


def _patterns(resolver: URLResolver) -> list[URLPattern]:
    found: list[URLPattern] = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            found.extend(_patterns(entry))
        else:
            found.append(entry)
    return found


def test_no_route_takes_an_unbounded_number():
    """The rule behind the 2^63 finding: ids in addresses use <id:…>, which refuses what no column holds."""
    unbounded = [
        str(pattern.pattern)
        for pattern in _patterns(get_resolver())
        if any(isinstance(converter, IntConverter) for converter in getattr(pattern.pattern, "converters", {}).values())
    ]

    assert unbounded == []


@pytest.mark.parametrize("zone", ["localtime", "Factory", "right/UTC", "posix/Europe/London", "Mars/Olympus"])
def test_time_zones_that_are_not_places_are_refused(cast, zone):
    response = token_client(cast.organiser).post(
        f"/api/v1/circles/{cast.circle.pk}/tasks", task_body(time_zone=zone), content_type="application/json"
    )

    assert response.status_code in (400, 422)
    assert "isn't a time zone we know" in response.content.decode()


@pytest.mark.parametrize("zone", ["Europe/London", "UTC", "America/Argentina/Buenos_Aires", "GB"])
def test_real_time_zones_are_accepted(cast, zone):
    response = token_client(cast.organiser).post(
        f"/api/v1/circles/{cast.circle.pk}/tasks", task_body(time_zone=zone), content_type="application/json"
    )

    assert response.status_code == 201, response.content


@pytest.mark.parametrize("year", [1, 1899, 2200])
def test_a_visit_arriving_outside_the_calendar_is_refused(cast, year):
    visit = make_task(
        actor=cast.organiser, circle=cast.circle, category=Category.PAID_VISIT, start_date=timezone.localdate()
    )

    with pytest.raises(TaskError, match="between 1900 and 2199"):
        visit_log_create(
            actor=cast.paid_carer,
            task=visit,
            occurrence_date=visit.start_date,
            arrived_at=datetime.datetime(year, 6, 1, 10, 0, tzinfo=datetime.UTC),
            left_at=None,
            notes="",
            outcome=VisitOutcome.ALL_OK,
        )
