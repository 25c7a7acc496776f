"""The calendar's live fragment is rendered once and shared, but never stale and never shown to the wrong member."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from carecircle.accounts.models import User
from carecircle.circles.access import access_circle
from carecircle.circles.fragments import cached_fragment
from carecircle.circles.models import Role
from carecircle.circles.services import membership_change
from carecircle.tasks.services import task_volunteer
from tests.cast import Cast
from tests.conftest import client_for
from tests.tasks.conftest import make_task, soon

pytestmark = pytest.mark.django_db

FETCH = {"X-Requested-With": "fetch"}


def agenda(cast: Cast) -> str:
    return reverse("tasks:agenda", kwargs={"circle_id": cast.circle.pk})


def fragment(client: Client, path: str) -> Any:
    response = client.get(path, headers=FETCH)
    assert response.status_code == 200
    return response


def test_members_in_the_same_position_share_one_rendering(cast: Cast, second_helper: User, renders: list[str]) -> None:
    make_task(actor=cast.organiser, circle=cast.circle, title="Lift to the dentist")
    path = agenda(cast)

    first = fragment(client_for(cast.helper), path)
    second = fragment(client_for(second_helper), path)

    assert len(renders) == 1
    assert second.content == first.content
    assert "Lift to the dentist" in second.text


def test_a_change_by_anyone_shows_at_once(cast: Cast, second_helper: User, renders: list[str]) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle, title="Lift to the dentist")
    path = agenda(cast)
    fragment(client_for(cast.helper), path)
    before = fragment(client_for(second_helper), path)
    assert "Needs help" in before.text

    make_task(actor=cast.organiser, circle=cast.circle, title="Meals on Friday", start_date=soon(4))
    task_volunteer(actor=cast.organiser, task=task, occurrence_date=soon())

    after = fragment(client_for(second_helper), path)
    assert "Meals on Friday" in after.text
    assert after.content != before.content
    assert len(renders) == 2


def test_you_are_going_is_never_shown_to_someone_else(cast: Cast, second_helper: User, renders: list[str]) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle, title="Lift to the dentist")
    task_volunteer(actor=cast.helper, task=task, occurrence_date=soon())
    path = agenda(cast)

    going = fragment(client_for(cast.helper), path)
    other = fragment(client_for(second_helper), path)

    assert "You're going" in going.text
    assert "You're going" not in other.text
    assert len(renders) == 2


def test_a_private_task_never_reaches_a_member_who_may_not_see_it(cast: Cast, renders: list[str]) -> None:
    make_task(actor=cast.organiser, circle=cast.circle, title="Private appointment", private=True)
    path = agenda(cast)

    organiser = fragment(client_for(cast.organiser), path)
    helper = fragment(client_for(cast.helper), path)

    assert "Private appointment" in organiser.text
    assert "Private appointment" not in helper.text


def test_a_lost_capability_gets_no_cached_fragment(cast: Cast, second_helper: User) -> None:
    make_task(actor=cast.organiser, circle=cast.circle, title="Lift to the dentist")
    path = agenda(cast)
    client = client_for(cast.helper)
    fragment(client, path)
    fragment(client_for(second_helper), path)

    membership_change(actor=cast.organiser, member=cast.membership("helper"), role=Role.WELL_WISHER)

    assert client.get(path, headers=FETCH).status_code == 403


def test_each_time_zone_gets_its_own_fragment(cast: Cast, second_helper: User, renders: list[str]) -> None:
    make_task(actor=cast.organiser, circle=cast.circle, title="Lift to the dentist")
    path = agenda(cast)
    fragment(client_for(cast.helper), path)
    second_helper.time_zone = "Pacific/Auckland"
    second_helper.save(update_fields=["time_zone"])

    fragment(client_for(second_helper), path)

    assert len(renders) == 2


def test_a_fragment_with_a_per_request_secret_is_never_stored(cast: Cast, rf: Any) -> None:
    access = access_circle(user=cast.helper, circle_id=cast.circle.pk)
    request = rf.get(agenda(cast))
    request.user = cast.helper
    made: list[int] = []

    def render() -> str:
        made.append(1)
        return '<form><input type="hidden" name="csrfmiddlewaretoken" value="secret"></form>'

    cached_fragment(request, access, "test", [], render)
    cached_fragment(request, access, "test", [], render)

    assert len(made) == 2


def test_the_page_and_the_refetch_share_one_rendering_and_change_at_once(
    cast: Cast, second_helper: User, renders: list[str]
) -> None:
    make_task(actor=cast.organiser, circle=cast.circle, title="Lift to the dentist")
    path = agenda(cast)
    page = client_for(cast.helper).get(path)
    refetched = fragment(client_for(second_helper), path)

    assert page.status_code == 200
    assert len(renders) == 1
    assert refetched.text.strip() in page.text

    make_task(actor=cast.organiser, circle=cast.circle, title="Meals on Friday", start_date=soon(4))
    assert "Meals on Friday" in client_for(second_helper).get(path).text
    assert "Meals on Friday" in client_for(cast.helper).get(path).text
    assert len(renders) == 2


def test_a_lost_capability_gets_no_cached_page(cast: Cast, second_helper: User) -> None:
    make_task(actor=cast.organiser, circle=cast.circle, title="Lift to the dentist")
    path = agenda(cast)
    client = client_for(cast.helper)
    assert "Lift to the dentist" in client.get(path).text
    client_for(second_helper).get(path)

    membership_change(actor=cast.organiser, member=cast.membership("helper"), role=Role.WELL_WISHER)

    assert client.get(path).status_code == 403
