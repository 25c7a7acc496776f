"""The people page shows a big circle a part at a time, so that it fits the first round trip.

However big the circle, a page holds at most PEOPLE_LIMIT members, a summary of everyone by role
and a plain "Show more people" link (circles/pages.py member_page_context), so it works without
JavaScript. The invitation form is one link away on its own page ("Invite someone"), for a circle
starting out as for a big one; every other action an organiser needs (change a role, remove someone,
the invitations waiting) stays on the page.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from carecircle.circles.models import InvitationChannel, Membership, Role
from carecircle.circles.pages import HOME_NAMES, INVITATIONS_LIMIT, PEOPLE_LIMIT
from carecircle.circles.services import invitation_create
from tests.cast import Cast
from tests.circles.conftest import add_members, queries_for, text_of

pytestmark = pytest.mark.django_db
FIRST_HTML_BUDGET = 14_336
# A circle starting out: the daughter, her dad and the family she invites one after another (journey 1).
STARTING_OUT = 8
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
    assert "1 invitation is waiting for an answer." in page
    assert "<strong>Priya</strong>" in text_of(as_user(cast.organiser).get(invitations_page(cast)))
    # The form is one link away on its own page, as for a circle starting out.
    invite = reverse("circles:invite", args=[cast.circle.pk])
    assert f'<a class="button" href="{invite}">Invite someone</a>' in page
    assert f'action="{invite}"' not in page
    assert "Invite someone below" not in page


@pytest.mark.parametrize("language", ["en-gb", "cy", "pl"])
def test_a_circle_starting_out_fits_the_first_round_trip_with_invite_someone_one_link_away(
    cast: Cast, as_user: Any, language: str
) -> None:
    grow_to(cast, STARTING_OUT)
    invitation_create(
        actor=cast.organiser,
        circle=cast.circle,
        role=Role.HELPER,
        channel=InvitationChannel.EMAIL,
        name="Priya",
        email="priya@example.org",
    )
    cast.organiser.language = language
    cast.organiser.save(update_fields=["language"])
    client = as_user(cast.organiser)
    response = client.get(people(cast))
    assert response.status_code == 200
    assert len(response.content) <= FIRST_HTML_BUDGET, f"{language}: {len(response.content)} bytes"
    page = text_of(response)
    assert len(ROW.findall(page)) == STARTING_OUT
    assert 'rel="next"' not in page
    invite = reverse("circles:invite", args=[cast.circle.pk])
    assert f'action="{invite}"' not in page
    assert f'<a class="button" href="{invite}">' in page
    # The form it leads to is the whole invitation form.
    form_page = client.get(invite)
    assert form_page.status_code == 200
    assert f'action="{invite}"' in text_of(form_page)
    assert len(form_page.content) <= FIRST_HTML_BUDGET, f"invite in {language}: {len(form_page.content)} bytes"


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
    grow_to(cast, STARTING_OUT + 1)
    with_few = queries_for(client, people(cast))
    grow_to(cast, 60)
    assert queries_for(client, people(cast)) == with_few
    assert queries_for(client, people(cast) + f"?from={3 * PEOPLE_LIMIT}") == with_few


def invite_many(cast: Cast, how_many: int) -> None:
    for number in range(how_many):
        invitation_create(
            actor=cast.organiser,
            circle=cast.circle,
            role=Role.HELPER,
            channel=InvitationChannel.LINK,
            name=f"Guest {number}",
        )


INVITED = re.compile(r"<strong>(Guest [0-9]+)</strong>")
MORE_INVITATIONS = re.compile(r'<a href="([^"]+)">Show more invitations</a>')


def test_saving_a_role_returns_to_the_part_of_the_list_it_was_changed_from(cast: Cast, as_user: Any) -> None:
    grow_to(cast, 25)
    client = as_user(cast.organiser)
    part = text_of(client.get(people(cast) + f"?from={PEOPLE_LIMIT}"))
    member = Membership.objects.get(pk=ROW.findall(part)[0])
    edit = f"{people(cast)}{member.pk}/?from={PEOPLE_LIMIT}"
    assert f'href="{edit}">Change role' in part
    assert f'href="{people(cast)}{member.pk}/remove/?from={PEOPLE_LIMIT}">Remove' in part
    back = f"{people(cast)}?from={PEOPLE_LIMIT}#people"
    form = text_of(client.get(edit))
    assert f'<a href="{back}">Cancel</a>' in form
    assert f"remove/?from={PEOPLE_LIMIT}" in form

    response = client.post(edit, {"role": Role.WELL_WISHER, "relationship": "next-door neighbour"})
    assert response.status_code == 302
    assert response["Location"] == back
    member.refresh_from_db()
    assert member.role == Role.WELL_WISHER
    # A mistake keeps the place too, and anything that isn't a place in the list goes to the first part.
    assert client.post(edit, {"role": "captain"}).status_code == 400
    assert client.post(f"{people(cast)}{member.pk}/?from=x", {"role": Role.HELPER})["Location"] == people(cast)
    # From the first part (no `from`), back to the people page as before.
    first = text_of(client.get(people(cast)))
    assert re.search(rf'href="{people(cast)}[0-9]+/">Change role', first)


def test_removing_someone_returns_to_the_part_they_were_removed_from(cast: Cast, as_user: Any) -> None:
    grow_to(cast, 25)
    client = as_user(cast.organiser)
    part = text_of(client.get(people(cast) + f"?from={PEOPLE_LIMIT}"))
    member_id = ROW.findall(part)[0]
    remove = f"{people(cast)}{member_id}/remove/?from={PEOPLE_LIMIT}"
    assert f'href="{people(cast)}?from={PEOPLE_LIMIT}#people">Keep them in the circle' in text_of(client.get(remove))
    response = client.post(remove)
    assert response.status_code == 302
    assert response["Location"] == f"{people(cast)}?from={PEOPLE_LIMIT}#people"
    assert not Membership.objects.filter(pk=member_id).exists()


def invitations_page(cast: Cast) -> str:
    return reverse("circles:invitations", kwargs={"circle_id": cast.circle.pk})


def test_the_invitations_waiting_are_shown_ten_at_a_time_each_once(cast: Cast, as_user: Any) -> None:
    invite_many(cast, 25)
    client = as_user(cast.organiser)
    assert "25 invitations are waiting for an answer." in text_of(client.get(people(cast)))
    path: str | None = invitations_page(cast)
    seen: list[str] = []
    parts = 0
    while path is not None:
        response = client.get(path)
        assert response.status_code == 200
        page = text_of(response)
        shown = INVITED.findall(page)
        assert len(shown) <= INVITATIONS_LIMIT
        assert f"Showing {len(seen) + 1} to {len(seen) + len(shown)} of 25 invitations." in page
        assert ("Back to the newest invitations" in page) is (parts > 0)
        seen += shown
        parts += 1
        found = MORE_INVITATIONS.search(page)
        path = found[1] if found else None
    assert parts == 3
    # Newest first, each once.
    assert seen == [f"Guest {number}" for number in reversed(range(25))]


def test_cancelling_an_invitation_returns_to_the_part_it_was_cancelled_from(cast: Cast, as_user: Any) -> None:
    invite_many(cast, 15)
    client = as_user(cast.organiser)
    part = f"{invitations_page(cast)}?invited_from={INVITATIONS_LIMIT}"
    page = text_of(client.get(part))
    cancel = re.search(r'formaction="([^"]+)">Cancel<span class="visually-hidden"> the invitation for Guest 4<', page)
    assert cancel is not None
    assert cancel[1].endswith(f"/cancel/?invited_from={INVITATIONS_LIMIT}")
    response = client.post(cancel[1])
    assert response.status_code == 302
    assert response["Location"] == part
    assert INVITED.findall(text_of(client.get(part))) == [f"Guest {number}" for number in reversed(range(4))]
    # From the first part, back to the first part.
    first = text_of(client.get(invitations_page(cast)))
    cancel = re.search(r'formaction="([^"]+)">Cancel<span class="visually-hidden"> the invitation for Guest 14<', first)
    assert cancel is not None
    assert client.post(cancel[1])["Location"] == invitations_page(cast)


def test_a_later_invitations_link_is_escaped_and_one_form_holds_every_cancel(cast: Cast, as_user: Any) -> None:
    invite_many(cast, 12)
    content = as_user(cast.organiser).get(invitations_page(cast)).content.decode()
    assert f'<a href="{invitations_page(cast)}?invited_from=10">Show more invitations</a>' in content
    assert "&invited_from" not in content
    listed = content[content.index("<h1") : content.index("</main>")]
    assert listed.count("csrfmiddlewaretoken") == 1
    assert listed.count("formaction=") == 10


@pytest.mark.parametrize("start", ["99", "x", "-1", "1" * 7])
def test_an_invitation_place_that_isnt_one_shows_the_newest(cast: Cast, as_user: Any, start: str) -> None:
    invite_many(cast, 12)
    page = text_of(as_user(cast.organiser).get(invitations_page(cast) + f"?invited_from={start}"))
    assert INVITED.findall(page)[0] == "Guest 11"
    assert "Showing 1 to 10 of 12 invitations." in page


@pytest.mark.parametrize("language", ["en-gb", "cy", "pl"])
def test_a_big_circle_with_invitations_fits_the_first_round_trip(cast: Cast, as_user: Any, language: str) -> None:
    from carecircle.accounts.models import User

    User.objects.filter(pk=cast.organiser.pk).update(language=language)
    grow_to(cast, 60)
    invite_many(cast, 25)
    client = as_user(cast.organiser)
    for path in [
        people(cast),
        f"{people(cast)}?from={PEOPLE_LIMIT}",
        invitations_page(cast),
        f"{invitations_page(cast)}?invited_from=20",
    ]:
        response = client.get(path)
        assert response.status_code == 200
        assert len(response.content) <= FIRST_HTML_BUDGET, (language, path, len(response.content))


def test_the_invitations_cost_the_same_queries_and_bytes_however_many_wait(cast: Cast, as_user: Any) -> None:
    grow_to(cast, 60)
    client = as_user(cast.organiser)
    invite_many(cast, INVITATIONS_LIMIT + 1)
    with_few = queries_for(client, people(cast))
    few_bytes = len(client.get(people(cast)).content)
    listed = queries_for(client, invitations_page(cast))
    few_listed_bytes = len(client.get(invitations_page(cast)).content)
    invite_many(cast, 40)
    assert queries_for(client, people(cast)) == with_few
    assert queries_for(client, invitations_page(cast)) == listed
    assert queries_for(client, invitations_page(cast) + f"?invited_from={3 * INVITATIONS_LIMIT}") == listed
    # A count on the people page, the same ten rows on the invitations page, give or take digits.
    assert abs(len(client.get(people(cast)).content) - few_bytes) <= 4
    assert abs(len(client.get(invitations_page(cast)).content) - few_listed_bytes) <= 4 * INVITATIONS_LIMIT
