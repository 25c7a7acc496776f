"""List operations cost the same number of queries however many rows they return."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from carecircle.accounts.services import api_token_create
from carecircle.circles.models import InvitationChannel
from carecircle.circles.services import circle_create, invitation_create, membership_add_directly
from carecircle.realtime.events import circle_event_record
from tests.api.conftest import API
from tests.cast import Cast, make_user

MORE = 25


def _more_circles(cast: Cast) -> None:
    for number in range(MORE):
        circle_create(actor=cast.organiser, person_name=f"Neighbour {number}")


def _more_members(cast: Cast) -> None:
    for number in range(MORE):
        user = make_user(f"friend{number}")
        membership_add_directly(actor=cast.organiser, circle=cast.circle, user=user, role="helper")


def _more_invitations(cast: Cast) -> None:
    for _ in range(MORE):
        invitation_create(actor=cast.organiser, circle=cast.circle, role="helper", channel=InvitationChannel.LINK)


def _more_events(cast: Cast) -> None:
    for _ in range(MORE):
        circle_event_record(circle=cast.circle, type="circle.changed")


def _more_tokens(cast: Cast) -> None:
    for number in range(MORE):
        api_token_create(actor=cast.organiser, name=f"Script {number}")


LISTS: list[tuple[str, Callable[[Cast], None]]] = [
    ("/circles", _more_circles),
    ("/tokens", _more_tokens),
    ("/circles/{circle}/members", _more_members),
    ("/circles/{circle}/invitations", _more_invitations),
    ("/circles/{circle}/audit?limit=100", _more_invitations),
    ("/circles/{circle}/events", _more_events),
]
BUDGET = 6


@pytest.mark.parametrize(("path", "grow"), LISTS, ids=[path for path, _ in LISTS])
def test_a_list_costs_the_same_queries_with_more_rows(cast, api_as, django_assert_max_num_queries, path, grow):
    client = api_as(cast.organiser)
    url = API + path.format(circle=cast.circle.pk)
    client.get(url)  # The first use of a token records when it was used.

    with django_assert_max_num_queries(BUDGET) as few_rows:
        few = client.get(url)
    grow(cast)
    with django_assert_max_num_queries(BUDGET) as many_rows:
        many = client.get(url)

    assert few.status_code == many.status_code == 200
    assert len(many.content) > len(few.content) + MORE * 20
    assert len(many_rows) == len(few_rows)
