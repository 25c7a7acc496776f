"""A repeat pattern said in words: "Every Tuesday", "Every other Sunday", "Weekdays at 08:00".

Pages, the API's `rule_summary` and notifications show a pattern only through `describe`; the RRULE
text (lib/repeat_rule.py) stays for storage, the API's `rule` and calendar feeds. A pattern that
names no day takes it from the series' start, as the expansion does (lib/recurrence.py).

Every shape of pattern is one whole translatable sentence with named placeholders, in the active
language. A day said on its own ("Every Tuesday", "the second Tuesday") is a sentence or phrase of
its own, so Polish can put it in the right case and gender and Welsh can mutate it
(docs/architecture/i18n.md). The module lives in tasks, not lib, so its words are in the tasks catalog.
"""

from __future__ import annotations

from datetime import date, time

from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy, ngettext, pgettext, pgettext_lazy

from carecircle.lib.repeat_rule import Frequency, MonthlyWeekday, Rule, Weekday

# A day's name where it stands in a list: "Every Monday, Wednesday and Friday".
DAY_NAMES: dict[Weekday, Promise] = {
    Weekday.MO: pgettext_lazy("day of the week, in a list", "Monday"),
    Weekday.TU: pgettext_lazy("day of the week, in a list", "Tuesday"),
    Weekday.WE: pgettext_lazy("day of the week, in a list", "Wednesday"),
    Weekday.TH: pgettext_lazy("day of the week, in a list", "Thursday"),
    Weekday.FR: pgettext_lazy("day of the week, in a list", "Friday"),
    Weekday.SA: pgettext_lazy("day of the week, in a list", "Saturday"),
    Weekday.SU: pgettext_lazy("day of the week, in a list", "Sunday"),
}
_EVERY: dict[Weekday, Promise] = {
    Weekday.MO: gettext_lazy("Every Monday"),
    Weekday.TU: gettext_lazy("Every Tuesday"),
    Weekday.WE: gettext_lazy("Every Wednesday"),
    Weekday.TH: gettext_lazy("Every Thursday"),
    Weekday.FR: gettext_lazy("Every Friday"),
    Weekday.SA: gettext_lazy("Every Saturday"),
    Weekday.SU: gettext_lazy("Every Sunday"),
}
_EVERY_OTHER: dict[Weekday, Promise] = {
    Weekday.MO: gettext_lazy("Every other Monday"),
    Weekday.TU: gettext_lazy("Every other Tuesday"),
    Weekday.WE: gettext_lazy("Every other Wednesday"),
    Weekday.TH: gettext_lazy("Every other Thursday"),
    Weekday.FR: gettext_lazy("Every other Friday"),
    Weekday.SA: gettext_lazy("Every other Saturday"),
    Weekday.SU: gettext_lazy("Every other Sunday"),
}
# "the 3rd" of a month, with its article: Welsh says "y 3ydd" but "yr 8fed", Polish "3.".
_DAY_OF_MONTH: dict[int, Promise] = {
    1: pgettext_lazy("day of the month", "the 1st"),
    2: pgettext_lazy("day of the month", "the 2nd"),
    3: pgettext_lazy("day of the month", "the 3rd"),
    4: pgettext_lazy("day of the month", "the 4th"),
    5: pgettext_lazy("day of the month", "the 5th"),
    6: pgettext_lazy("day of the month", "the 6th"),
    7: pgettext_lazy("day of the month", "the 7th"),
    8: pgettext_lazy("day of the month", "the 8th"),
    9: pgettext_lazy("day of the month", "the 9th"),
    10: pgettext_lazy("day of the month", "the 10th"),
    11: pgettext_lazy("day of the month", "the 11th"),
    12: pgettext_lazy("day of the month", "the 12th"),
    13: pgettext_lazy("day of the month", "the 13th"),
    14: pgettext_lazy("day of the month", "the 14th"),
    15: pgettext_lazy("day of the month", "the 15th"),
    16: pgettext_lazy("day of the month", "the 16th"),
    17: pgettext_lazy("day of the month", "the 17th"),
    18: pgettext_lazy("day of the month", "the 18th"),
    19: pgettext_lazy("day of the month", "the 19th"),
    20: pgettext_lazy("day of the month", "the 20th"),
    21: pgettext_lazy("day of the month", "the 21st"),
    22: pgettext_lazy("day of the month", "the 22nd"),
    23: pgettext_lazy("day of the month", "the 23rd"),
    24: pgettext_lazy("day of the month", "the 24th"),
    25: pgettext_lazy("day of the month", "the 25th"),
    26: pgettext_lazy("day of the month", "the 26th"),
    27: pgettext_lazy("day of the month", "the 27th"),
    28: pgettext_lazy("day of the month", "the 28th"),
    29: pgettext_lazy("day of the month", "the 29th"),
    30: pgettext_lazy("day of the month", "the 30th"),
    31: pgettext_lazy("day of the month", "the 31st"),
}
# "the second Tuesday": ordinal and day together, because Polish ordinals agree with the day's
# gender and Welsh puts "cyntaf" and "olaf" after it and mutates after "ail".
_NTH_WEEKDAY: dict[tuple[int, Weekday], Promise] = {
    (1, Weekday.MO): pgettext_lazy("nth weekday of a month", "the first Monday"),
    (1, Weekday.TU): pgettext_lazy("nth weekday of a month", "the first Tuesday"),
    (1, Weekday.WE): pgettext_lazy("nth weekday of a month", "the first Wednesday"),
    (1, Weekday.TH): pgettext_lazy("nth weekday of a month", "the first Thursday"),
    (1, Weekday.FR): pgettext_lazy("nth weekday of a month", "the first Friday"),
    (1, Weekday.SA): pgettext_lazy("nth weekday of a month", "the first Saturday"),
    (1, Weekday.SU): pgettext_lazy("nth weekday of a month", "the first Sunday"),
    (2, Weekday.MO): pgettext_lazy("nth weekday of a month", "the second Monday"),
    (2, Weekday.TU): pgettext_lazy("nth weekday of a month", "the second Tuesday"),
    (2, Weekday.WE): pgettext_lazy("nth weekday of a month", "the second Wednesday"),
    (2, Weekday.TH): pgettext_lazy("nth weekday of a month", "the second Thursday"),
    (2, Weekday.FR): pgettext_lazy("nth weekday of a month", "the second Friday"),
    (2, Weekday.SA): pgettext_lazy("nth weekday of a month", "the second Saturday"),
    (2, Weekday.SU): pgettext_lazy("nth weekday of a month", "the second Sunday"),
    (3, Weekday.MO): pgettext_lazy("nth weekday of a month", "the third Monday"),
    (3, Weekday.TU): pgettext_lazy("nth weekday of a month", "the third Tuesday"),
    (3, Weekday.WE): pgettext_lazy("nth weekday of a month", "the third Wednesday"),
    (3, Weekday.TH): pgettext_lazy("nth weekday of a month", "the third Thursday"),
    (3, Weekday.FR): pgettext_lazy("nth weekday of a month", "the third Friday"),
    (3, Weekday.SA): pgettext_lazy("nth weekday of a month", "the third Saturday"),
    (3, Weekday.SU): pgettext_lazy("nth weekday of a month", "the third Sunday"),
    (4, Weekday.MO): pgettext_lazy("nth weekday of a month", "the fourth Monday"),
    (4, Weekday.TU): pgettext_lazy("nth weekday of a month", "the fourth Tuesday"),
    (4, Weekday.WE): pgettext_lazy("nth weekday of a month", "the fourth Wednesday"),
    (4, Weekday.TH): pgettext_lazy("nth weekday of a month", "the fourth Thursday"),
    (4, Weekday.FR): pgettext_lazy("nth weekday of a month", "the fourth Friday"),
    (4, Weekday.SA): pgettext_lazy("nth weekday of a month", "the fourth Saturday"),
    (4, Weekday.SU): pgettext_lazy("nth weekday of a month", "the fourth Sunday"),
    (5, Weekday.MO): pgettext_lazy("nth weekday of a month", "the fifth Monday"),
    (5, Weekday.TU): pgettext_lazy("nth weekday of a month", "the fifth Tuesday"),
    (5, Weekday.WE): pgettext_lazy("nth weekday of a month", "the fifth Wednesday"),
    (5, Weekday.TH): pgettext_lazy("nth weekday of a month", "the fifth Thursday"),
    (5, Weekday.FR): pgettext_lazy("nth weekday of a month", "the fifth Friday"),
    (5, Weekday.SA): pgettext_lazy("nth weekday of a month", "the fifth Saturday"),
    (5, Weekday.SU): pgettext_lazy("nth weekday of a month", "the fifth Sunday"),
    (-1, Weekday.MO): pgettext_lazy("nth weekday of a month", "the last Monday"),
    (-1, Weekday.TU): pgettext_lazy("nth weekday of a month", "the last Tuesday"),
    (-1, Weekday.WE): pgettext_lazy("nth weekday of a month", "the last Wednesday"),
    (-1, Weekday.TH): pgettext_lazy("nth weekday of a month", "the last Thursday"),
    (-1, Weekday.FR): pgettext_lazy("nth weekday of a month", "the last Friday"),
    (-1, Weekday.SA): pgettext_lazy("nth weekday of a month", "the last Saturday"),
    (-1, Weekday.SU): pgettext_lazy("nth weekday of a month", "the last Sunday"),
    (-2, Weekday.MO): pgettext_lazy("nth weekday of a month", "the second to last Monday"),
    (-2, Weekday.TU): pgettext_lazy("nth weekday of a month", "the second to last Tuesday"),
    (-2, Weekday.WE): pgettext_lazy("nth weekday of a month", "the second to last Wednesday"),
    (-2, Weekday.TH): pgettext_lazy("nth weekday of a month", "the second to last Thursday"),
    (-2, Weekday.FR): pgettext_lazy("nth weekday of a month", "the second to last Friday"),
    (-2, Weekday.SA): pgettext_lazy("nth weekday of a month", "the second to last Saturday"),
    (-2, Weekday.SU): pgettext_lazy("nth weekday of a month", "the second to last Sunday"),
    (-3, Weekday.MO): pgettext_lazy("nth weekday of a month", "the third to last Monday"),
    (-3, Weekday.TU): pgettext_lazy("nth weekday of a month", "the third to last Tuesday"),
    (-3, Weekday.WE): pgettext_lazy("nth weekday of a month", "the third to last Wednesday"),
    (-3, Weekday.TH): pgettext_lazy("nth weekday of a month", "the third to last Thursday"),
    (-3, Weekday.FR): pgettext_lazy("nth weekday of a month", "the third to last Friday"),
    (-3, Weekday.SA): pgettext_lazy("nth weekday of a month", "the third to last Saturday"),
    (-3, Weekday.SU): pgettext_lazy("nth weekday of a month", "the third to last Sunday"),
    (-4, Weekday.MO): pgettext_lazy("nth weekday of a month", "the fourth to last Monday"),
    (-4, Weekday.TU): pgettext_lazy("nth weekday of a month", "the fourth to last Tuesday"),
    (-4, Weekday.WE): pgettext_lazy("nth weekday of a month", "the fourth to last Wednesday"),
    (-4, Weekday.TH): pgettext_lazy("nth weekday of a month", "the fourth to last Thursday"),
    (-4, Weekday.FR): pgettext_lazy("nth weekday of a month", "the fourth to last Friday"),
    (-4, Weekday.SA): pgettext_lazy("nth weekday of a month", "the fourth to last Saturday"),
    (-4, Weekday.SU): pgettext_lazy("nth weekday of a month", "the fourth to last Sunday"),
    (-5, Weekday.MO): pgettext_lazy("nth weekday of a month", "the fifth to last Monday"),
    (-5, Weekday.TU): pgettext_lazy("nth weekday of a month", "the fifth to last Tuesday"),
    (-5, Weekday.WE): pgettext_lazy("nth weekday of a month", "the fifth to last Wednesday"),
    (-5, Weekday.TH): pgettext_lazy("nth weekday of a month", "the fifth to last Thursday"),
    (-5, Weekday.FR): pgettext_lazy("nth weekday of a month", "the fifth to last Friday"),
    (-5, Weekday.SA): pgettext_lazy("nth weekday of a month", "the fifth to last Saturday"),
    (-5, Weekday.SU): pgettext_lazy("nth weekday of a month", "the fifth to last Sunday"),
}
_WEEKDAYS = (Weekday.MO, Weekday.TU, Weekday.WE, Weekday.TH, Weekday.FR)
_WEEKEND = (Weekday.SA, Weekday.SU)


def day_of_month(number: int) -> str:
    """ "the 1st", "the 22nd" (1 to 31), in the active language."""
    return str(_DAY_OF_MONTH[number])


def describe(rule: Rule, *, start: date, at: time | None = None) -> str:
    """The pattern in a sentence, with its time of day and its end: "Every other Sunday at 10:30"."""
    sentence = _pattern(rule, start)
    if at is not None:
        sentence = gettext("%(pattern)s at %(time)s") % {"pattern": sentence, "time": f"{at:%H:%M}"}
    return _ending(rule, sentence)


def describe_rrule(text: str, *, start: date, at: time | None = None) -> str:
    """`describe` for a stored RRULE value; empty text is a one-off, said as "Does not repeat"."""
    if not text:
        return gettext("Does not repeat")
    return describe(Rule.parse(text), start=start, at=at)


def _days_list(days: tuple[Weekday, ...]) -> str:
    names = [str(DAY_NAMES[day]) for day in days]
    if len(names) == 1:
        return names[0]
    return pgettext("the last two of a list", "%(first)s and %(last)s") % {
        "first": ", ".join(names[:-1]),
        "last": names[-1],
    }


def _pattern(rule: Rule, start: date) -> str:
    if rule.frequency is Frequency.DAILY:
        if rule.interval == 1:
            return gettext("Every day")
        if rule.interval == 2:
            return gettext("Every other day")
        return ngettext("Every %(count)s day", "Every %(count)s days", rule.interval) % {"count": rule.interval}
    if rule.frequency is Frequency.WEEKLY:
        return _weekly(rule, start)
    return _monthly(rule, start)


def _weekly(rule: Rule, start: date) -> str:
    days = rule.weekdays or (list(Weekday)[start.weekday()],)
    if rule.interval == 1:
        if len(days) == 7:
            return gettext("Every day")
        if days == _WEEKDAYS:
            return gettext("Weekdays")
        if days == _WEEKEND:
            return gettext("Weekends")
        if len(days) == 1:
            return str(_EVERY[days[0]])
        return pgettext("several days of the week", "Every %(days)s") % {"days": _days_list(days)}
    if rule.interval == 2:
        if len(days) == 1:
            return str(_EVERY_OTHER[days[0]])
        return pgettext("several days of the week", "Every other %(days)s") % {"days": _days_list(days)}
    return ngettext("Every %(count)s week on %(days)s", "Every %(count)s weeks on %(days)s", rule.interval) % {
        "count": rule.interval,
        "days": _days_list(days),
    }


def _monthly(rule: Rule, start: date) -> str:
    if rule.monthly_weekday is not None:
        return _nth_weekday(rule.monthly_weekday, rule.interval)
    day = rule.month_day if rule.month_day is not None else start.day
    if day == -1:
        if rule.interval == 1:
            return gettext("On the last day of every month")
        if rule.interval == 2:
            return gettext("On the last day of every other month")
        return ngettext(
            "On the last day of every %(count)s month", "On the last day of every %(count)s months", rule.interval
        ) % {"count": rule.interval}
    values = {"day": day_of_month(day), "count": rule.interval}
    if rule.interval == 1:
        return gettext("On %(day)s of every month") % values
    if rule.interval == 2:
        return gettext("On %(day)s of every other month") % values
    return (
        ngettext("On %(day)s of every %(count)s month", "On %(day)s of every %(count)s months", rule.interval) % values
    )


def _nth_weekday(which: MonthlyWeekday, interval: int) -> str:
    values = {"weekday": str(_NTH_WEEKDAY[(which.ordinal, which.weekday)]), "count": interval}
    if interval == 1:
        return gettext("On %(weekday)s of every month") % values
    if interval == 2:
        return gettext("On %(weekday)s of every other month") % values
    return (
        ngettext("On %(weekday)s of every %(count)s month", "On %(weekday)s of every %(count)s months", interval)
        % values
    )


def _ending(rule: Rule, sentence: str) -> str:
    if rule.until is not None:
        # "E" is the month as said in a date: Polish "31 grudnia", not "31 grudzień".
        return gettext("%(pattern)s, until %(date)s") % {"pattern": sentence, "date": date_format(rule.until, "j E Y")}
    if rule.count == 1:
        return gettext("%(pattern)s, once only") % {"pattern": sentence}
    if rule.count is not None:
        return ngettext("%(pattern)s, %(count)s time in all", "%(pattern)s, %(count)s times in all", rule.count) % {
            "pattern": sentence,
            "count": f"{rule.count:,}",
        }
    return sentence
