"""The calendar pages read their list region and the circle's tasks version in one Redis round trip.

The region's key holds the tasks version, so a page reads the region under the version this process
saw last, together with the version itself, and serves it only when the two agree: a kept agenda,
week, month or "Help needed" page (and their live refetch) costs Redis the session and one `MGET`
(it was the session, the version three times and the region). A private redis-server
(tests/servers.py) is the cache here, and every command this process sends it is counted
(tests/redis_commands.py).
"""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from carecircle.circles.models import Role
from carecircle.circles.services import membership_change
from carecircle.tasks import cache as tasks_cache
from carecircle.tasks.memo import memo_clear
from carecircle.tasks.models import Task
from tests.cast import Cast
from tests.circles.conftest import text_of
from tests.circles.test_home_redis import redis_cache  # noqa: F401 (a fixture)
from tests.conftest import client_for, signed_in
from tests.redis_commands import counting_redis_commands
from tests.tasks.conftest import circle_today, make_task

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("redis_cache")]

# The roles that see the calendar (tasks.view) in a circle with the default consent.
VIEWERS = ["person", "organiser", "helper", "paid_carer"]
PAGES = ["tasks:agenda", "tasks:week", "tasks:month", "tasks:needs_help"]
FETCH = {"X-Requested-With": "fetch"}


def page(client: Client, cast: Cast, name: str = "tasks:agenda", *, fetch: bool = False) -> str:
    response = client.get(reverse(name, args=[cast.circle.pk]), headers=FETCH if fetch else {})
    assert response.status_code == 200
    return text_of(response)  # type: ignore[arg-type]


def without_secrets(text: str) -> str:
    """The page but for what is new on every request (the CSP nonce, the form's CSRF token)."""
    return re.sub(r'(nonce|value)="[^"]*"', r'\1=""', text)


def daily_task(cast: Cast, title: str) -> Task:
    """A task every day from today, so it is in every calendar page's window whatever the date."""
    return make_task(
        actor=cast.organiser, circle=cast.circle, title=title, start_date=circle_today(), rule="FREQ=DAILY"
    )


@pytest.mark.parametrize("fetch", [False, True], ids=["page", "live refetch"])
@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("role", VIEWERS)
def test_a_kept_calendar_page_costs_the_session_and_one_read(cast: Cast, role: str, name: str, fetch: bool) -> None:
    daily_task(cast, "Lift to the dentist")
    client = signed_in(cast, role)
    first = page(client, cast, name, fetch=fetch)

    with counting_redis_commands() as counted:
        again = page(client, cast, name, fetch=fetch)

    # The session (cached_db), then the region and the tasks version together.
    assert counted.names == ["GET", "MGET"]
    assert counted.round_trips == 2
    assert "Lift to the dentist" in again
    assert without_secrets(again) == without_secrets(first)


@pytest.mark.parametrize("role", ["professional", "well_wisher"])
def test_a_member_without_the_calendar_costs_only_the_session(cast: Cast, role: str) -> None:
    client = signed_in(cast, role)
    with counting_redis_commands() as counted:
        response = client.get(reverse("tasks:agenda", args=[cast.circle.pk]))
    assert response.status_code == 403
    assert counted.names == ["GET"]


def test_a_list_another_process_kept_is_read_with_the_version(cast: Cast) -> None:
    daily_task(cast, "Lift to the dentist")
    client = signed_in(cast, "helper")
    page(client, cast)
    # As if this process had never drawn the page: the list is in Redis only.
    memo_clear()

    with counting_redis_commands() as counted:
        text = page(client, cast)

    assert "Lift to the dentist" in text
    # Session, then the version and the list in one read; the region is drawn and kept in one write.
    assert counted.names[:2] == ["GET", "MGET"]
    assert counted.round_trips == 3


def test_a_change_another_process_made_is_shown_at_once(cast: Cast) -> None:
    daily_task(cast, "Lift to the dentist")
    client = signed_in(cast, "helper")
    page(client, cast)
    page(client, cast)
    seen = tasks_cache.last_seen_version(cast.circle.pk)
    assert seen is not None

    make_task(actor=cast.organiser, circle=cast.circle, title="Meals on Friday")
    # As if another process had made it: this one still has the old version as its guess.
    tasks_cache._saw(cast.circle.pk, seen)
    text = page(client, cast)

    assert "Meals on Friday" in text
    with counting_redis_commands() as counted:
        assert "Meals on Friday" in page(client, cast)
    assert counted.names == ["GET", "MGET"]


@pytest.mark.parametrize("name", PAGES)
def test_the_list_worked_out_after_a_change_is_written_with_the_region(cast: Cast, name: str) -> None:
    daily_task(cast, "Lift to the dentist")
    client = signed_in(cast, "helper")
    page(client, cast, name)
    seen = tasks_cache.last_seen_version(cast.circle.pk)
    assert seen is not None
    make_task(actor=cast.organiser, circle=cast.circle, title="Meals on Friday", start_date=circle_today())
    # As if another process had made it: this one still has the old version as its guess.
    tasks_cache._saw(cast.circle.pk, seen)

    with counting_redis_commands() as counted:
        assert "Meals on Friday" in page(client, cast, name)

    # The session, the version with the guessed region, the list under the version read (missing),
    # then the list worked out and the region drawn, written together: one round trip, not two.
    assert counted.names[:3] == ["GET", "MGET", "GET"]
    assert "SET" not in counted.names
    assert counted.names.count("MSET") == 1
    assert counted.round_trips == 4
    # The list was written: another process's first page reads it with the version, not on its own.
    memo_clear()
    with counting_redis_commands() as counted:
        assert "Meals on Friday" in page(client, cast, name)
    assert counted.names[:2] == ["GET", "MGET"]
    assert counted.names.count("GET") == 1


@pytest.mark.parametrize("name", PAGES)
def test_the_list_follows_the_version_read_never_the_guess(cast: Cast, name: str) -> None:
    task = daily_task(cast, "Lift to the dentist")
    client = signed_in(cast, "organiser")
    assert "Lift to the dentist" in page(client, cast, name)
    assert "Lift to the dentist" in page(client, cast, name)

    # A change that only the tasks version tells (no circle event), made elsewhere: this process's
    # guess, its list and the region kept under it are the old version's.
    Task.objects.filter(pk=task.pk).update(title="Lift to the optician")
    cache.set(tasks_cache.version_key(cast.circle.pk), "set by another process", None)

    text = page(client, cast, name)
    assert "Lift to the optician" in text
    assert "Lift to the dentist" not in text


def test_a_role_change_is_never_served_the_region_kept_for_the_old_rights(cast: Cast) -> None:
    make_task(actor=cast.organiser, circle=cast.circle, title="Private appointment", private=True)
    client = client_for(cast.helper)
    membership_change(actor=cast.organiser, member=cast.membership("helper"), role=Role.ORGANISER)
    assert "Private appointment" in page(client, cast)

    membership_change(actor=cast.organiser, member=cast.membership("helper"), role=Role.HELPER)

    assert "Private appointment" not in page(client, cast)
    assert "Private appointment" not in page(client, cast, fetch=True)
