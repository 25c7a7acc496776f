"""The calendar's views as a small tab set, and a month that reads on a phone (docs/architecture/tasks.md)."""

from __future__ import annotations

import calendar
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


def test_the_month_lists_its_days_with_titles_that_fit_a_phone_and_counts_for_busy_ones(
    cast: Cast, as_user: Any
) -> None:
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
    days = html[html.index('<ol class="month-days">') : html.index("</ol>")]
    # One list item a day, linked to its week: a quiet day gives its titles (cut to fit a phone)...
    assert f'<a href="../week/?start={day}">{day:%a} {day.day}</a> <span>10:30 Lift to the eye clinic at St …' in days
    assert "<b>needs help</b></span></li>" in days
    busy = day + datetime.timedelta(days=1)
    if busy.month == day.month:
        # ...a busy one its count, and how many of them need help.
        assert f"{busy:%a} {busy.day}</a> 4 things, 4 need help</li>" in days
    # Every day of the month is there for the grid on a wider screen; a phone hides the empty ones.
    assert days.count("<li") == calendar.monthrange(day.year, day.month)[1]
    assert days.count('class="none"') + days.count(' none"') == days.count("<li") - (
        2 if busy.month == day.month else 1
    )
    assert ".month-days .none{display:none}" in html
    assert "@media (min-width:40rem){.month-days{display:grid;grid-template-columns:repeat(7,1fr)" in html


def test_an_empty_month_says_so_on_a_phone(cast: Cast, as_user: Any) -> None:
    html = (
        as_user(cast.helper)
        .get(reverse("tasks:month", kwargs={"circle_id": cast.circle.pk}) + "?month=2030-02-01")
        .content.decode()
    )
    assert '<p class="empty month-note">Nothing planned this month.</p>' in html
    assert html.count('class="none"') + html.count(' none"') == 28
