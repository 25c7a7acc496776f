"""The calendar's days and who's going are worked out once per kept list, never stale and never another viewer's.

tasks/memo.py keeps them with the occurrence list they come from (its key holds the circle's tasks
version and whether private tasks show), under the viewer's time zone, language and the days shown;
who's going is looked up per viewer. Here the list region is drawn on every request
(FRAGMENT_CACHE_SECONDS=0), so each page below is drawn from the kept days, and compared with the
same page drawn with nothing kept (TASKS_MEMO off). Dates come from the code's clock.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from carecircle.accounts.models import User
from carecircle.accounts.services import user_update_profile
from carecircle.circles.models import Role
from carecircle.circles.services import membership_change
from carecircle.tasks import memo, views
from carecircle.tasks.services import task_volunteer
from tests.cast import Cast
from tests.circles.conftest import text_of
from tests.conftest import client_for
from tests.tasks.conftest import make_task, soon

pytestmark = pytest.mark.django_db

PAGES = ["tasks:agenda", "tasks:week", "tasks:month", "tasks:needs_help"]


@pytest.fixture
def drawn_each_time(settings: Any) -> None:
    settings.FRAGMENT_CACHE_SECONDS = 0
    memo.memo_clear()


@pytest.fixture
def groupings(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many occurrences each grouping by day actually went through (not served from the kept days)."""
    done: list[int] = []
    grouping = views.by_day

    def counting(items: Any, **kwargs: Any) -> list[views.Day]:
        items = list(items)
        done.append(len(items))
        return grouping(items, **kwargs)

    monkeypatch.setattr(views, "by_day", counting)
    return done


def address(cast: Cast, name: str, query: str = "") -> str:
    return reverse(name, kwargs={"circle_id": cast.circle.pk}) + query


def showing_soon(cast: Cast, name: str) -> str:
    """The page with the day `soon()` in it: the week or month it falls in."""
    query = {"tasks:week": f"?start={soon()}", "tasks:month": f"?month={soon()}"}.get(name, "")
    return address(cast, name, query)


def page(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return re.sub(r'(nonce|value)="[^"]*"', r'\1=""', response.content.decode())


def settle(user: User, *, language: str, time_zone: str) -> None:
    user_update_profile(
        actor=user, display_name=user.display_name, phone=user.phone, time_zone=time_zone, language=language
    )


def busy_circle(cast: Cast, second_helper: User) -> None:
    """A daily series, a stay of three days (its later days say since when), a private task, someone going."""
    daily = make_task(actor=cast.organiser, circle=cast.circle, title="Morning call", rule="FREQ=DAILY")
    make_task(
        actor=cast.organiser,
        circle=cast.circle,
        title="Stay with Mum",
        start_date=soon(1),
        start_time=datetime.time(18, 0),
        duration_minutes=3 * 1440,
    )
    make_task(actor=cast.organiser, circle=cast.circle, title="Private appointment", private=True, start_date=soon(2))
    task_volunteer(actor=cast.helper, task=daily, occurrence_date=soon())
    task_volunteer(actor=second_helper, task=daily, occurrence_date=soon(4))


@pytest.mark.usefixtures("drawn_each_time")
@pytest.mark.parametrize("name", PAGES)
def test_kept_days_draw_what_each_viewer_would_see_drawn_afresh(
    cast: Cast, second_helper: User, settings: Any, name: str, groupings: list[int]
) -> None:
    """Viewers in three languages and time zones, going to different things, with and without private tasks."""
    busy_circle(cast, second_helper)
    settle(cast.helper, language="cy", time_zone="Europe/London")
    settle(second_helper, language="pl", time_zone="Pacific/Auckland")
    settle(cast.organiser, language="en-gb", time_zone="America/New_York")
    viewers = [cast.helper, second_helper, cast.organiser, cast.paid_carer]
    path = address(cast, name)
    for viewer in viewers:
        page(client_for(viewer), path)
    grouped = len(groupings)

    kept = {viewer.pk: page(client_for(viewer), path) for viewer in viewers}

    if name != "tasks:needs_help":  # Help needed groups only the entries it draws.
        assert len(groupings) == grouped, "every page was drawn from the kept days"
    settings.TASKS_MEMO = False
    for viewer in viewers:
        assert kept[viewer.pk] == page(client_for(viewer), path), viewer.display_name
    if name in ("tasks:agenda", "tasks:needs_help"):  # The others may show another week, or a count.
        assert "Private appointment" in kept[cast.organiser.pk]
    assert "Private appointment" not in kept[cast.helper.pk]


@pytest.mark.usefixtures("drawn_each_time")
def test_the_agenda_is_drawn_from_the_kept_days_in_every_language(cast: Cast, second_helper: User) -> None:
    busy_circle(cast, second_helper)
    path = address(cast, "tasks:agenda")
    texts = {}
    for language in ["en-gb", "cy", "pl"]:
        settle(cast.helper, language=language, time_zone="Europe/London")
        client = client_for(cast.helper)
        page(client, path)
        texts[language] = page(client, path)
    assert "Continues from" in texts["en-gb"]
    assert len(set(texts.values())) == 3, "each language has its own days"
    settle(cast.helper, language="cy", time_zone="Europe/London")
    assert page(client_for(cast.helper), path) == texts["cy"]


@pytest.mark.usefixtures("drawn_each_time")
@pytest.mark.parametrize("name", PAGES)
def test_a_change_by_anyone_shows_at_once(cast: Cast, second_helper: User, name: str) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle, title="Lift to the dentist")
    client = client_for(cast.helper)
    path = showing_soon(cast, name)
    page(client, path)
    page(client, path)

    make_task(actor=cast.organiser, circle=cast.circle, title="Meals on wheels", start_time=datetime.time(14, 0))
    task_volunteer(actor=second_helper, task=task, occurrence_date=soon())

    text = text_of(client.get(path))  # type: ignore[arg-type]
    assert "Meals on wheels" in text
    if name == "tasks:needs_help":
        assert "Lift to the dentist" not in text
    elif name != "tasks:month":
        assert "Covered" in text
    assert "You're going" not in text


@pytest.mark.usefixtures("drawn_each_time")
def test_who_is_going_is_each_viewers_own(cast: Cast, second_helper: User) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle, title="Lift to the dentist")
    path = address(cast, "tasks:agenda")
    page(client_for(cast.helper), path)
    task_volunteer(actor=cast.helper, task=task, occurrence_date=soon())

    going = text_of(client_for(cast.helper).get(path))  # type: ignore[arg-type]
    other = text_of(client_for(second_helper).get(path))  # type: ignore[arg-type]

    assert "You're going" in going
    assert "You're going" not in other


@pytest.mark.usefixtures("drawn_each_time")
@pytest.mark.parametrize("name", PAGES)
def test_a_lost_capability_is_never_served_days_kept_for_the_old_rights(cast: Cast, name: str) -> None:
    make_task(actor=cast.organiser, circle=cast.circle, title="Private appointment", private=True)
    client = client_for(cast.helper)
    path = showing_soon(cast, name)
    membership_change(actor=cast.organiser, member=cast.membership("helper"), role=Role.ORGANISER)
    # The month names a busy day's count, a quiet day's title: one task is a quiet day.
    assert "Private appointment" in page(client, path)
    page(client, path)

    membership_change(actor=cast.organiser, member=cast.membership("helper"), role=Role.HELPER)
    assert "Private appointment" not in page(client, path)

    membership_change(actor=cast.organiser, member=cast.membership("helper"), role=Role.WELL_WISHER)
    assert client.get(path).status_code == 403
