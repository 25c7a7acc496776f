""" "Help needed" shows its first entries and the rest a page at a time, so no page outgrows the first round trip.

However big the circle, a page of "Help needed" holds at most NEEDS_HELP_LIMIT occurrences (a
crowded day is split between pages) and a "Show more help needed" link to where the next page
starts, a plain link that works without JavaScript (tasks/views.py needs_help). Dates come from
the code's clock (tests/tasks/conftest.py).
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.urls import reverse

from carecircle.accounts.models import User
from carecircle.tasks.services import task_volunteer
from carecircle.tasks.views import NEEDS_HELP_DAYS, NEEDS_HELP_LIMIT
from tests.cast import Cast
from tests.circles.conftest import add_members, queries_for, text_of
from tests.conftest import client_for
from tests.tasks.conftest import circle_today, make_task
from tests.tasks.test_pages import _bulk_tasks

pytestmark = pytest.mark.django_db
FIRST_HTML_BUDGET = 14_336
MORE = re.compile(r'<a href="([^"]+)" rel="next">Show more help needed</a>')
TITLE = re.compile(r"\?on=[0-9-]+\">(Visit [0-9]+|Task [0-9]+)</a>")
FETCH = {"X-Requested-With": "fetch"}


def help_needed(cast: Cast) -> str:
    return reverse("tasks:needs_help", kwargs={"circle_id": cast.circle.pk})


def next_page(page: str) -> str | None:
    found = MORE.search(page)
    return found[1].replace("&amp;", "&") if found else None


def crowded_day(cast: Cast, how_many: int, *, day: datetime.date, **extra: Any) -> None:
    for number in range(how_many):
        make_task(
            actor=cast.organiser,
            circle=cast.circle,
            title=f"Visit {number}",
            start_date=day,
            start_time=datetime.time(8 + number // 10, number % 10 * 5),
            **extra,
        )


def test_help_needed_of_a_big_busy_circle_fits_the_first_round_trip_uncompressed(cast: Cast, as_user: Any) -> None:
    add_members(circle=cast.circle, actor=cast.organiser, how_many=54)
    _bulk_tasks(cast, 3000)
    client = as_user(cast.organiser)
    path: str | None = help_needed(cast)
    seen: list[str] = []
    pages = 0
    while path is not None:
        response = client.get(path)
        assert response.status_code == 200, path
        assert len(response.content) <= FIRST_HTML_BUDGET, f"{path}: {len(response.content)} bytes"
        page = response.content.decode()
        titles = TITLE.findall(page)
        assert 0 < len(titles) <= NEEDS_HELP_LIMIT
        seen += titles
        path = next_page(page)
        pages += 1
    # Every page is reached from the first, and the 28 days' help needed is spread over them.
    assert pages > 3
    assert len(seen) > NEEDS_HELP_LIMIT * 3


def test_a_crowded_day_is_split_between_pages_with_nothing_missed_or_shown_twice(cast: Cast, as_user: Any) -> None:
    day = circle_today() + datetime.timedelta(days=2)
    crowded_day(cast, NEEDS_HELP_LIMIT + 5, day=day)
    make_task(actor=cast.organiser, circle=cast.circle, title="Visit next day", start_date=day + datetime.timedelta(1))
    client = as_user(cast.helper)

    first = text_of(client.get(help_needed(cast)))
    following = next_page(first)
    assert following == help_needed(cast) + f"?from={day}&skip={NEEDS_HELP_LIMIT}"
    second = text_of(client.get(following))

    first_titles, second_titles = TITLE.findall(first), TITLE.findall(second)
    assert len(first_titles) == NEEDS_HELP_LIMIT
    assert sorted(first_titles + second_titles) == sorted([f"Visit {n}" for n in range(NEEDS_HELP_LIMIT + 5)])
    assert "Visit next day" in second
    assert next_page(second) is None
    # The later page names its day again and leads back to today.
    assert day.strftime("%A") in second
    assert f'<a href="{help_needed(cast)}">Back to today</a>' in second
    assert "Back to today" not in first


def test_show_more_is_in_the_live_refetch_too(cast: Cast, as_user: Any) -> None:
    day = circle_today() + datetime.timedelta(days=1)
    crowded_day(cast, NEEDS_HELP_LIMIT + 1, day=day)
    client = as_user(cast.helper)

    region = client.get(help_needed(cast), headers=FETCH).content.decode()

    assert "<html" not in region
    assert next_page(region) == help_needed(cast) + f"?from={day}&skip={NEEDS_HELP_LIMIT}"


def test_a_small_circle_has_no_show_more(cast: Cast, as_user: Any) -> None:
    make_task(actor=cast.organiser, circle=cast.circle, title="Lift to the dentist")
    page = text_of(as_user(cast.helper).get(help_needed(cast)))
    assert "Lift to the dentist" in page
    assert "Show more help needed" not in page


def test_you_are_going_is_right_for_each_member_on_a_later_page(cast: Cast, second_helper: User) -> None:
    day = circle_today() + datetime.timedelta(days=1)
    crowded_day(cast, NEEDS_HELP_LIMIT, day=day)
    later = make_task(
        actor=cast.organiser,
        circle=cast.circle,
        title="Lift to the dentist",
        start_date=day + datetime.timedelta(days=2),
        people_needed=2,
    )
    task_volunteer(actor=cast.helper, task=later, occurrence_date=later.start_date)
    helper, other = client_for(cast.helper), client_for(second_helper)
    first = text_of(helper.get(help_needed(cast)))  # type: ignore[arg-type]
    assert "Lift to the dentist" not in first
    following = next_page(first)
    assert following is not None

    for _ in range(2):  # Drawn, then kept: each member still sees only their own "You're going".
        going = text_of(helper.get(following))  # type: ignore[arg-type]
        theirs = text_of(other.get(following))  # type: ignore[arg-type]
        assert "Lift to the dentist" in going
        assert "Lift to the dentist" in theirs
        assert going.count("You're going") == 1
        assert "You're going" not in theirs
        assert "<!--going:" not in going + theirs


def test_a_change_shows_at_once_on_a_later_page(cast: Cast, as_user: Any) -> None:
    day = circle_today() + datetime.timedelta(days=1)
    crowded_day(cast, NEEDS_HELP_LIMIT + 2, day=day)
    client = as_user(cast.organiser)
    following = next_page(text_of(client.get(help_needed(cast))))
    assert following is not None
    before = TITLE.findall(text_of(client.get(following)))
    assert len(before) == 2

    make_task(actor=cast.organiser, circle=cast.circle, title="Visit added", start_date=day, start_time=None)

    after = text_of(client.get(following))
    assert len(TITLE.findall(after)) == 3


@pytest.mark.parametrize(
    "query",
    ["?from=yesterday", "?from=1900-01-01", "?from=2999-12-31", "?skip=-4", "?skip=9999999999", "?skip=x&from="],
)
def test_a_page_asked_for_wrongly_shows_the_first(cast: Cast, as_user: Any, query: str) -> None:
    make_task(actor=cast.organiser, circle=cast.circle, title="Lift to the dentist")
    response = as_user(cast.helper).get(help_needed(cast) + query)
    assert response.status_code == 200
    page = text_of(response)
    assert "Lift to the dentist" in page
    assert f"The next {NEEDS_HELP_DAYS} days" in page


def test_a_later_page_costs_no_more_queries_than_the_first(cast: Cast, as_user: Any, settings: Any) -> None:
    settings.TASKS_CACHE_SECONDS = 0  # Count the queries of computing the list, not of reading the cache.
    settings.FRAGMENT_CACHE_SECONDS = 0
    day = circle_today() + datetime.timedelta(days=1)
    crowded_day(cast, NEEDS_HELP_LIMIT + 5, day=day)
    client = as_user(cast.helper)
    first = help_needed(cast)
    following = next_page(text_of(client.get(first)))
    assert following is not None
    # tests/test_query_counts.py: the first page's count, unchanged by paging.
    assert queries_for(client, following) <= queries_for(client, first) <= 5
