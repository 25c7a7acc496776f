"""A repeat pattern: the typed subset of RFC 5545 RRULE that tasks use, its checks and its text.

lib/recurrence.py expands a pattern into occurrences; docs/architecture/recurrence.md has the decisions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from django.utils.translation import gettext, ngettext

from carecircle.lib.wall_clock import wall_clock_to_utc

MAX_COUNT = 500


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


def _interval_refused(frequency: Frequency, interval: object) -> str:
    """The refusal of an interval out of range, one whole sentence per unit so each language can inflect it."""
    values = {"limit": MAX_INTERVAL[frequency], "number": interval}
    if frequency is Frequency.DAILY:
        # Translators: %(limit)s is the largest number allowed, %(number)s the one given. The plural
        # follows %(limit)s.
        text = ngettext(
            "It can repeat every 1 to %(limit)s day, not %(number)s. Choose a number in that range.",
            "It can repeat every 1 to %(limit)s days, not %(number)s. Choose a number in that range.",
            MAX_INTERVAL[frequency],
        )
    elif frequency is Frequency.WEEKLY:
        # Translators: as above, for weeks.
        text = ngettext(
            "It can repeat every 1 to %(limit)s week, not %(number)s. Choose a number in that range.",
            "It can repeat every 1 to %(limit)s weeks, not %(number)s. Choose a number in that range.",
            MAX_INTERVAL[frequency],
        )
    else:
        # Translators: as above, for months.
        text = ngettext(
            "It can repeat every 1 to %(limit)s month, not %(number)s. Choose a number in that range.",
            "It can repeat every 1 to %(limit)s months, not %(number)s. Choose a number in that range.",
            MAX_INTERVAL[frequency],
        )
    return text % values


@dataclass(frozen=True)
class MonthlyWeekday:
    """The nth weekday of a month: (2, TU) is the second Tuesday, (-1, FR) the last Friday."""

    ordinal: int
    weekday: Weekday

    def __post_init__(self) -> None:
        if self.ordinal == 0 or not -5 <= self.ordinal <= 5:
            raise ValueError(
                gettext(
                    "The week of the month must be 1 to 5 (first to fifth) or -1 to -5 (last to fifth from last). "
                    "Choose a week in that range."
                )
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


def _check_rule(rule: Rule) -> None:
    if not isinstance(rule.frequency, Frequency):
        raise ValueError(gettext("Choose how often it repeats: daily, weekly or monthly."))
    limit = MAX_INTERVAL[rule.frequency]
    if isinstance(rule.interval, bool) or not isinstance(rule.interval, int) or not 1 <= rule.interval <= limit:
        raise ValueError(_interval_refused(rule.frequency, rule.interval))
    if rule.until is not None and rule.count is not None:
        raise ValueError(gettext("Choose either an end date or a number of times, not both."))
    if isinstance(rule.until, datetime):
        raise ValueError(gettext("Give the end as a date, without a time of day."))
    if rule.count is not None and (isinstance(rule.count, bool) or not 1 <= rule.count <= MAX_COUNT):
        raise ValueError(
            # Translators: %(limit)s is the largest number allowed (500), %(number)s the one given.
            ngettext(
                "It can happen 1 to %(limit)s time, not %(number)s. Choose a number in that range, or an end date.",
                "It can happen 1 to %(limit)s times, not %(number)s. Choose a number in that range, or an end date.",
                MAX_COUNT,
            )
            % {"limit": MAX_COUNT, "number": rule.count}
        )
    if rule.weekdays and rule.frequency is not Frequency.WEEKLY:
        raise ValueError(
            gettext("Days of the week can only be chosen when it repeats weekly. Remove them or repeat weekly.")
        )
    if any(not isinstance(day, Weekday) for day in rule.weekdays):
        # Translators: MO, TU, WE, TH, FR, SA and SU are codes; keep them in English.
        raise ValueError(gettext("Days of the week must be MO, TU, WE, TH, FR, SA or SU."))
    if (rule.month_day is not None or rule.monthly_weekday is not None) and rule.frequency is not Frequency.MONTHLY:
        raise ValueError(
            gettext("A day of the month can only be chosen when it repeats monthly. Remove it or repeat monthly.")
        )
    if rule.month_day is not None and rule.monthly_weekday is not None:
        raise ValueError(
            gettext("Choose either a date in the month (like the 15th) or a weekday (like the second Tuesday).")
        )
    if rule.month_day is not None and not (1 <= rule.month_day <= 31 or rule.month_day == -1):
        raise ValueError(
            gettext(
                "The day of the month must be 1 to 31, or -1 for the last day, not %(number)s. "
                "Choose a day in that range."
            )
            % {"number": rule.month_day}
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
                # Translators: NAME=VALUE and FREQ=WEEKLY;COUNT=4 are written as the API reads them; keep
                # them in English. %(part)s is what was sent.
                gettext(
                    '"%(part)s" isn\'t written NAME=VALUE. Separate parts with semicolons, like FREQ=WEEKLY;COUNT=4.'
                )
                % {"part": part}
            )
        if name not in _SUPPORTED_PARTS:
            raise ValueError(
                # Translators: %(name)s and %(names)s are RRULE words such as FREQ and COUNT; they stay in English.
                gettext("%(name)s isn't supported in a repeat pattern. Use only %(names)s.")
                % {"name": name, "names": ", ".join(_SUPPORTED_PARTS)}
            )
        if name in values:
            # Translators: %(name)s is an RRULE word such as FREQ or COUNT; it stays in English.
            raise ValueError(gettext("%(name)s appears more than once. Give it once.") % {"name": name})
        values[name] = value
    if "FREQ" not in values:
        # Translators: FREQ, FREQ=DAILY, FREQ=WEEKLY and FREQ=MONTHLY stay in English: the API reads them.
        raise ValueError(
            gettext("The repeat pattern needs FREQ. Start it with FREQ=DAILY, FREQ=WEEKLY or FREQ=MONTHLY.")
        )
    if values["FREQ"] not in Frequency.__members__:
        raise ValueError(
            # Translators: FREQ=… stays in English: the API reads it. %(value)s is what was sent.
            gettext("Repeating with FREQ=%(value)s isn't supported. Use FREQ=DAILY, FREQ=WEEKLY or FREQ=MONTHLY.")
            % {"value": values["FREQ"]}
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
        # Translators: %(name)s is an RRULE word such as COUNT or INTERVAL; it stays in English.
        raise ValueError(gettext('%(name)s must be a whole number, not "%(value)s".') % {"name": name, "value": value})
    return int(value)


def _parse_until(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        if not re.fullmatch(r"\d{8}", value):
            raise ValueError(value)
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise ValueError(
            # Translators: UNTIL and YYYYMMDD stay in English: the API reads them.
            gettext('UNTIL must be a date written YYYYMMDD, such as 20261231, not "%(value)s".') % {"value": value}
        ) from None


def _parse_days(value: str | None, frequency: Frequency) -> tuple[tuple[Weekday, ...], MonthlyWeekday | None]:
    if value is None:
        return (), None
    matches = [_NUMBERED_DAY.fullmatch(item.strip()) for item in value.split(",")]
    if any(match is None for match in matches):
        raise ValueError(
            # Translators: BYDAY and the day codes stay in English: the API reads them.
            gettext('BYDAY takes days written MO, TU, WE, TH, FR, SA or SU, not "%(value)s".') % {"value": value}
        )
    days = [(match.group(1), Weekday(match.group(2))) for match in matches if match is not None]
    if frequency is Frequency.MONTHLY:
        if len(days) != 1 or days[0][0] is None:
            raise ValueError(
                # Translators: BYDAY=2TU and BYDAY=-1FR stay in English: the API reads them.
                gettext(
                    "A monthly pattern takes one numbered weekday, like BYDAY=2TU for the second Tuesday "
                    "or BYDAY=-1FR for the last Friday."
                )
            )
        return (), MonthlyWeekday(int(days[0][0]), days[0][1])
    if any(ordinal is not None for ordinal, _ in days):
        raise ValueError(
            # Translators: 2TU, FREQ=MONTHLY and BYDAY=TU,TH stay in English: the API reads them.
            gettext("Numbered weekdays like 2TU only work with FREQ=MONTHLY. Use plain days like BYDAY=TU,TH.")
        )
    return tuple(day for _, day in days), None
