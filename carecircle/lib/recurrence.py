"""Repeating tasks: a typed subset of RFC 5545 RRULE, occurrences in a window, overrides and splits.

Framework-free so the pages, the API and the calendar feed all expand a series the same way.
See docs/architecture/recurrence.md for the decisions (wall-clock times, daylight saving, limits).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import rrule as dateutil_rrule

MAX_COUNT = 500

# Wall-clock times are naive by design: the circle's time zone applies to them.
_END_OF_TIME = datetime.combine(date.max, time.max)
# Wider than any daylight-saving shift, so no occurrence near a window edge is missed before the
# exact comparison in UTC.
_PADDING = timedelta(days=1)


class Frequency(StrEnum):
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"


class Weekday(StrEnum):
    MO = "MO"
    TU = "TU"
    WE = "WE"
    TH = "TH"
    FR = "FR"
    SA = "SA"
    SU = "SU"

    @property
    def number(self) -> int:
        """Monday is 0 and Sunday 6, as in date.weekday()."""
        return list(Weekday).index(self)


MAX_INTERVAL = {Frequency.DAILY: 365, Frequency.WEEKLY: 52, Frequency.MONTHLY: 52}
_UNITS = {Frequency.DAILY: "days", Frequency.WEEKLY: "weeks", Frequency.MONTHLY: "months"}


@dataclass(frozen=True)
class MonthlyWeekday:
    """The nth weekday of a month: (2, TU) is the second Tuesday, (-1, FR) the last Friday."""

    ordinal: int
    weekday: Weekday

    def __post_init__(self) -> None:
        if self.ordinal == 0 or not -5 <= self.ordinal <= 5:
            raise ValueError(
                "The week of the month must be 1 to 5 (first to fifth) or -1 to -5 (last to fifth from last). "
                "Choose a week in that range."
            )


@dataclass(frozen=True)
class Rule:
    """A repeat pattern: how often, on which days, and until when or how many times."""

    frequency: Frequency
    interval: int = 1
    weekdays: tuple[Weekday, ...] = ()
    month_day: int | None = None
    monthly_weekday: MonthlyWeekday | None = None
    until: date | None = None
    count: int | None = None

    def __post_init__(self) -> None:
        _check_rule(self)
        # One order for the days, so equal patterns compare equal and print the same RRULE.
        object.__setattr__(self, "weekdays", tuple(sorted(set(self.weekdays), key=lambda day: day.number)))

    def to_rrule_string(self) -> str:
        """The RRULE value, e.g. "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;COUNT=10"; UNTIL is a date."""
        return self._format(until=None if self.until is None else f"{self.until:%Y%m%d}")

    def to_calendar_rrule_string(self, *, start_local: datetime, time_zone: str, all_day: bool = False) -> str:
        """The RRULE for an iCalendar feed: a timed series gives UNTIL as the UTC time of its last allowed start."""
        if self.until is None or all_day:
            return self.to_rrule_string()
        # RFC 5545 wants UNTIL in UTC when DTSTART has a time zone; UNTIL is inclusive.
        last_start = wall_clock_to_utc(datetime.combine(self.until, start_local.time()), time_zone)
        return self._format(until=f"{last_start:%Y%m%dT%H%M%SZ}")

    def _format(self, *, until: str | None) -> str:
        parts = [f"FREQ={self.frequency}"]
        if self.interval != 1:
            parts.append(f"INTERVAL={self.interval}")
        if self.weekdays:
            parts.append("BYDAY=" + ",".join(self.weekdays))
        if self.monthly_weekday is not None:
            parts.append(f"BYDAY={self.monthly_weekday.ordinal}{self.monthly_weekday.weekday}")
        if self.month_day is not None:
            parts.append(f"BYMONTHDAY={self.month_day}")
        if until is not None:
            parts.append(f"UNTIL={until}")
        if self.count is not None:
            parts.append(f"COUNT={self.count}")
        return ";".join(parts)

    @classmethod
    def parse(cls, text: str) -> Rule:
        """Read an RRULE value written in the subset that to_rrule_string produces."""
        return _parse(text)


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
            _check_naive(self.start_local)
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


def wall_clock_to_utc(local: datetime, time_zone: str) -> datetime:
    """The UTC instant of a wall-clock time in the zone (see _to_utc for gaps and repeated hours)."""
    _check_naive(local)
    return _to_utc(local, _zone(time_zone))


def check_series(*, rule: Rule, start_local: datetime) -> None:
    """Refuse a series that ends before it starts or never happens at all, saying what to change."""
    _check_naive(start_local)
    if rule.until is not None and rule.until < start_local.date():
        raise ValueError(
            f"The series ends on {_day(rule.until)}, before it starts on {_day(start_local.date())}. "
            "Choose an end date on or after the start."
        )
    if first_start(rule=rule, start_local=start_local) is None:
        if rule.until is not None:
            raise ValueError(
                f"This pattern never happens between {_day(start_local.date())} and {_day(rule.until)}. "
                "Choose a later end date or different days."
            )
        raise ValueError(
            f"This pattern never happens after {_day(start_local.date())}. "
            "Choose different days or how often it repeats."
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
    zone = _zone(time_zone)
    _check_naive(start_local)
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
    _check_naive(start_local)
    if not _happens_on(rule, start_local, at_date):
        raise ValueError(f"The series doesn't happen on {_day(at_date)}. Choose a date it happens on.")
    first = first_start(rule=rule, start_local=start_local)
    if first is None or first.date() >= at_date:
        raise ValueError(f"{_day(at_date)} is the first time this series happens. Change the whole series instead.")
    after_count = None
    if rule.count is not None:
        day_before = datetime.combine(at_date - timedelta(days=1), time.max)
        after_count = rule.count - sum(1 for _ in _expand(rule, start_local, start_local, day_before))
    return SeriesSplit(
        before=replace(rule, until=at_date - timedelta(days=1), count=None),
        after=replace(rule, count=after_count),
        after_start_local=datetime.combine(at_date, start_local.time()),
    )


def _to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    # fold=0 takes the offset in force before a transition. In the spring-forward gap that moves a
    # time that doesn't exist forward by the gap (01:30 London becomes 02:30 BST); in the repeated
    # autumn hour it picks the first of the two (01:30 BST, not 01:30 GMT).
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


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
    start_utc = _to_utc(local, zone)
    # A duration is elapsed time: a two-hour visit lasts two hours even on the night the clocks change.
    return Occurrence(original_date, start_utc=start_utc, end_utc=start_utc + span, is_override=is_override)


def _overlaps(occurrence: Occurrence, zone: ZoneInfo, window_start: datetime, window_end: datetime) -> bool:
    if occurrence.start_date is not None and occurrence.end_date is not None:
        # An all-day occurrence covers whole days in the circle's time zone, midnight to midnight.
        start = _to_utc(datetime.combine(occurrence.start_date, time()), zone)
        end = _to_utc(datetime.combine(occurrence.end_date, time()), zone)
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


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f'"{name}" isn\'t a time zone we know. Choose one such as Europe/London.') from None


def _check_naive(local: datetime) -> None:
    if local.tzinfo is not None:
        raise ValueError("Give the start as a wall-clock time without a time zone; the circle's time zone applies.")


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _check_rule(rule: Rule) -> None:
    if not isinstance(rule.frequency, Frequency):
        raise ValueError("Choose how often it repeats: daily, weekly or monthly.")
    limit = MAX_INTERVAL[rule.frequency]
    unit = _UNITS[rule.frequency]
    if isinstance(rule.interval, bool) or not isinstance(rule.interval, int) or not 1 <= rule.interval <= limit:
        raise ValueError(
            f"It can repeat every 1 to {limit} {unit}, not {rule.interval}. Choose a number in that range."
        )
    if rule.until is not None and rule.count is not None:
        raise ValueError("Choose either an end date or a number of times, not both.")
    if isinstance(rule.until, datetime):
        raise ValueError("Give the end as a date, without a time of day.")
    if rule.count is not None and (isinstance(rule.count, bool) or not 1 <= rule.count <= MAX_COUNT):
        raise ValueError(
            f"It can happen 1 to {MAX_COUNT} times, not {rule.count}. Choose a number in that range, or an end date."
        )
    if rule.weekdays and rule.frequency is not Frequency.WEEKLY:
        raise ValueError("Days of the week can only be chosen when it repeats weekly. Remove them or repeat weekly.")
    if any(not isinstance(day, Weekday) for day in rule.weekdays):
        raise ValueError("Days of the week must be MO, TU, WE, TH, FR, SA or SU.")
    if (rule.month_day is not None or rule.monthly_weekday is not None) and rule.frequency is not Frequency.MONTHLY:
        raise ValueError("A day of the month can only be chosen when it repeats monthly. Remove it or repeat monthly.")
    if rule.month_day is not None and rule.monthly_weekday is not None:
        raise ValueError("Choose either a date in the month (like the 15th) or a weekday (like the second Tuesday).")
    if rule.month_day is not None and not (1 <= rule.month_day <= 31 or rule.month_day == -1):
        raise ValueError(
            f"The day of the month must be 1 to 31, or -1 for the last day, not {rule.month_day}. "
            "Choose a day in that range."
        )


_SUPPORTED_PARTS = ("FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "UNTIL", "COUNT")
_NUMBERED_DAY = re.compile(r"([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)")


def _parse(text: str) -> Rule:
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[len("RRULE:") :]
    values: dict[str, str] = {}
    for part in filter(None, (piece.strip() for piece in body.split(";"))):
        name, equals, value = (piece.strip().upper() for piece in part.partition("="))
        if not equals or not name or not value:
            raise ValueError(
                f'"{part}" isn\'t written NAME=VALUE. Separate parts with semicolons, like FREQ=WEEKLY;COUNT=4.'
            )
        if name not in _SUPPORTED_PARTS:
            raise ValueError(f"{name} isn't supported in a repeat pattern. Use only {', '.join(_SUPPORTED_PARTS)}.")
        if name in values:
            raise ValueError(f"{name} appears more than once. Give it once.")
        values[name] = value
    if "FREQ" not in values:
        raise ValueError("The repeat pattern needs FREQ. Start it with FREQ=DAILY, FREQ=WEEKLY or FREQ=MONTHLY.")
    if values["FREQ"] not in Frequency.__members__:
        raise ValueError(
            f"Repeating with FREQ={values['FREQ']} isn't supported. Use FREQ=DAILY, FREQ=WEEKLY or FREQ=MONTHLY."
        )
    frequency = Frequency(values["FREQ"])
    weekdays, monthly_weekday = _parse_days(values.get("BYDAY"), frequency)
    interval = _parse_number(values, "INTERVAL")
    return Rule(
        frequency=frequency,
        interval=1 if interval is None else interval,
        weekdays=weekdays,
        monthly_weekday=monthly_weekday,
        month_day=_parse_number(values, "BYMONTHDAY"),
        until=_parse_until(values.get("UNTIL")),
        count=_parse_number(values, "COUNT"),
    )


def _parse_number(values: Mapping[str, str], name: str) -> int | None:
    value = values.get(name)
    if value is None:
        return None
    if not re.fullmatch(r"-?\d{1,4}", value):
        raise ValueError(f'{name} must be a whole number, not "{value}".')
    return int(value)


def _parse_until(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        if not re.fullmatch(r"\d{8}", value):
            raise ValueError(value)
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise ValueError(f'UNTIL must be a date written YYYYMMDD, such as 20261231, not "{value}".') from None


def _parse_days(value: str | None, frequency: Frequency) -> tuple[tuple[Weekday, ...], MonthlyWeekday | None]:
    if value is None:
        return (), None
    matches = [_NUMBERED_DAY.fullmatch(item.strip()) for item in value.split(",")]
    if any(match is None for match in matches):
        raise ValueError(f'BYDAY takes days written MO, TU, WE, TH, FR, SA or SU, not "{value}".')
    days = [(match.group(1), Weekday(match.group(2))) for match in matches if match is not None]
    if frequency is Frequency.MONTHLY:
        if len(days) != 1 or days[0][0] is None:
            raise ValueError(
                "A monthly pattern takes one numbered weekday, like BYDAY=2TU for the second Tuesday "
                "or BYDAY=-1FR for the last Friday."
            )
        return (), MonthlyWeekday(int(days[0][0]), days[0][1])
    if any(ordinal is not None for ordinal, _ in days):
        raise ValueError("Numbered weekdays like 2TU only work with FREQ=MONTHLY. Use plain days like BYDAY=TU,TH.")
    return tuple(day for _, day in days), None
