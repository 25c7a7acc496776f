"""The circle home reads the circle's tasks version in the same Redis round trip as its kept sections.

The tasks section's cache key holds the version, so the home reads the section under the version
this process saw last, together with the version itself, and serves it only when the two agree:
a kept home costs Redis the session and one `MGET` (it was the session, a `GET` of the version and
the `MGET`). A private redis-server (tests/servers.py) is the cache here, and every command this
process sends it is counted (tests/redis_commands.py).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from carecircle.tasks import cache as tasks_cache
from carecircle.tasks.models import Task
from tests.cast import Cast
from tests.circles.conftest import text_of
from tests.conftest import client_for
from tests.redis_commands import counting_redis_commands
from tests.servers import private_redis_server
from tests.tasks.conftest import make_task

pytestmark = pytest.mark.django_db

NAMES = ["person", "organiser", "helper", "paid_carer", "professional", "well_wisher"]


@pytest.fixture
def redis_cache(settings: Any) -> Iterator[None]:
    """The cache (and so the sessions' and the sections') in a throwaway Redis of this test's own."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server isn't installed")
    with private_redis_server() as (port, _restart):
        settings.CACHES = {
            **settings.CACHES,
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{port}/0",
                "KEY_PREFIX": "home",
            },
        }
        yield


def page(client: Client, cast: Cast) -> str:
    response = client.get(reverse("circles:home", args=[cast.circle.pk]))
    assert response.status_code == 200
    return text_of(response)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", NAMES)
def test_a_kept_home_costs_the_session_and_one_read(cast: Cast, redis_cache: None, name: str) -> None:
    make_task(actor=cast.organiser, circle=cast.circle, title="Lift to the dentist")
    client = client_for(cast.user(name))
    first = page(client, cast)

    with counting_redis_commands() as counted:
        again = page(client, cast)

    # The session (cached_db), then every kept section and the tasks version together.
    assert counted.names == ["GET", "MGET"]
    assert counted.round_trips == 2
    assert ("Lift to the dentist" in again) is ("Lift to the dentist" in first)


def test_a_change_another_process_made_is_shown_at_once(cast: Cast, redis_cache: None) -> None:
    make_task(actor=cast.organiser, circle=cast.circle, title="Lift to the dentist")
    client = client_for(cast.helper)
    page(client, cast)
    page(client, cast)
    seen = tasks_cache.last_seen_version(cast.circle.pk)
    assert seen is not None

    make_task(actor=cast.organiser, circle=cast.circle, title="Meals on Friday")
    # As if another process had made it: this one still has the old version as its guess.
    tasks_cache._saw(cast.circle.pk, seen)
    with counting_redis_commands() as counted:
        text = page(client, cast)

    assert "Meals on Friday" in text
    # The guess was read and not served: the section was drawn (its list read under the new version)
    # and written with the page's other drawn sections.
    assert counted.names[:2] == ["GET", "MGET"]
    assert "MULTI" in counted.names
    with counting_redis_commands() as counted:
        assert "Meals on Friday" in page(client, cast)
    assert counted.names == ["GET", "MGET"]


def test_the_tasks_section_follows_the_version_read_never_the_guess(cast: Cast) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle, title="Lift to the dentist")
    client = client_for(cast.helper)
    assert "Lift to the dentist" in page(client, cast)
    assert "Lift to the dentist" in page(client, cast)

    # A change that only the tasks version tells (no circle event), made elsewhere: this process's
    # guess and the section kept under it are the old version's.
    Task.objects.filter(pk=task.pk).update(title="Lift to the optician")
    cache.set(tasks_cache.version_key(cast.circle.pk), "set by another process", None)

    text = page(client, cast)
    assert "Lift to the optician" in text
    assert "Lift to the dentist" not in text


def test_a_summary_worked_out_again_does_not_read_the_version_again(cast: Cast, redis_cache: None) -> None:
    make_task(actor=cast.organiser, circle=cast.circle, title="Lift to the dentist")
    client = client_for(cast.helper)
    page(client, cast)
    seen = tasks_cache.last_seen_version(cast.circle.pk)
    assert seen is not None
    make_task(actor=cast.organiser, circle=cast.circle, title="Meals on Friday")
    # As if another process had made it: the guess is old, so the summary is worked out again.
    tasks_cache._saw(cast.circle.pk, seen)

    with counting_redis_commands() as counted:
        assert "Meals on Friday" in page(client, cast)

    # The session, the sections with the version, then the list under the version read (a GET that
    # misses): the version isn't read a second time on the way. The list worked out is written with
    # the drawn sections, in one round trip.
    assert counted.names[:3] == ["GET", "MGET", "GET"]
    assert counted.names.count("GET") == 2
    assert "SET" not in counted.names
    assert counted.names.count("MSET") == 1
    assert counted.round_trips == 4
