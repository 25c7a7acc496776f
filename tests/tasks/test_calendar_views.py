"""The calendar's views as a small tab set, and a month that reads on a phone (docs/architecture/tasks.md)."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.urls import reverse

from tests.cast import Cast
from tests.tasks.conftest import make_task, soon

VIEWS = {"agenda": "Agenda", "needs_help": "Help needed", "week": "Week", "month": "Month"}


def _tabs(html: str) -> list[str]:
    tabs = html[html.index('<ul class="tabs">') :]
    return re.findall(r"<li><a [^>]*>([^<]+)</a></li>", tabs[: tabs.index("</ul>")])


def test_the_views_are_four_tabs_and_the_current_one_is_marked(cast: Cast, as_user: Any) -> None:
    client = as_user(cast.organiser)
    for view, name in VIEWS.items():
        html = client.get(reverse(f"tasks:{view}", kwargs={"circle_id": cast.circle.pk})).content.decode()
        assert _tabs(html) == list(VIEWS.values())
        nav = html[html.index('aria-label="Calendar views"') : html.index("</nav>", html.index("Calendar views"))]
        assert re.findall(r'aria-current="page">([^<]+)<', nav) == [name], view
        # The other helping pages stay one click away, outside the tabs.
        assert "Paid care rota" in nav
        assert "What I'm doing" in nav


def test_the_month_lists_its_busy_days_with_titles_that_fit_a_phone(cast: Cast, as_user: Any) -> None:
    day = soon(3)
    long_title = "Lift to the eye clinic at St James's"
    make_task(actor=cast.organiser, circle=cast.circle, title=long_title, start_date=day)
    for hour in range(8, 12):
        make_task(
            actor=cast.organiser,
            circle=cast.circle,
            title=f"Visit at {hour}",
            start_date=day + datetime.timedelta(days=1),
            start_time=datetime.time(hour),
        )
    html = (
        as_user(cast.helper)
        .get(reverse("tasks:month", kwargs={"circle_id": cast.circle.pk}) + f"?month={day}")
        .content.decode()
    )
    days = html[html.index('<ul class="month-days">') : html.index('<table class="month">')]
    # A day is one list item with its date, the titles in full and a count of the rest.
    assert f'{day:%a} {day.day}<span class="visually-hidden"> {day:%B}: 1 thing</span>' in days
    assert "10:30 Lift to the eye clinic at St James&#x27;s" in days
    busy = day + datetime.timedelta(days=1)
    if busy.month == day.month:
        assert "4 things" in days
        assert "and 1 more" in days
    assert days.count('<li><a class="date"') == (2 if busy.month == day.month else 1)
    # The grid stays for wider screens, where a stylesheet rule swaps the two.
    assert "@media (min-width:40rem){.month{display:table}.month-days,.month-note{display:none}}" in html


def test_an_empty_month_says_so_on_a_phone(cast: Cast, as_user: Any) -> None:
    html = (
        as_user(cast.helper)
        .get(reverse("tasks:month", kwargs={"circle_id": cast.circle.pk}) + "?month=2030-02-01")
        .content.decode()
    )
    assert '<p class="empty month-note">Nothing planned this month.</p>' in html
    assert (
        "month-days" not in html.split("<style", 2)[-1].split("</style>")[-1] or '<ul class="month-days">' not in html
    )
