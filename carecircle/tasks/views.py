"""The calendar pages: agenda (grouped by day), needs help, my tasks, week and month.

All are server-rendered lists that work without JavaScript, in the viewer's time zone (activated
by accounts' ViewerTimezoneMiddleware). live.js refetches the list region with the same URL; a
request marked X-Requested-With: fetch gets the region alone.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime
import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from carecircle.circles.access import CircleAccess, access_circle
from carecircle.circles.conditional import not_modified, with_etag
from carecircle.circles.fragments import KeptRegions, cached_viewer_region
from carecircle.circles.pages import circle_context, viewer
from carecircle.circles.permissions import capabilities_for
from carecircle.circles.selectors import circle_memberships_for
from carecircle.lib.date_words import short_date
from carecircle.tasks.cache import last_seen_version, version_from, version_key
from carecircle.tasks.memo import worked_out
from carecircle.tasks.schedule import TaskOccurrence, occurrence_days
from carecircle.tasks.selectors import kept_occurrences, occurrences_for, occurrences_key, occurrences_read

AGENDA_DAYS = 14
# Entries on one page of the agenda: with the page frame, within the first network round trip (14 KB
# uncompressed) however big the circle; a busy day goes on on the next page ("Later" with ?skip=).
AGENDA_LIMIT = 14
# A week shows up to WEEK_LIMIT entries: each day's first three, or in a busier week an equal share of
# WEEK_LIMIT for each day with anything on (at least one), then "N more on this day". Ten long titles
# fit the first round trip with the page frame in every language, on any date
# (docs/architecture/tasks.md, "Calendar pages within 14 KB").
WEEK_LIMIT = 10
WEEK_DAY_LIMIT = 3
# The month gives a day's titles when it has at most this many entries, else its count in words,
# and no more titles than MONTH_TITLES in all: 31 busy days fit the first round trip.
MONTH_DAY_TITLES = 2
MONTH_TITLES = 12
NEEDS_HELP_DAYS = 28
# Occurrences on one page of "Help needed": the page frame is about 11 KB, so ten rows keep the page
# within the first round trip (14 KB uncompressed) however big the circle; the rest is behind "Show
# more" (docs/architecture/tasks.md).
NEEDS_HELP_LIMIT = 10
LIVE_TYPES = "task.changed"
ONE_DAY = datetime.timedelta(days=1)


@dataclass
class Day:
    date: datetime.date
    # What begins on this day.
    items: list[TaskOccurrence] = field(default_factory=list)
    more: int = 0
    # In the month: the entries shown by title, how many need help, and its column in the grid
    # when it is the month's first day (0 for the rest: they follow on).
    titles: list[tuple[TaskOccurrence, str]] = field(default_factory=list)
    needs: int = 0
    column: int = 0
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


def kept_by_day(
    items: list[TaskOccurrence],
    *,
    days: Iterable[datetime.date] | None = None,
    first: datetime.date | None = None,
    last: datetime.date | None = None,
) -> list[Day]:
    """`by_day`, worked out once per kept list, time zone, language and days shown (tasks/memo.py).

    Grouping a fortnight's occurrences was the agenda's biggest cost once its list and region were
    kept. The days given are shared with the next request: change a copy (`dataclasses.replace`).
    """
    shown = tuple(days or ())
    what = ("by_day", str(_zone()), translation.get_language(), shown, first, last)
    return worked_out(items, what, lambda: by_day(items, days=shown, first=first, last=last))


def _relative(path: str, base: str) -> str:
    """`path` (a folder, ending in /) as a link from a page at `base`: "../" or "" rather than the whole path."""
    found = posixpath.relpath(path, base)
    return "" if found == "." else found + "/"


def _is_fragment(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


class _KeptList:
    """A calendar page's list and its drawn region, read with the circle's tasks version in one round trip.

    The region's key holds the tasks version and the occurrences on the page the viewer is going to,
    so it can't be worked out before the list is known, nor the list read before the version. The
    list this process keeps under the version it saw last (`last_seen_version`) gives a guess: the
    region under the guessed key is read with the version itself (one `MGET`), and served only when
    the version read is the guessed one. Otherwise the list is read under the version read and the
    region drawn from it and kept, never served from the guessed key. The version read also goes in
    the ETag, so a list read while a change was committing never stands behind a 304.
    """

    def __init__(
        self,
        request: HttpRequest,
        access: CircleAccess,
        *,
        view: str,
        window_start: datetime.datetime,
        window_end: datetime.datetime,
        needs_help: bool = False,
        going_later: bool = False,
    ) -> None:
        self.request, self.access, self.name = request, access, f"tasks:{view}"
        self.window = (window_start, window_end)
        self.needs_help = needs_help
        self.going_later = going_later
        circle_id = access.circle.pk
        start, end = window_start, window_end
        seen = last_seen_version(circle_id)
        guessed = None
        if seen is not None:
            guessed = kept_occurrences(
                access=access, window_start=start, window_end=end, version=seen, needs_help=needs_help
            )
        self.kept = KeptRegions(access)
        ahead = [] if seen is None or guessed is None else [(self.name, self._parts(seen, guessed))]
        # Without the list in this process, the list itself is read ahead (another process may have kept it).
        list_key = None
        if seen is not None and guessed is None:
            list_key = occurrences_key(access=access, window_start=start, window_end=end, version=seen)
        self.kept.read(ahead, also=[version_key(circle_id), *([list_key] if list_key else [])])
        self.version = version_from(circle_id, self.kept.values.get(version_key(circle_id)))
        if seen is None or self.version != seen:
            guessed = None
        elif list_key is not None:
            found = self.kept.values.get(list_key)
            guessed = occurrences_read(
                access=access, window_start=start, window_end=end, version=seen, found=found, needs_help=needs_help
            )
        self._items = guessed

    @property
    def versions(self) -> list[str]:
        """The tasks version read, for the page's ETag besides the circle's sequence."""
        return [f"tasks:{self.version or ''}"]

    def items(self) -> list[TaskOccurrence]:
        if self._items is None:
            self._items = occurrences_for(
                accesses=[self.access],
                window_start=self.window[0],
                window_end=self.window[1],
                needs_help=self.needs_help,
                version=self.version,
                keep=self.kept.keep,
            )
        return self._items

    def region(self, render: Callable[[], str]) -> str:
        """The list region: read ahead under the version read, else drawn (and kept with `write`)."""
        parts = self._parts(self.version, self.items())
        # Its key is known only now when the guess was wrong: drawn, not read on its own.
        self.kept.draw_unread(self.name, parts)
        html = self.kept.region(self.name, parts, render)
        return fill_in_going(html, self.access, self.items()) if self.going_later else html

    def write(self) -> bool:
        """Keep the drawn region; False when the reader's date moved on meanwhile (then no ETag)."""
        return self.kept.write()

    def _parts(self, version: str | None, items: list[TaskOccurrence]) -> list[str]:
        # The address (with its date window) first: the region is answered at it (a live refetch).
        parts = [self.request.get_full_path(), f"tasks:{version or ''}"]
        # Drawn with a marker where "You're going" goes, the region is the same for every viewer.
        return parts if self.going_later else [*parts, "going:" + ",".join(_going(self.access, items))]


def _going(access: CircleAccess, items: list[TaskOccurrence]) -> list[str]:
    """The occurrences in the page's window the viewer is going to: all the region shows of who's looking."""
    return worked_out(items, ("going",), lambda: _going_by_member(items)).get(access.user_id, [])


def _going_by_member(items: list[TaskOccurrence]) -> dict[int, list[str]]:
    """For each member going to anything in `items`, what they are going to, in the list's order."""
    going: dict[int, list[str]] = {}
    for item in items:
        for user_id in item.going_ids():
            going.setdefault(user_id, []).append(f"{item.task.pk}@{item.original_date}")
    return going


GOING_MARKER = re.compile(r"<!--going:(\d+@[0-9-]+)-->")


def fill_in_going(html: str, access: CircleAccess, items: list[TaskOccurrence]) -> str:
    """The region drawn with `going_later` (tasks/status.html), with "You're going" where the viewer is.

    Every marker goes, so the page shows exactly what a region drawn for this viewer would.
    """
    going = set(_going(access, items))
    if not going:
        return GOING_MARKER.sub("", html)
    tag = ' <span class="tag">' + escape(_("You're going")) + "</span>"
    return GOING_MARKER.sub(lambda found: tag if found[1] in going else "", html)


def _list_page(
    request: HttpRequest,
    access: CircleAccess,
    kept: _KeptList,
    *,
    view: str,
    days: list[Day] | Callable[[], tuple[list[Day], dict[str, Any]]],
    **extra: Any,
) -> HttpResponse:
    """The page, or its list region alone for live.js.

    `days` may be worked out only when the region is drawn: then a callable giving the days and
    anything else the region shows (such as where "Show more" leads).
    """
    context = circle_context(access, view=view, live_types=LIVE_TYPES, viewer_id=access.user_id, **extra)
    context["live_src"] = request.get_full_path()
    # The region's links to a task, relative to the page's address (the region is only shown there).
    context["tasks_base"] = _relative(reverse("tasks:agenda", kwargs={"circle_id": access.circle.pk}), request.path)

    def draw() -> str:
        shown, more = days() if callable(days) else (days, {})
        return render_to_string("tasks/calendar.html#days", {**context, **more, "days": shown}, request)

    # The list region is the same in the page and in the refetch live.js makes when a task changes,
    # when every member with the page open asks at once: it is drawn once per version, capability
    # set and position (circles/fragments.py), and the page around it is all that is drawn per view.
    html = kept.region(draw)
    if not _is_fragment(request):
        context["days_html"] = mark_safe(html)  # noqa: S308 (rendered, so escaped)
        response = render(request, "tasks/calendar.html", context)
    else:
        response = HttpResponse(html)
    if not kept.write():
        return response
    return with_etag(request, access, response, extra=kept.versions)


@require_http_methods(["GET"])
@login_required
def agenda(request: HttpRequest, circle_id: int) -> HttpResponse:
    access = access_circle(user=request.user, circle_id=circle_id, capability="tasks.view")
    page = _agenda_page(request, timezone.localdate())
    start = page.start
    end = start + datetime.timedelta(days=AGENDA_DAYS)
    kept = _KeptList(request, access, view="agenda", window_start=_midnight(start), window_end=_midnight(end))
    if (unchanged := not_modified(request, access, extra=kept.versions)) is not None:
        return unchanged
    days, following = first_entries(kept_by_day(kept.items(), first=start, last=end - ONE_DAY), page, AGENDA_LIMIT)
    if following is not None:
        # Cut short: up to the last day shown, and "Later" goes on from where this page stops.
        end = following.start + ONE_DAY if following.skip else following.start
    return _list_page(
        request,
        access,
        kept,
        view="agenda",
        days=days,
        title=_("What's happening"),
        period=_("%(first)s to %(last)s") % {"first": _day(start), "last": _day(end - datetime.timedelta(days=1))},
        earlier=f"?from={start - datetime.timedelta(days=AGENDA_DAYS)}",
        later=following.query() if following is not None else f"?from={end}",
    )


def _agenda_page(request: HttpRequest, today: datetime.date) -> HelpPage:
    """Where the agenda starts: a day (today unless asked), and how many of its entries an earlier page showed."""
    start = _date_param(request, "from", today)
    skip = request.GET.get("skip", "0")
    # A day's entries are bounded by the circle's tasks: anything longer than a few digits is not a page.
    return HelpPage(start, int(skip) if skip.isdigit() and len(skip) <= 6 else 0)


@dataclass
class HelpPage:
    """Where a page of "Help needed" starts: a day, and how many of that day's entries earlier pages showed."""

    start: datetime.date
    skip: int = 0

    def query(self) -> str:
        return f"?from={self.start}" + (f"&skip={self.skip}" if self.skip else "")


def _help_page(request: HttpRequest, today: datetime.date, end: datetime.date) -> HelpPage:
    """The page asked for; a day outside the window or a count that isn't one falls back to the start."""
    start = _date_param(request, "from", today)
    if not today <= start < end:
        return HelpPage(today)
    skip = request.GET.get("skip", "0")
    # A day's entries are bounded by the circle's tasks: anything longer than a few digits is not a page.
    return HelpPage(start, int(skip) if skip.isdigit() and len(skip) <= 6 else 0)


def first_entries(days: list[Day], page: HelpPage, limit: int) -> tuple[list[Day], HelpPage | None]:
    """Up to `limit` entries from where `page` starts (a day may be split), and where the next page starts."""
    shown: list[Day] = []
    count = 0
    for day in days:
        entries = day.entries[page.skip :] if day.date == page.start else day.entries
        if not entries and day.date == page.start and page.skip:
            continue
        if count >= limit:
            return shown, HelpPage(day.date, len(day.entries) - len(entries))
        taken = entries[: limit - count]
        part = Day(day.date, items=day.items, entries=taken)
        shown.append(part)
        count += len(taken)
        if len(taken) < len(entries):
            return shown, HelpPage(day.date, len(day.entries) - len(entries) + len(taken))
    return shown, None


@require_http_methods(["GET"])
@login_required
def needs_help(request: HttpRequest, circle_id: int) -> HttpResponse:
    access = access_circle(user=request.user, circle_id=circle_id, capability="tasks.view")
    today = timezone.localdate()
    end = today + datetime.timedelta(days=NEEDS_HELP_DAYS)
    page = _help_page(request, today, end)
    kept = _KeptList(
        request,
        access,
        view="needs_help",
        window_start=_midnight(page.start),
        window_end=_midnight(end),
        needs_help=True,
        going_later=True,
    )
    if (unchanged := not_modified(request, access, extra=kept.versions)) is not None:
        return unchanged
    base = reverse("tasks:needs_help", kwargs={"circle_id": circle_id})

    def days() -> tuple[list[Day], dict[str, Any]]:
        # Grouping help needed by day is most of the page's work: only when the region is drawn.
        shown, following = first_entries(
            kept_by_day(kept.items(), first=page.start, last=end - ONE_DAY), page, NEEDS_HELP_LIMIT
        )
        more = {"more_href": base + following.query() if following else "", "first_href": ""}
        if page.start != today or page.skip:
            more["first_href"] = base
        return shown, more

    later = page.start != today or page.skip
    return _list_page(
        request,
        access,
        kept,
        view="needs_help",
        days=days,
        title=_("Help needed"),
        period=_("%(first)s to %(last)s") % {"first": _day(page.start), "last": _day(end - ONE_DAY)}
        if later
        else _("The next %(days)s days") % {"days": NEEDS_HELP_DAYS},
        going_later=True,
    )


def week_day_share(days: list[Day]) -> int:
    """How many entries each day of a week shows: up to three in a quiet week, else a share of WEEK_LIMIT."""
    if sum(len(day.entries) for day in days) <= WEEK_LIMIT:
        return WEEK_DAY_LIMIT
    busy = sum(1 for day in days if day.entries)
    return max(1, min(WEEK_DAY_LIMIT, WEEK_LIMIT // busy))


@require_http_methods(["GET"])
@login_required
def week(request: HttpRequest, circle_id: int) -> HttpResponse:
    access = access_circle(user=request.user, circle_id=circle_id, capability="tasks.view")
    chosen = _date_param(request, "start", timezone.localdate())
    monday = chosen - datetime.timedelta(days=chosen.weekday())
    days = [monday + datetime.timedelta(days=offset) for offset in range(7)]
    kept = _KeptList(
        request,
        access,
        view="week",
        window_start=_midnight(monday),
        window_end=_midnight(monday + datetime.timedelta(days=7)),
    )
    if (unchanged := not_modified(request, access, extra=kept.versions)) is not None:
        return unchanged
    shared = kept_by_day(kept.items(), days=days, first=days[0], last=days[-1])
    week_days = [dataclasses.replace(day) for day in shared]
    each = week_day_share(week_days)
    for day in week_days:
        day.more = max(len(day.entries) - each, 0)
        day.entries = day.entries[:each]
    return _list_page(
        request,
        access,
        kept,
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
    chosen = _date_param(request, "month", timezone.localdate())
    first = chosen.replace(day=1)
    length = calendar.monthrange(first.year, first.month)[1]
    following = first + datetime.timedelta(days=length)
    kept = _KeptList(request, access, view="month", window_start=_midnight(first), window_end=_midnight(following))
    if (unchanged := not_modified(request, access, extra=kept.versions)) is not None:
        return unchanged
    shared = kept_by_day(kept.items(), first=first, last=following - ONE_DAY)
    grouped = {day.date: dataclasses.replace(day) for day in shared}
    cells = [
        grouped.get(first + datetime.timedelta(days=offset)) or Day(first + datetime.timedelta(days=offset))
        for offset in range(length)
    ]
    cells[0].column = first.weekday() + 1 if first.weekday() else 0
    titles_left = MONTH_TITLES
    for day in cells:
        day.needs = sum(1 for item, _since in day.entries if item.status == "needs_help")
        if day.entries and len(day.entries) <= min(MONTH_DAY_TITLES, titles_left):
            day.titles = day.entries
            titles_left -= len(day.entries)
    previous = (first - datetime.timedelta(days=1)).replace(day=1)
    week_url = reverse("tasks:week", kwargs={"circle_id": circle_id})
    return _list_page(
        request,
        access,
        kept,
        view="month",
        days=[],
        month_cells=cells,
        month_busy=any(day.entries for day in cells),
        title=_("Month"),
        period=date_format(first, "F Y"),
        earlier=f"?month={previous}",
        later=f"?month={following}",
        # Relative to the month's address (the region is only ever shown there): 31 times shorter.
        week_url=_relative(week_url, request.path),
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
    context = {
        "nav": "circles",
        "view": "mine",
        "title": _("What I'm doing"),
        "period": _("The next %(days)s days") % {"days": NEEDS_HELP_DAYS},
        "viewer_id": person.pk,
    }

    def draw() -> str:
        items = occurrences_for(
            accesses=accesses, window_start=_midnight(start), window_end=_midnight(end), going_user_id=person.pk
        )
        days = by_day(items, first=start, last=end - ONE_DAY)
        return render_to_string("tasks/mine.html#days", {**context, "days": days}, request)

    # The list is the viewer's own, kept for them alone under every circle's event sequence and
    # their rights there (circles/fragments.py viewer_region_key): any change to a task they are
    # going to records a circle event, so a kept copy is never stale.
    context["days_html"] = cached_viewer_region(person.pk, accesses, "tasks:mine", [], draw)
    return with_etag(request, accesses, render(request, "tasks/mine.html", context))


def _day(day: datetime.date) -> str:
    return short_date(day, "D j M")
