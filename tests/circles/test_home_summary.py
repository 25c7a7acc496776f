"""The circle home summarises who is in the circle: a count by role, a few names and a link to the people page.

The home drew every member (about 40 KB of HTML for 60 members); the summary keeps its bytes and
its queries the same however big the circle is (docs/architecture/circles-pages.md).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from carecircle.circles.pages import HOME_NAMES
from carecircle.circles.services import membership_remove
from tests.cast import Cast
from tests.circles.conftest import queries_for, text_of
from tests.circles.test_people_pages import FIRST_HTML_BUDGET, ROW, grow_to

pytestmark = pytest.mark.django_db
COUNTS = re.compile(r"Showing 1 to ([0-9]+) of ([0-9]+) people\. ([^<]+)</p>")


def home(cast: Cast) -> str:
    return reverse("circles:home", kwargs={"circle_id": cast.circle.pk})


def people_section(page: str) -> str:
    return page.split('id="people-heading"')[1].split("</section>")[0]


@pytest.mark.parametrize("role", ["organiser", "helper"])
def test_a_60_member_circles_home_fits_the_first_round_trip(cast: Cast, as_user: Any, role: str) -> None:
    grow_to(cast, 60)
    response = as_user(cast.user(role)).get(home(cast))
    assert response.status_code == 200
    assert len(response.content) <= FIRST_HTML_BUDGET, len(response.content)
    section = people_section(text_of(response))
    assert len(ROW.findall(section)) == HOME_NAMES
    found = COUNTS.search(section)
    assert found is not None
    assert found[1] == str(HOME_NAMES)
    assert found[2] == "60"
    # Every role counted, in the roles' order, adding up to everyone.
    assert sum(int(part.rsplit(": ", 1)[1]) for part in found[3].split(" · ")) == 60
    assert f'href="{reverse("circles:members", kwargs={"circle_id": cast.circle.pk})}">See everyone' in section


def test_the_summarys_bytes_and_queries_do_not_grow_with_the_circle(cast: Cast, as_user: Any, settings: Any) -> None:
    settings.FRAGMENT_CACHE_SECONDS = 0  # Drawn every time: the most the page costs.
    client = as_user(cast.organiser)
    grow_to(cast, 12)
    small = people_section(text_of(client.get(home(cast))))
    small_queries = queries_for(client, home(cast))
    grow_to(cast, 60)
    big = people_section(text_of(client.get(home(cast))))
    # The same names (the person and the organisers first); only the counts' digits differ.
    assert ROW.findall(big) == ROW.findall(small)
    assert abs(len(big) - len(small)) <= 8
    assert queries_for(client, home(cast)) == small_queries


def test_a_small_circle_names_everyone_without_counting(cast: Cast, as_user: Any) -> None:
    section = people_section(text_of(as_user(cast.helper).get(home(cast))))
    assert len(ROW.findall(section)) == cast.circle.memberships.count() <= HOME_NAMES
    assert "Showing" not in section
    assert "See everyone in the circle" in section


def test_someone_leaving_leaves_the_summary_at_once(cast: Cast, as_user: Any) -> None:
    grow_to(cast, 20)
    client = as_user(cast.helper)
    assert "of 20 people." in text_of(client.get(home(cast)))
    membership_remove(actor=cast.organiser, member=cast.membership("professional"))
    page = text_of(client.get(home(cast)))
    assert "of 19 people." in page
    fragment = reverse("circles:members_fragment", kwargs={"circle_id": cast.circle.pk})
    assert people_section(page).count("<li") == text_of(client.get(fragment)).count("<li")
