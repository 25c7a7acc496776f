"""A record section's entries are drawn once per circle event and position, and shared.

The entries are kept under circles.fragments.region_key (the circle's event sequence, the reader's
role and capability set, time zone, language and today's date) with the query string, so a change
by anyone shows at once and a reader whose rights changed is never served a copy drawn for the old
ones. Delete and restore forms are kept with a placeholder for the CSRF token and served with the
request's own. A private redis-server (tests/servers.py) is the cache for the command counts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carecircle.circles.fragments import CSRF_PLACEHOLDER
from carecircle.circles.models import Role
from carecircle.circles.services import membership_change
from carecircle.records.models import RecordEntry
from carecircle.records.services import entry_delete
from tests.cast import Cast, invite_and_join, make_user
from tests.circles.conftest import text_of
from tests.circles.test_home_redis import redis_cache  # noqa: F401 (a fixture)
from tests.conftest import client_for, signed_in
from tests.records.conftest import add_entry
from tests.redis_commands import counting_redis_commands

pytestmark = pytest.mark.django_db

# The roles that read medications with the default consent.
READERS = ["person", "organiser", "helper", "paid_carer", "professional"]
FETCH = {"X-Requested-With": "fetch"}


def address(cast: Cast, fragment: bool = False) -> str:
    name = "records:section_fragment" if fragment else "records:section"
    return reverse(name, args=[cast.circle.pk, "medications"])


def page(client: Client, cast: Cast, *, fragment: bool = False) -> str:
    response = client.get(address(cast, fragment), headers=FETCH if fragment else {})
    assert response.status_code == 200
    return text_of(response)  # type: ignore[arg-type]


def without_secrets(text: str) -> str:
    return re.sub(r'(nonce|value)="[^"]*"', r'\1=""', text)


def add(cast: Cast, capture: Any, name: str, *, actor: str = "organiser", audience: str = "everyone") -> RecordEntry:
    with capture(execute=True):
        return add_entry(
            actor=cast.user(actor), circle=cast.circle, section="medications", audience=audience, name=name
        )


@pytest.mark.usefixtures("redis_cache")
@pytest.mark.parametrize("fragment", [False, True], ids=["page", "live refetch"])
@pytest.mark.parametrize("role", READERS)
def test_kept_entries_cost_one_read_and_no_entry_queries(
    cast: Cast, django_capture_on_commit_callbacks: Any, role: str, fragment: bool
) -> None:
    for number in range(5):
        add(cast, django_capture_on_commit_callbacks, f"Medicine {number}")
    client = signed_in(cast, role)
    first = page(client, cast, fragment=fragment)

    with counting_redis_commands() as counted, CaptureQueriesContext(connection) as queries:
        again = page(client, cast, fragment=fragment)

    # The session (cached_db), then the kept entries: no query for the entries themselves.
    assert counted.names == ["GET", "GET"]
    assert counted.round_trips == 2
    assert not [query for query in queries if "records_recordentry" in query["sql"]]
    assert "Medicine 4" in again
    assert without_secrets(again) == without_secrets(first)


@pytest.mark.parametrize("role", READERS)
def test_kept_entries_are_the_entries_drawn_afresh(
    cast: Cast, django_capture_on_commit_callbacks: Any, settings: Any, role: str
) -> None:
    add(cast, django_capture_on_commit_callbacks, "Metformin")
    add(cast, django_capture_on_commit_callbacks, "Sertraline", audience="owners")
    client = signed_in(cast, role)
    page(client, cast)
    kept = page(client, cast)

    settings.FRAGMENT_CACHE_SECONDS = 0
    assert without_secrets(kept) == without_secrets(page(client, cast))


def test_a_change_by_anyone_shows_at_once_to_everyone_allowed(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    add(cast, django_capture_on_commit_callbacks, "Metformin")
    clients = {role: signed_in(cast, role) for role in READERS}
    for client in clients.values():
        page(client, cast)
        page(client, cast, fragment=True)

    entry = add(cast, django_capture_on_commit_callbacks, "Aspirin", actor="helper")
    for role, client in clients.items():
        assert "Aspirin" in page(client, cast), role
        assert "Aspirin" in page(client, cast, fragment=True), role

    with django_capture_on_commit_callbacks(execute=True):
        entry_delete(actor=cast.organiser, entry=entry)
    for role, client in clients.items():
        assert "Aspirin" not in page(client, cast, fragment=True).split('id="deleted"')[0], role


def test_a_reader_who_lost_a_right_is_never_served_the_old_copy(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    add(cast, django_capture_on_commit_callbacks, "Sertraline", audience="owners")
    organiser_two = make_user("organiser_two", display_name="Omar Organiser")
    invite_and_join(inviter=cast.organiser, circle=cast.circle, user=organiser_two, role=Role.ORGANISER)
    client = client_for(organiser_two)
    assert "Sertraline" in page(client, cast)
    assert "Sertraline" in page(client, cast)

    membership = cast.circle.memberships.get(user=organiser_two)
    with django_capture_on_commit_callbacks(execute=True):
        membership_change(actor=cast.organiser, member=membership, role=Role.HELPER)
    assert "Sertraline" not in page(client, cast)
    assert "Sertraline" not in page(client, cast, fragment=True)

    with django_capture_on_commit_callbacks(execute=True):
        membership_change(actor=cast.organiser, member=membership, role=Role.WELL_WISHER)
    assert client.get(address(cast)).status_code == 403
    assert client.get(address(cast, fragment=True), headers=FETCH).status_code == 403


def test_the_kept_copy_holds_no_token_and_each_reader_gets_their_own(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    entry = add(cast, django_capture_on_commit_callbacks, "Metformin")
    organiser_two = make_user("organiser_two", display_name="Omar Organiser")
    invite_and_join(inviter=cast.organiser, circle=cast.circle, user=organiser_two, role=Role.ORGANISER)
    first = Client(enforce_csrf_checks=True)
    first.force_login(cast.organiser)
    second = Client(enforce_csrf_checks=True)
    second.force_login(organiser_two)
    with strings_written_to_the_cache() as written:
        assert "Delete" in page(first, cast)

    kept = [value for value in written if "Metformin" in value]
    assert kept
    tokens = [token for value in kept for token in re.findall(r'name="csrfmiddlewaretoken" value="([^"]*)"', value)]
    assert tokens
    assert set(tokens) == {CSRF_PLACEHOLDER}

    # The second organiser's page comes from the kept copy, with a token their own session accepts.
    text = page(second, cast)
    assert CSRF_PLACEHOLDER not in text
    # The list's one form, which each card's delete button submits to its own address (entry.html).
    assert f'formaction="/circles/{cast.circle.pk}/record/medications/{entry.pk}/delete/"' in text
    token = re.search(r'<form id="entry-actions" [^>]*><input [^>]*name="csrfmiddlewaretoken" value="([^"]+)"', text)
    assert token is not None
    delete = reverse("records:entry_delete", args=[cast.circle.pk, "medications", entry.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = second.post(delete, {"csrfmiddlewaretoken": token.group(1)})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.deleted_at is not None


@contextmanager
def strings_written_to_the_cache() -> Iterator[list[str]]:
    """Every string the code keeps in the cache meanwhile, on any cache backend (local memory or Redis)."""
    written: list[str] = []
    real_set, real_set_many = cache.set, cache.set_many

    def set_one(key: str, value: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(value, str):
            written.append(value)
        return real_set(key, value, *args, **kwargs)

    def set_many(values: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        written.extend(value for value in values.values() if isinstance(value, str))
        return real_set_many(values, *args, **kwargs)

    with mock.patch.object(cache, "set", set_one), mock.patch.object(cache, "set_many", set_many):
        yield written


def test_a_copy_kept_for_one_role_never_reaches_another(cast: Cast, django_capture_on_commit_callbacks: Any) -> None:
    add(cast, django_capture_on_commit_callbacks, "Sertraline", audience="owners")
    add(cast, django_capture_on_commit_callbacks, "Metformin")
    organiser = signed_in(cast, "organiser")
    assert "Sertraline" in page(organiser, cast)

    # The same circle event, read by roles that see less (no owners' entries).
    for role in ["helper", "paid_carer", "professional"]:
        text = page(signed_in(cast, role), cast)
        assert "Metformin" in text, role
        assert "Sertraline" not in text, role
