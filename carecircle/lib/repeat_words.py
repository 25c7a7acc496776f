"""A repeat pattern said in words: "Every Tuesday", "Every other Sunday", "Weekdays at 08:00".

Pages, the API's `rule_summary` and notifications show a pattern only through `describe`; the RRULE
text (lib/repeat_rule.py) stays for storage, the API's `rule` and calendar feeds. A pattern that
names no day takes it from the series' start, as the expansion does (lib/recurrence.py).
"""

from __future__ import annotations

from datetime import date, time

from carecircle.lib.repeat_rule import Frequency, MonthlyWeekday, Rule, Weekday
from carecircle.lib.words import count_of

DAY_NAMES = {
    Weekday.MO: "Monday",
    Weekday.TU: "Tuesday",
    Weekday.WE: "Wednesday",
    Weekday.TH: "Thursday",
    Weekday.FR: "Friday",
    Weekday.SA: "Saturday",
    Weekday.SU: "Sunday",
}
_WEEKDAYS = (Weekday.MO, Weekday.TU, Weekday.WE, Weekday.TH, Weekday.FR)
_WEEKEND = (Weekday.SA, Weekday.SU)
_ORDINAL_WORDS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last", -2: "second to last"}
_UNITS = {Frequency.DAILY: "day", Frequency.WEEKLY: "week", Frequency.MONTHLY: "month"}


def ordinal(number: int) -> str:
    """ "1st", "2nd", "3rd", "11th", "22nd"."""
    if 11 <= number % 100 <= 13:
        return f"{number}th"
    return f"{number}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(number % 10, 'th') }"


def describe(rule: Rule, *, start: date, at: time | None = None) -> str:
    """The pattern in a sentence, with its time of day and its end: "Every other Sunday at 10:30"."""
    sentence = _pattern(rule, start)
    if at is not None:
        sentence += f" at {at:%H:%M}"
    return sentence + _ending(rule)


def describe_rrule(text: str, *, start: date, at: time | None = None) -> str:
    """`describe` for a stored RRULE value; empty text is a one-off, said as "Does not repeat"."""
    if not text:
        return "Does not repeat"
    return describe(Rule.parse(text), start=start, at=at)


def _every(interval: int, unit: str) -> str:
    if interval == 1:
        return f"every {unit}"
    if interval == 2:
        return f"every other {unit}"
    return f"every {interval} {unit}s"


def _days_list(days: tuple[Weekday, ...]) -> str:
    names = [DAY_NAMES[day] for day in days]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _pattern(rule: Rule, start: date) -> str:
    if rule.frequency is Frequency.DAILY:
        return _every(rule.interval, "day").capitalize()
    if rule.frequency is Frequency.WEEKLY:
        return _weekly(rule, start)
    return _monthly(rule, start)


def _weekly(rule: Rule, start: date) -> str:
    days = rule.weekdays or (list(Weekday)[start.weekday()],)
    if rule.interval == 1:
        if len(days) == 7:
            return "Every day"
        if days == _WEEKDAYS:
            return "Weekdays"
        if days == _WEEKEND:
            return "Weekends"
        return f"Every {_days_list(days)}"
    if rule.interval == 2:
        return f"Every other {_days_list(days)}"
    return f"Every {rule.interval} weeks on {_days_list(days)}"


def _monthly(rule: Rule, start: date) -> str:
    months = _every(rule.interval, "month")
    if rule.monthly_weekday is not None:
        return f"On the {_nth_weekday(rule.monthly_weekday)} of {months}"
    day = rule.month_day if rule.month_day is not None else start.day
    if day == -1:
        return f"On the last day of {months}"
    return f"On the {ordinal(day)} of {months}"


def _nth_weekday(which: MonthlyWeekday) -> str:
    day = DAY_NAMES[which.weekday]
    if which.ordinal in _ORDINAL_WORDS:
        return f"{_ORDINAL_WORDS[which.ordinal]} {day}"
    return f"{ordinal(-which.ordinal)} {day} from the end"


def _ending(rule: Rule) -> str:
    if rule.until is not None:
        return f", until {rule.until:%-d %B %Y}"
    if rule.count is not None:
        return ", once only" if rule.count == 1 else f", {count_of(rule.count, 'time')} in all"
    return ""
