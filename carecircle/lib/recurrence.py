"""Repeating tasks: occurrences of a repeat pattern in a window, overrides and splits.

Framework-free so the pages, the API and the calendar feed all expand a series the same way. The
pattern itself (the RRULE subset, its checks and text) is lib/repeat_rule.py. See
docs/architecture/recurrence.md for the decisions (wall-clock times, daylight saving, limits).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from dateutil import rrule as dateutil_rrule
from django.utils.formats import date_format
from django.utils.translation import gettext

from carecircle.lib.repeat_rule import Frequency, Rule
from carecircle.lib.wall_clock import check_naive, to_utc, zone_named

# Wall-clock times are naive by design: the circle's time zone applies to them.
_END_OF_TIME = datetime.combine(date.max, time.max)


# Wider than any daylight-saving shift, so no occurrence near a window edge is missed before the
# exact comparison in UTC.
_PADDING = timedelta(days=1)


@dataclass(frozen=True)
class Override:
    """A change to one occurrence, keyed by the occurrence's original local date (like RECURRENCE-ID)."""

    cancelled: bool = False
    start_local: datetime | None = None
    duration: timedelta | None = None

    def __post_init__(self) -> None:
        if self.cancelled == (self.start_local is not None):
            raise ValueError("A change to one occurrence either cancels it or moves it. Give a new start to move it.")
        if self.cancelled and self.duration is not None:
            raise ValueError("A cancelled occurrence has no length. Leave the duration out.")
        if self.start_local is not None:
            check_naive(self.start_local)
        if self.duration is not None and self.duration < timedelta(0):
            raise ValueError("A task can't end before it starts. Choose an end after the start.")

    @classmethod
    def cancel(cls) -> Override:
        return cls(cancelled=True)

    @classmethod
    def move(cls, start_local: datetime, duration: timedelta | None = None) -> Override:
        return cls(start_local=start_local, duration=duration)


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One occurrence: timed ones have UTC instants, all-day ones have dates (end date exclusive)."""

    original_date: date
    start_utc: datetime | None
    end_utc: datetime | None
    is_override: bool
    start_date: date | None = None
    end_date: date | None = None

    @property
    def all_day(self) -> bool:
        return self.start_date is not None


class SeriesSplit(NamedTuple):
    """A series cut for "this and following": `before` keeps the old start, `after` starts anew."""

    before: Rule
    after: Rule
    after_start_local: datetime


def check_series(*, rule: Rule, start_local: datetime) -> None:
    """Refuse a series that ends before it starts or never happens at all, saying what to change."""
    check_naive(start_local)
    if rule.until is not None and rule.until < start_local.date():
        raise ValueError(
            # Translators: %(end)s and %(start)s are dates such as "31 December 2026".
            gettext(
                "The series ends on %(end)s, before it starts on %(start)s. Choose an end date on or after the start."
            )
            % {"end": _day(rule.until), "start": _day(start_local.date())}
        )
    if first_start(rule=rule, start_local=start_local) is None:
        if rule.until is not None:
            raise ValueError(
                # Translators: %(start)s and %(end)s are dates such as "31 December 2026".
                gettext(
                    "This pattern never happens between %(start)s and %(end)s. "
                    "Choose a later end date or different days."
                )
                % {"start": _day(start_local.date()), "end": _day(rule.until)}
            )
        raise ValueError(
            # Translators: %(start)s is a date such as "31 December 2026".
            gettext("This pattern never happens after %(start)s. Choose different days or how often it repeats.")
            % {"start": _day(start_local.date())}
        )


def first_start(*, rule: Rule, start_local: datetime) -> datetime | None:
    """The wall-clock start of the first occurrence, or None when the pattern never happens."""
    return next(_expand(rule, start_local, start_local, _END_OF_TIME), None)


def occurrences(
    *,
    rule: Rule,
    start_local: datetime,
    time_zone: str,
    window_start: datetime,
    window_end: datetime,
    overrides: Mapping[date, Override] = MappingProxyType({}),
    duration: timedelta | None = None,
    all_day: bool = False,
) -> list[Occurrence]:
    """The occurrences that overlap [window_start, window_end), in order, with overrides applied.

    An occurrence without a duration is in the window when it starts inside it. Only the part of the
    series near the window is expanded, so the cost doesn't grow with the age of the series.
    """
    zone = zone_named(time_zone)
    check_naive(start_local)
    for bound in (window_start, window_end):
        if bound.tzinfo is None:
            raise ValueError("The window must be given in UTC with a time zone attached, not as a wall-clock time.")
    if window_end < window_start:
        raise ValueError("The window ends before it starts. Swap the two times.")
    length = _length(duration, all_day=all_day)
    start = datetime.combine(start_local.date(), time()) if all_day else start_local.replace(microsecond=0)

    def build(original_date: date, local: datetime, span: timedelta, *, is_override: bool) -> Occurrence | None:
        occurrence = _occurrence(original_date, local, span, zone, all_day=all_day, is_override=is_override)
        return occurrence if _overlaps(occurrence, zone, window_start, window_end) else None

    found: list[Occurrence] = []
    local_from = window_start.astimezone(zone).replace(tzinfo=None) - length - _PADDING
    local_to = window_end.astimezone(zone).replace(tzinfo=None) + _PADDING
    for local in _expand(rule, start, local_from, local_to):
        if local.date() in overrides:
            continue  # Cancelled, or moved and placed below wherever its new time falls.
        if (occurrence := build(local.date(), local, length, is_override=False)) is not None:
            found.append(occurrence)
    for original_date, override in overrides.items():
        if override.start_local is None:
            continue
        span = length if override.duration is None else _length(override.duration, all_day=all_day)
        occurrence = build(original_date, override.start_local, span, is_override=True)
        # An override for a date the series doesn't have (say, after the pattern changed) is ignored.
        if occurrence is not None and _happens_on(rule, start, original_date):
            found.append(occurrence)
    found.sort(key=_order)
    return found


def split(rule: Rule, start_local: datetime, at_date: date) -> SeriesSplit:
    """Cut a series at the occurrence on at_date: the first part ends the day before, COUNT is shared."""
    check_naive(start_local)
    if not _happens_on(rule, start_local, at_date):
        raise ValueError(
            gettext("The series doesn't happen on %(day)s. Choose a date it happens on.") % {"day": _day(at_date)}
        )
    first = first_start(rule=rule, start_local=start_local)
    if first is None or first.date() >= at_date:
        raise ValueError(
            # Translators: %(day)s is a date such as "31 December 2026"; it starts the sentence in English.
            gettext("%(day)s is the first time this series happens. Change the whole series instead.")
            % {"day": _day(at_date)}
        )
    after_count = None
    if rule.count is not None:
        day_before = datetime.combine(at_date - timedelta(days=1), time.max)
        after_count = rule.count - sum(1 for _ in _expand(rule, start_local, start_local, day_before))
    return SeriesSplit(
        before=replace(rule, until=at_date - timedelta(days=1), count=None),
        after=replace(rule, count=after_count),
        after_start_local=datetime.combine(at_date, start_local.time()),
    )


def _expand(rule: Rule, start: datetime, local_from: datetime, local_to: datetime) -> Iterator[datetime]:
    """Wall-clock starts between local_from and local_to (inclusive), lazily and in order."""
    if local_to < start:
        return
    # A COUNT is counted from the very first occurrence, so only an open or UNTIL series can start
    # from a later equivalent point; a counted one has at most MAX_COUNT occurrences to walk.
    anchor = start if rule.count is not None else _anchor(rule, start, local_from)
    series = dateutil_rrule.rrule(dtstart=anchor, **_dateutil_arguments(rule, start))
    for moment in series.xafter(local_from, inc=True):
        if moment > local_to:
            return
        yield moment


def _anchor(rule: Rule, start: datetime, local_from: datetime) -> datetime:
    """The start of the latest whole period that begins on or before local_from.

    From there dateutil yields exactly the occurrences the original series has, because each period
    (a day, a Monday-based week or a month, times the interval) repeats the same pattern. The first
    period may begin before the series does; what falls before local_from is skipped anyway.
    """
    if local_from <= start:
        return start
    if rule.frequency is Frequency.DAILY:
        periods = (local_from.date() - start.date()).days // rule.interval
        return start + timedelta(days=periods * rule.interval)
    if rule.frequency is Frequency.WEEKLY:
        first_monday = start.date() - timedelta(days=start.weekday())
        periods = (local_from.date() - first_monday).days // 7 // rule.interval
        return datetime.combine(first_monday + timedelta(weeks=periods * rule.interval), start.time())
    months = (local_from.year - start.year) * 12 + local_from.month - start.month
    periods = months // rule.interval
    month_index = start.year * 12 + start.month - 1 + periods * rule.interval
    return datetime.combine(date(month_index // 12, month_index % 12 + 1, 1), start.time())


def _dateutil_arguments(rule: Rule, start: datetime) -> dict[str, Any]:
    # The days are always explicit: left out, dateutil would take them from the (moved) anchor.
    arguments: dict[str, Any] = {
        "freq": getattr(dateutil_rrule, rule.frequency.value),
        "interval": rule.interval,
        "wkst": dateutil_rrule.MO,
        "count": rule.count,
        "until": None if rule.until is None else datetime.combine(rule.until, time.max),
    }
    if rule.frequency is Frequency.WEEKLY:
        arguments["byweekday"] = [day.number for day in rule.weekdays] or [start.weekday()]
    elif rule.frequency is Frequency.MONTHLY:
        if rule.monthly_weekday is not None:
            nth = rule.monthly_weekday
            arguments["byweekday"] = dateutil_rrule.weekday(nth.weekday.number, nth.ordinal)
        else:
            arguments["bymonthday"] = rule.month_day if rule.month_day is not None else start.day
    return arguments


def _happens_on(rule: Rule, start: datetime, day: date) -> bool:
    return any(True for _ in _expand(rule, start, datetime.combine(day, time()), datetime.combine(day, time.max)))


def _occurrence(
    original_date: date, local: datetime, span: timedelta, zone: ZoneInfo, *, all_day: bool, is_override: bool
) -> Occurrence:
    if all_day:
        return Occurrence(
            original_date=original_date,
            start_utc=None,
            end_utc=None,
            is_override=is_override,
            start_date=local.date(),
            end_date=local.date() + span,
        )
    start_utc = to_utc(local, zone)
    # A duration is elapsed time: a two-hour visit lasts two hours even on the night the clocks change.
    return Occurrence(original_date, start_utc=start_utc, end_utc=start_utc + span, is_override=is_override)


def _overlaps(occurrence: Occurrence, zone: ZoneInfo, window_start: datetime, window_end: datetime) -> bool:
    if occurrence.start_date is not None and occurrence.end_date is not None:
        # An all-day occurrence covers whole days in the circle's time zone, midnight to midnight.
        start = to_utc(datetime.combine(occurrence.start_date, time()), zone)
        end = to_utc(datetime.combine(occurrence.end_date, time()), zone)
    else:
        assert occurrence.start_utc is not None
        assert occurrence.end_utc is not None
        start, end = occurrence.start_utc, occurrence.end_utc
    return start < window_end and (end > window_start or start >= window_start)


def _order(occurrence: Occurrence) -> tuple[datetime, date]:
    if occurrence.start_utc is not None:
        return occurrence.start_utc, occurrence.original_date
    assert occurrence.start_date is not None
    return datetime.combine(occurrence.start_date, time(), tzinfo=UTC), occurrence.original_date


def _length(duration: timedelta | None, *, all_day: bool) -> timedelta:
    if not all_day:
        if duration is not None and duration < timedelta(0):
            raise ValueError("A task can't end before it starts. Choose an end after the start.")
        return duration or timedelta(0)
    if duration is None:
        return timedelta(days=1)
    if duration < timedelta(days=1) or duration % timedelta(days=1):
        raise ValueError("An all-day task lasts a whole number of days, at least one. Choose how many days.")
    return duration


def _day(day: date) -> str:
    """A date in a refusal, in the active language: "1 February 2026", "1 lutego 2026"."""
    return date_format(day, "j E Y")
