"""A stay shows as one stay on every day it covers: the agenda, help needed, week, month, my tasks, home.

Each day after its first says "Continues from Friday" beside the stay's span, in words, and a list
starting part-way through a stay shows it on its first day (docs/architecture/tasks.md). Every
test sets the clock, so none depends on the hour it runs.
"""

from __future__ import annotations

import datetime
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from carecircle.tasks.models import Task
from carecircle.tasks.services import task_volunteer
from tests.cast import Cast
from tests.circles.conftest import text_of
from tests.tasks.conftest import ZONE, make_task

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo(ZONE)
THURSDAY = datetime.date(2026, 12, 3)
FRIDAY = THURSDAY + datetime.timedelta(days=1)
SPAN = "Fri 4 Dec 18:00 \u2013 Mon 7 Dec 10:00"


def at(day: datetime.date, hour: int) -> time_machine.travel:
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(hour), tzinfo=LONDON), tick=False)


def weekend_stay(cast: Cast, **extra: Any) -> Task:
    with at(THURSDAY - datetime.timedelta(days=3), 9):
        return make_task(
            actor=cast.organiser,
            circle=cast.circle,
            title="Stay with Dad",
            start_date=FRIDAY,
            start_time=extra.pop("start_time", datetime.time(18)),
            duration_minutes=extra.pop("duration_minutes", (3 * 24 - 8) * 60),
        )


def sections(text: str) -> dict[str, str]:
    """Each day's heading → the text of its section."""
    # A calendar day is a heading and what follows it; a day of "What I'm doing" a section.
    found = re.findall(
        r'<h2(?: class="day"| id="day-\d+")>(.*?)</h2>(.*?)(?=<h2 class="day"|</section>|</div>)', text, flags=re.DOTALL
    )
    return {re.sub(r"<[^>]+>", "", heading): re.sub(r"<[^>]+>", " ", body) for heading, body in found}


def url(cast: Cast, view: str, **query: str) -> str:
    path = reverse(f"tasks:{view}", kwargs={"circle_id": cast.circle.pk})
    return path + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def test_the_agenda_shows_a_stay_on_each_day_it_covers(cast: Cast, as_user: Any) -> None:
    weekend_stay(cast)
    with at(THURSDAY, 10):
        days = sections(text_of(as_user(cast.helper).get(url(cast, "agenda"))))
    assert SPAN in days["Friday 4 December"]
    assert "Stay with Dad" in days["Friday 4 December"]
    assert "Continues from" not in days["Friday 4 December"]
    for heading in ("Saturday 5 December", "Sunday 6 December", "Monday 7 December"):
        assert "Stay with Dad" in days[heading]
        assert "Continues from Friday" in days[heading]
        assert SPAN in days[heading]
    assert "Tuesday 8 December" not in days


def test_a_list_starting_part_way_through_a_stay_shows_it_continuing(cast: Cast, as_user: Any) -> None:
    weekend_stay(cast)
    with at(THURSDAY, 10):
        days = sections(text_of(as_user(cast.helper).get(url(cast, "agenda", **{"from": "2026-12-06"}))))
    # Nothing from before the list's first day gets a heading of its own.
    assert next(iter(days)) == "Sunday 6 December"
    assert "Continues from Friday" in days["Sunday 6 December"]


def test_help_needed_week_and_month_show_the_stay_on_each_day(cast: Cast, as_user: Any) -> None:
    weekend_stay(cast)
    with at(FRIDAY + datetime.timedelta(days=1), 9):  # Saturday, while it runs
        client = as_user(cast.helper)  # Signed in at that time, so the session is fresh then.
        needs = sections(text_of(client.get(url(cast, "needs_help"))))
        week = sections(text_of(client.get(url(cast, "week", start="2026-12-07"))))
        month = text_of(client.get(url(cast, "month", month="2026-12-01")))
    assert next(iter(needs)) == "Today, Saturday 5 December"
    assert "Continues from Friday" in needs["Today, Saturday 5 December"]
    assert "Continues from Friday" in needs["Monday 7 December"]
    assert "Continues from Friday" in week["Monday 7 December"]
    assert "Stay with Dad" in week["Monday 7 December"]
    assert "Stay with Dad" not in week["Tuesday 8 December"]
    # The month's one list of days (a grid on a wider screen): the stay on its four days, the later three continuing.
    assert month.count("Continues from Friday") == 3
    assert SPAN in month


def test_my_tasks_and_the_home_page_show_the_span(cast: Cast, as_user: Any) -> None:
    stay = weekend_stay(cast)
    with at(THURSDAY, 10):
        task_volunteer(actor=cast.helper, task=stay, occurrence_date=FRIDAY)
    with at(FRIDAY + datetime.timedelta(days=2), 9):  # Sunday
        client = as_user(cast.helper)
        mine = sections(text_of(client.get(reverse("tasks:mine"))))
        home = text_of(client.get(reverse("circles:home", kwargs={"circle_id": cast.circle.pk})))
    assert "Continues from Friday" in mine["Today, Sunday 6 December"]
    assert "Stay with Dad" in mine["Monday 7 December"]
    assert f"Stay with Dad</a>, {SPAN}" in home


def test_an_all_day_stay_reads_as_its_days(cast: Cast, as_user: Any) -> None:
    weekend_stay(cast, start_time=None, duration_minutes=3 * 1440)
    with at(THURSDAY, 10):
        days = sections(text_of(as_user(cast.helper).get(url(cast, "agenda"))))
    assert "Fri 4 Dec \u2013 Sun 6 Dec, all day" in days["Friday 4 December"]
    assert "Continues from Friday" in days["Sunday 6 December"]
    assert "Monday 7 December" not in days


def test_a_viewer_elsewhere_sees_the_stay_on_their_own_days(cast: Cast, as_user: Any) -> None:
    """18:00 in London is 02:00 on Saturday in Tokyo, so there it begins on Saturday."""
    weekend_stay(cast)
    cast.helper.time_zone = "Asia/Tokyo"
    cast.helper.save(update_fields=["time_zone"])
    with at(THURSDAY, 10):
        days = sections(text_of(as_user(cast.helper).get(url(cast, "agenda"))))
    assert "Friday 4 December" not in days
    assert "Sat 5 Dec 03:00 \u2013 Mon 7 Dec 19:00" in days["Saturday 5 December"]
    assert "Continues from Saturday" in days["Monday 7 December"]


@pytest.mark.parametrize(
    ("language", "continues", "span"),
    [
        ("cy", "Yn parhau ers: dydd Gwener", "Gwe 4 Rhag 18:00 \u2013 Llu 7 Rhag 10:00"),
        ("pl", "Ciąg dalszy (od: piątek)", "pt 4 gru 18:00 \u2013 pon 7 gru 10:00"),
    ],
)
def test_the_span_reads_in_welsh_and_polish(cast: Cast, as_user: Any, language: str, continues: str, span: str) -> None:
    weekend_stay(cast)
    cast.helper.language = language
    cast.helper.save(update_fields=["language"])
    with at(THURSDAY, 10):
        text = text_of(as_user(cast.helper).get(url(cast, "agenda")))
    assert continues in text
    assert span in text
