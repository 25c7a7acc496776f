"""The calendar pages: agenda (grouped by day), needs help, my tasks, week and month.

All are server-rendered lists that work without JavaScript, in the viewer's time zone (activated
by accounts' ViewerTimezoneMiddleware). live.js refetches the list region with the same URL; a
request marked X-Requested-With: fetch gets the region alone.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from carecircle.circles.access import CircleAccess, access_circle
from carecircle.circles.conditional import not_modified, with_etag
from carecircle.circles.fragments import cached_fragment
from carecircle.circles.pages import circle_context, viewer
from carecircle.circles.permissions import capabilities_for
from carecircle.circles.selectors import circle_memberships_for
from carecircle.lib.date_words import short_date
from carecircle.tasks.cache import tasks_version
from carecircle.tasks.schedule import TaskOccurrence, occurrence_days
from carecircle.tasks.selectors import occurrences_for

AGENDA_DAYS = 14
# Enough for a busy fortnight while the page stays within the first network round trip (14 KB).
AGENDA_LIMIT = 40
WEEK_DAY_LIMIT = 6
NEEDS_HELP_DAYS = 28
LIVE_TYPES = "task.changed"
ONE_DAY = datetime.timedelta(days=1)


@dataclass
class Day:
    date: datetime.date
    # What begins on this day.
    items: list[TaskOccurrence] = field(default_factory=list)
    more: int = 0
    # What the day's list shows: stays begun on an earlier day first, each with words saying since
    # when ("Continues from Friday"), then what begins on it (with "").
    entries: list[tuple[TaskOccurrence, str]] = field(default_factory=list)

    @property
    def is_today(self) -> bool:
        return self.date == timezone.localdate()


def _zone() -> datetime.tzinfo:
    return timezone.get_current_timezone()


def _midnight(day: datetime.date) -> datetime.datetime:
    """Midnight of a day in the viewer's time zone, as an aware datetime."""
    return datetime.datetime.combine(day, datetime.time(), tzinfo=_zone()).astimezone(datetime.UTC)


def _date_param(request: HttpRequest, name: str, default: datetime.date) -> datetime.date:
    """A date from the query string; anything unreadable or absurd falls back to the default."""
    try:
        value = datetime.date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return default
    return value if datetime.date(1900, 1, 1) <= value <= datetime.date(2999, 12, 31) else default


def local_days(item: TaskOccurrence, zone: datetime.tzinfo) -> tuple[datetime.date, datetime.date]:
    """The first and last day an occurrence covers on the viewer's clock (all-day ones keep their dates)."""
    if item.occurrence.all_day:
        return occurrence_days(item.occurrence, item.task.time_zone)
    first = item.start_utc().astimezone(zone).date()
    # An end at midnight closes the day before, as on the task's page.
    last = (item.end_utc() - datetime.timedelta(microseconds=1)).astimezone(zone).date()
    return first, max(first, last)


def _since_words(began: datetime.date, day: datetime.date) -> str:
    # Within a week the day's name is enough; a longer stay names the date.
    style = "l" if (day - began).days < 7 else "l j E"
    return _("Continues from %(day)s") % {"day": date_format(began, style)}


def by_day(
    items: Iterable[TaskOccurrence],
    *,
    days: Iterable[datetime.date] | None = None,
    first: datetime.date | None = None,
    last: datetime.date | None = None,
) -> list[Day]:
    """Occurrences grouped by the local day they start on, and a stay also on each later day it runs into.

    With `days`, every one of those days appears; `first` and `last` bound the days shown, so a stay
    begun before them shows as continuing on the first (docs/architecture/tasks.md).
    """
    zone = _zone()
    grouped: dict[datetime.date, Day] = {day: Day(day) for day in days or ()}
    continuing: dict[datetime.date, list[tuple[TaskOccurrence, str]]] = {}
    for item in items:
        began, ends = local_days(item, zone)
        if last is not None:
            ends = min(ends, last)
        if first is None or began >= first:
            grouped.setdefault(began, Day(began)).items.append(item)
        day = max(began + ONE_DAY, first) if first is not None else began + ONE_DAY
        while day <= ends:
            grouped.setdefault(day, Day(day))
            continuing.setdefault(day, []).append((item, _since_words(began, day)))
            day += ONE_DAY
    for day, entry in grouped.items():
        entry.entries = [*continuing.get(day, []), *((item, "") for item in entry.items)]
    return [grouped[day] for day in sorted(grouped)]


def _is_fragment(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def _versions(access: CircleAccess) -> list[str]:
    """The tasks version, for the calendar pages' ETags and fragments besides the circle's sequence.

    The version is renewed after a change commits, so a list read while it was committing (and
    cached under the version of that moment) never stands behind a 304 or a cached fragment.
    """
    return [f"tasks:{tasks_version(access.circle.pk) or ''}"]


def _going(access: CircleAccess, days: Iterable[Day | None]) -> str:
    """The occurrences on the page the viewer is going to: all the fragment shows of who's looking."""
    mine = [
        f"{item.task.pk}@{item.original_date}"
        for day in days
        if day is not None
        for item, _since in day.entries
        if access.user_id in item.going_ids()
    ]
    return "going:" + ",".join(mine)


def _list_page(request: HttpRequest, access: CircleAccess, *, view: str, days: list[Day], **extra: Any) -> HttpResponse:
    context = circle_context(access, view=view, days=days, live_types=LIVE_TYPES, viewer_id=access.user_id, **extra)
    context["live_src"] = request.get_full_path()
    versions = _versions(access)
    # The list region is the same in the page and in the refetch live.js makes when a task changes,
    # when every member with the page open asks at once: it is drawn once per version, capability
    # set and position (circles/fragments.py), and the page around it is all that is drawn per view.
    shown = [*days, *(day for row in extra.get("weeks", []) for day in row)]
    html = cached_fragment(
        request,
        access,
        f"tasks:{view}",
        [*versions, _going(access, shown)],
        lambda: render_to_string("tasks/calendar.html#days", context, request),
    )
    if not _is_fragment(request):
        context["days_html"] = mark_safe(html)  # noqa: S308 (rendered, so escaped)
        return with_etag(request, access, render(request, "tasks/calendar.html", context), extra=versions)
    return with_etag(request, access, HttpResponse(html), extra=versions)


@require_http_methods(["GET"])
@login_required
def agenda(request: HttpRequest, circle_id: int) -> HttpResponse:
    access = access_circle(user=request.user, circle_id=circle_id, capability="tasks.view")
    if (unchanged := not_modified(request, access, extra=_versions(access))) is not None:
        return unchanged
    start = _date_param(request, "from", timezone.localdate())
    end = start + datetime.timedelta(days=AGENDA_DAYS)
    items = occurrences_for(accesses=[access], window_start=_midnight(start), window_end=_midnight(end))
    days = by_day(items, first=start, last=end - ONE_DAY)
    if sum(len(day.entries) for day in days) > AGENDA_LIMIT:
        days, end = _first_days(days, AGENDA_LIMIT)
    return _list_page(
        request,
        access,
        view="agenda",
        days=days,
        title=_("What's happening"),
        period=_("%(first)s to %(last)s") % {"first": _day(start), "last": _day(end - datetime.timedelta(days=1))},
        earlier=f"?from={start - datetime.timedelta(days=AGENDA_DAYS)}",
        later=f"?from={end}",
    )


def _first_days(days: list[Day], limit: int) -> tuple[list[Day], datetime.date]:
    """Whole days up to about `limit` occurrences (at least one day), and the day after the last shown."""
    shown: list[Day] = []
    count = 0
    for day in days:
        if shown and count + len(day.entries) > limit:
            break
        shown.append(day)
        count += len(day.entries)
    return shown, shown[-1].date + datetime.timedelta(days=1)


@require_http_methods(["GET"])
@login_required
def needs_help(request: HttpRequest, circle_id: int) -> HttpResponse:
    access = access_circle(user=request.user, circle_id=circle_id, capability="tasks.view")
    if (unchanged := not_modified(request, access, extra=_versions(access))) is not None:
        return unchanged
    start = timezone.localdate()
    end = start + datetime.timedelta(days=NEEDS_HELP_DAYS)
    items = occurrences_for(
        accesses=[access], window_start=_midnight(start), window_end=_midnight(end), needs_help=True
    )
    return _list_page(
        request,
        access,
        view="needs_help",
        days=by_day(items, first=start, last=end - ONE_DAY),
        title=_("Help needed"),
        period=_("The next %(days)s days") % {"days": NEEDS_HELP_DAYS},
    )


@require_http_methods(["GET"])
@login_required
def week(request: HttpRequest, circle_id: int) -> HttpResponse:
    access = access_circle(user=request.user, circle_id=circle_id, capability="tasks.view")
    if (unchanged := not_modified(request, access, extra=_versions(access))) is not None:
        return unchanged
    chosen = _date_param(request, "start", timezone.localdate())
    monday = chosen - datetime.timedelta(days=chosen.weekday())
    days = [monday + datetime.timedelta(days=offset) for offset in range(7)]
    items = occurrences_for(
        accesses=[access], window_start=_midnight(monday), window_end=_midnight(monday + datetime.timedelta(days=7))
    )
    week_days = by_day(items, days=days, first=days[0], last=days[-1])
    for day in week_days:
        day.more = max(len(day.entries) - WEEK_DAY_LIMIT, 0)
        day.entries = day.entries[:WEEK_DAY_LIMIT]
    return _list_page(
        request,
        access,
        view="week",
        days=week_days,
        title=_("Week"),
        period=_("Week of %(day)s") % {"day": _day(monday)},
        earlier=f"?start={monday - datetime.timedelta(days=7)}",
        later=f"?start={monday + datetime.timedelta(days=7)}",
    )


@require_http_methods(["GET"])
@login_required
def month(request: HttpRequest, circle_id: int) -> HttpResponse:
    access = access_circle(user=request.user, circle_id=circle_id, capability="tasks.view")
    if (unchanged := not_modified(request, access, extra=_versions(access))) is not None:
        return unchanged
    chosen = _date_param(request, "month", timezone.localdate())
    first = chosen.replace(day=1)
    length = calendar.monthrange(first.year, first.month)[1]
    following = first + datetime.timedelta(days=length)
    items = occurrences_for(accesses=[access], window_start=_midnight(first), window_end=_midnight(following))
    grouped = {day.date: day for day in by_day(items, first=first, last=following - ONE_DAY)}
    weeks: list[list[Day | None]] = []
    for row in calendar.Calendar().monthdatescalendar(first.year, first.month):
        weeks.append([grouped.get(day, Day(day)) if day.month == first.month else None for day in row])
    previous = (first - datetime.timedelta(days=1)).replace(day=1)
    return _list_page(
        request,
        access,
        view="month",
        days=[],
        weeks=weeks,
        # The same days as a list for a phone, leaving out the empty ones.
        month_days=[day for row in weeks for day in row if day and day.entries],
        title=_("Month"),
        period=date_format(first, "F Y"),
        earlier=f"?month={previous}",
        later=f"?month={following}",
        week_url=reverse("tasks:week", kwargs={"circle_id": circle_id}),
    )


@require_http_methods(["GET"])
@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """What I'm going to, across all my circles, for the next four weeks."""
    person = viewer(request)
    accesses = []
    for membership in circle_memberships_for(viewer=person):
        circle = membership.circle
        # The person-is-member flag only changes consent.manage, which this page doesn't use.
        capabilities = capabilities_for(role=membership.role, consent=circle.consent, person_is_member=False)
        if "tasks.view" in capabilities:
            accesses.append(CircleAccess(circle, membership, capabilities, person_is_member=False))
    # Every circle drawn from is in the ETag (its event sequence and the viewer's rights there), so
    # a change in any of them, or joining, leaving or losing tasks.view in one, renders the page again.
    if (unchanged := not_modified(request, accesses)) is not None:
        return unchanged
    start = timezone.localdate()
    end = start + datetime.timedelta(days=NEEDS_HELP_DAYS)
    items = occurrences_for(
        accesses=accesses, window_start=_midnight(start), window_end=_midnight(end), going_user_id=person.pk
    )
    context = {
        "nav": "circles",
        "days": by_day(items, first=start, last=end - ONE_DAY),
        "view": "mine",
        "title": _("What I'm doing"),
        "period": _("The next %(days)s days") % {"days": NEEDS_HELP_DAYS},
        "viewer_id": person.pk,
        "several_circles": len(accesses) > 1,
    }
    return with_etag(request, accesses, render(request, "tasks/mine.html", context))


def _day(day: datetime.date) -> str:
    return short_date(day, "D j M")
