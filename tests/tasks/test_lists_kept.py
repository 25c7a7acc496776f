""" "What I'm doing" and "Help needed" are drawn once and kept, but never stale and never shown to the wrong member.

"What I'm doing" is kept for its viewer alone under every circle's event sequence and their rights
there (circles/fragments.py viewer_region_key). "Help needed" is kept once for every viewer with the
same rights, drawn with a marker where "You're going" goes and filled in for each viewer after it is
read (tasks/views.py fill_in_going). Dates come from the code's clock (tests/tasks/conftest.py).
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carecircle.accounts.models import User
from carecircle.circles.models import Role
from carecircle.circles.services import membership_change
from carecircle.tasks.services import task_volunteer
from tests.cast import Cast
from tests.circles.conftest import text_of
from tests.circles.test_home_redis import redis_cache  # noqa: F401 (a fixture)
from tests.conftest import client_for
from tests.redis_commands import counting_redis_commands
from tests.tasks.conftest import make_task, soon

pytestmark = pytest.mark.django_db

MINE = reverse("tasks:mine")
FETCH = {"X-Requested-With": "fetch"}


def page(client: Client, path: str = MINE, *, fetch: bool = False) -> str:
    response = client.get(path, headers=FETCH if fetch else {})
    assert response.status_code == 200
    return text_of(response)  # type: ignore[arg-type]


def needs_help(cast: Cast) -> str:
    return reverse("tasks:needs_help", kwargs={"circle_id": cast.circle.pk})


def test_what_i_am_doing_is_drawn_once_then_kept(cast: Cast, renders: list[str]) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle, title="Lift to the dentist")
    task_volunteer(actor=cast.helper, task=task, occurrence_date=soon())
    client = client_for(cast.helper)

    first = page(client)
    with CaptureQueriesContext(connection) as queries:
        again = page(client)

    assert renders == ["tasks/mine.html#days"]
    assert "Lift to the dentist" in again
    assert re.sub(r'(nonce|value)="[^"]*"', "", again) == re.sub(r'(nonce|value)="[^"]*"', "", first)
    # The kept list reads none of the tasks' rows.
    assert not [query for query in queries.captured_queries if "tasks_" in query["sql"]]


def test_a_change_by_anyone_shows_at_once_on_what_i_am_doing(cast: Cast, renders: list[str]) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle, title="Lift to the dentist")
    task_volunteer(actor=cast.helper, task=task, occurrence_date=soon())
    client = client_for(cast.helper)
    page(client)
    page(client)
    assert len(renders) == 1

    shopping = make_task(actor=cast.organiser, circle=cast.circle, title="Weekly shop", start_date=soon(5))
    task_volunteer(actor=cast.organiser, task=shopping, occurrence_date=soon(5), user=cast.helper)

    after = page(client)
    assert "Weekly shop" in after
    assert "Lift to the dentist" in after
    assert len(renders) == 2


def test_what_i_am_doing_is_never_shown_to_another_member(cast: Cast, second_helper: User, renders: list[str]) -> None:
    dentist = make_task(actor=cast.organiser, circle=cast.circle, title="Lift to the dentist")
    shopping = make_task(actor=cast.organiser, circle=cast.circle, title="Weekly shop")
    task_volunteer(actor=cast.helper, task=dentist, occurrence_date=soon())
    task_volunteer(actor=second_helper, task=shopping, occurrence_date=soon())
    helper, other = client_for(cast.helper), client_for(second_helper)

    for _ in range(2):
        mine, theirs = page(helper), page(other)
        assert "Lift to the dentist" in mine
        assert "Weekly shop" not in mine
        assert "Weekly shop" in theirs
        assert "Lift to the dentist" not in theirs
    assert len(renders) == 2


def test_a_lost_capability_gets_no_kept_list(cast: Cast, renders: list[str]) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle, title="Lift to the dentist")
    task_volunteer(actor=cast.helper, task=task, occurrence_date=soon())
    client = client_for(cast.helper)
    page(client)
    assert "Lift to the dentist" in page(client)
    assert len(renders) == 1

    membership_change(actor=cast.organiser, member=cast.membership("helper"), role=Role.WELL_WISHER)

    assert "Lift to the dentist" not in page(client)


@pytest.mark.parametrize("fetch", [False, True], ids=["page", "live refetch"])
def test_help_needed_is_drawn_once_for_members_going_to_different_things(
    cast: Cast, second_helper: User, renders: list[str], fetch: bool
) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle, title="Lift to the dentist", people_needed=2)
    task_volunteer(actor=cast.helper, task=task, occurrence_date=soon())
    path = needs_help(cast)

    going = page(client_for(cast.helper), path, fetch=fetch)
    other = page(client_for(second_helper), path, fetch=fetch)

    assert renders == ["tasks/calendar.html#days"]
    assert "Lift to the dentist" in going
    assert "Lift to the dentist" in other
    assert going.count("You're going") == 1
    assert "You're going" not in other
    assert "<!--going:" not in going + other


def test_help_needed_shows_a_change_by_anyone_at_once(cast: Cast, second_helper: User) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle, title="Lift to the dentist", people_needed=2)
    path = needs_help(cast)
    assert "You're going" not in page(client_for(cast.helper), path)
    assert "2 of 2 places left" in page(client_for(second_helper), path)

    task_volunteer(actor=cast.helper, task=task, occurrence_date=soon())

    assert "You're going" in page(client_for(cast.helper), path)
    other = page(client_for(second_helper), path)
    assert "1 of 2 places left" in other
    assert "You're going" not in other


@pytest.mark.parametrize("name", ["mine", "needs_help"])
def test_the_forms_on_a_kept_page_pass_a_real_csrf_check(cast: Cast, name: str) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle, title="Lift to the dentist", people_needed=2)
    task_volunteer(actor=cast.helper, task=task, occurrence_date=soon())
    path = MINE if name == "mine" else needs_help(cast)
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.helper)
    page(client, path)

    kept = page(client, path)

    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', kept)
    assert tokens
    response = client.post(reverse("web:language"), {"csrfmiddlewaretoken": tokens[-1], "language": "cy"})
    assert response.status_code == 302


@pytest.mark.usefixtures("redis_cache")
def test_a_kept_what_i_am_doing_costs_the_session_and_one_read(cast: Cast) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle, title="Lift to the dentist")
    task_volunteer(actor=cast.helper, task=task, occurrence_date=soon())
    client = client_for(cast.helper)
    first = page(client)

    with counting_redis_commands() as counted:
        again = page(client)

    # The session (cached_db), then the kept list.
    assert counted.names == ["GET", "GET"]
    assert counted.round_trips == 2
    assert "Lift to the dentist" in again
    assert "Lift to the dentist" in first


@pytest.mark.usefixtures("redis_cache")
def test_help_needed_in_redis_is_shared_and_filled_in_for_each_member(cast: Cast, second_helper: User) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle, title="Lift to the dentist", people_needed=2)
    task_volunteer(actor=cast.helper, task=task, occurrence_date=soon())
    path = needs_help(cast)
    helper, other = client_for(cast.helper), client_for(second_helper)
    assert "You're going" in page(helper, path)
    assert "You're going" not in page(other, path)

    with counting_redis_commands() as counted:
        going = page(helper, path)

    assert counted.names == ["GET", "MGET"]
    assert "You're going" in going
