"""The people page shows a big circle a part at a time, so that it fits the first round trip.

However big the circle, a page holds at most PEOPLE_LIMIT members, a summary of everyone by role
and a plain "Show more people" link (circles/pages.py member_page_context), so it works without
JavaScript. Past INVITE_FORM_UP_TO members the invitation form is a link to its own page; every
action an organiser needs (change a role, remove someone, the invitations waiting) stays on the page.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from carecircle.circles.models import InvitationChannel, Membership, Role
from carecircle.circles.pages import HOME_NAMES, INVITE_FORM_UP_TO, PEOPLE_LIMIT
from carecircle.circles.services import invitation_create
from tests.cast import Cast
from tests.circles.conftest import add_members, queries_for, text_of

pytestmark = pytest.mark.django_db
FIRST_HTML_BUDGET = 14_336
MORE = re.compile(r'<a href="([^"]+)" rel="next">Show more people</a>')
ROW = re.compile(r'<li data-member="([0-9]+)">')


def people(cast: Cast) -> str:
    return reverse("circles:members", kwargs={"circle_id": cast.circle.pk})


def grow_to(cast: Cast, members: int) -> None:
    add_members(circle=cast.circle, actor=cast.organiser, how_many=members - cast.circle.memberships.count())
    assert cast.circle.memberships.count() == members


def next_page(page: str) -> str | None:
    found = MORE.search(page)
    return found[1].replace("&amp;", "&") if found else None


def test_every_page_of_a_60_member_circle_fits_the_first_round_trip_and_shows_everyone_once(
    cast: Cast, as_user: Any
) -> None:
    grow_to(cast, 60)
    client = as_user(cast.organiser)
    path: str | None = people(cast)
    seen: list[int] = []
    pages = 0
    while path is not None:
        response = client.get(path)
        assert response.status_code == 200
        assert len(response.content) <= FIRST_HTML_BUDGET, (path, len(response.content))
        page = text_of(response)
        rows = [int(pk) for pk in ROW.findall(page)]
        assert 0 < len(rows) <= PEOPLE_LIMIT
        seen += rows
        assert "Showing" in page
        assert "of 60 people." in page
        assert "Organiser: 1 · " in page
        assert "Helper: " in page
        pages += 1
        path = next_page(page)
    ordered = [member.pk for member in sorted(cast.circle.memberships.all(), key=lambda m: (m.role, m.pk))]
    assert sorted(seen) == sorted(ordered)
    assert len(seen) == len(set(seen)) == 60
    assert pages == -(-60 // PEOPLE_LIMIT)


def test_the_organisers_actions_stay_on_a_big_circles_page(cast: Cast, as_user: Any) -> None:
    grow_to(cast, 60)
    invitation_create(
        actor=cast.organiser,
        circle=cast.circle,
        role=Role.HELPER,
        channel=InvitationChannel.EMAIL,
        name="Priya",
        email="priya@example.org",
    )
    page = text_of(as_user(cast.organiser).get(people(cast)))
    shown = Membership.objects.get(pk=ROW.findall(page)[-1])
    assert shown.user_id != cast.organiser.pk
    assert f'href="{people(cast)}{shown.pk}/">Change role' in page
    assert f'href="{people(cast)}{shown.pk}/remove/">Remove' in page
    assert "Invitations waiting for an answer" in page
    assert "<strong>Priya</strong>" in page
    # The form is a link to its own page here; a starting circle keeps it on the page (test_members.py).
    invite = reverse("circles:invite", args=[cast.circle.pk])
    assert f'<a href="{invite}">Invite someone</a>' in page
    assert f'action="{invite}"' not in page
    assert "Invite someone below" not in page


def test_a_circle_starting_out_keeps_the_invitation_form_and_is_not_paged(cast: Cast, as_user: Any) -> None:
    grow_to(cast, INVITE_FORM_UP_TO)
    page = text_of(as_user(cast.organiser).get(people(cast)))
    assert f'action="{reverse("circles:invite", args=[cast.circle.pk])}"' in page
    assert len(ROW.findall(page)) == INVITE_FORM_UP_TO
    assert "Show more people" not in page
    assert "Showing" not in page


def test_a_later_page_says_where_it_is_and_links_back(cast: Cast, as_user: Any) -> None:
    grow_to(cast, 25)
    page = text_of(as_user(cast.organiser).get(people(cast) + f"?from={PEOPLE_LIMIT}"))
    assert f"Showing {PEOPLE_LIMIT + 1} to {2 * PEOPLE_LIMIT} of 25 people." in page
    assert f'<a href="{people(cast)}#people">Back to the first people</a>' in page
    last = text_of(as_user(cast.organiser).get(people(cast) + f"?from={2 * PEOPLE_LIMIT}"))
    assert len(ROW.findall(last)) == 25 - 2 * PEOPLE_LIMIT
    assert "Show more people" not in last


@pytest.mark.parametrize("start", ["abc", "-1", "1e3", "9999999", "60", ""])
def test_a_start_that_is_not_a_place_in_the_list_shows_the_first_part(cast: Cast, as_user: Any, start: str) -> None:
    grow_to(cast, 25)
    client = as_user(cast.organiser)
    first = ROW.findall(text_of(client.get(people(cast))))
    response = client.get(people(cast) + f"?from={start}")
    assert response.status_code == 200
    assert ROW.findall(text_of(response)) == first


def test_helpers_see_the_parts_without_the_organisers_links(cast: Cast, as_user: Any) -> None:
    grow_to(cast, 25)
    page = text_of(as_user(cast.helper).get(people(cast) + f"?from={PEOPLE_LIMIT}"))
    assert len(ROW.findall(page)) == PEOPLE_LIMIT
    assert "Change role" not in page
    assert "/remove/" not in page
    assert "Invitations waiting" not in page
    assert "Invite someone" not in page


def test_the_live_region_refetches_the_part_the_page_shows(cast: Cast, as_user: Any) -> None:
    grow_to(cast, 25)
    client = as_user(cast.organiser)
    page = text_of(client.get(people(cast) + f"?from={PEOPLE_LIMIT}"))
    fragment = reverse("circles:members_fragment", kwargs={"circle_id": cast.circle.pk})
    assert f'data-live-src="{fragment}?from={PEOPLE_LIMIT}"' in page
    part = text_of(client.get(f"{fragment}?from={PEOPLE_LIMIT}", headers={"X-Requested-With": "fetch"}))
    assert ROW.findall(part) == ROW.findall(page)
    assert "Back to the first people" in part
    # Without a start the fragment is the circle home's summary: the first few names and a count.
    summary = text_of(client.get(fragment, headers={"X-Requested-With": "fetch"}))
    assert len(ROW.findall(summary)) == HOME_NAMES
    assert "Showing 1 to 8 of 25 people." in summary


def test_the_people_pages_queries_do_not_grow_with_the_circle(cast: Cast, as_user: Any) -> None:
    client = as_user(cast.organiser)
    grow_to(cast, INVITE_FORM_UP_TO + 1)
    with_few = queries_for(client, people(cast))
    grow_to(cast, 60)
    assert queries_for(client, people(cast)) == with_few
    assert queries_for(client, people(cast) + f"?from={3 * PEOPLE_LIMIT}") == with_few
