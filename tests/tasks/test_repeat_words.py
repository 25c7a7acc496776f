"""Repeat patterns said in words, never as RRULE text."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from carecircle.lib.repeat_rule import MAX_COUNT, MAX_INTERVAL, Frequency, MonthlyWeekday, Rule, Weekday
from carecircle.tasks.repeat_words import day_of_month, describe, describe_rrule


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    """The words follow the active language; a request in an earlier test can leave another one active."""
    with translation.override("en-gb"):
        yield


# A Tuesday, the 3rd of the month.
TUESDAY_THE_3RD = date(2026, 3, 3)


@pytest.mark.parametrize(
    ("rrule", "at", "expected"),
    [
        ("FREQ=DAILY", None, "Every day"),
        ("FREQ=DAILY", time(8, 0), "Every day at 08:00"),
        ("FREQ=DAILY;INTERVAL=2", None, "Every other day"),
        ("FREQ=DAILY;INTERVAL=3", None, "Every 3 days"),
        ("FREQ=WEEKLY", None, "Every Tuesday"),
        ("FREQ=WEEKLY;BYDAY=TU", None, "Every Tuesday"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=SU", None, "Every other Sunday"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=SU", time(10, 30), "Every other Sunday at 10:30"),
        ("FREQ=WEEKLY;INTERVAL=3;BYDAY=MO", None, "Every 3 weeks on Monday"),
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", time(8, 0), "Weekdays at 08:00"),
        ("FREQ=WEEKLY;BYDAY=SA,SU", None, "Weekends"),
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU", None, "Every day"),
        ("FREQ=WEEKLY;BYDAY=TH,TU", None, "Every Tuesday and Thursday"),
        ("FREQ=WEEKLY;BYDAY=MO,WE,FR", time(18, 15), "Every Monday, Wednesday and Friday at 18:15"),
        (
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TU,WE,TH,FR",
            None,
            "Every other Monday, Tuesday, Wednesday, Thursday and Friday",
        ),
        ("FREQ=MONTHLY", None, "On the 3rd of every month"),
        ("FREQ=MONTHLY;BYMONTHDAY=1", None, "On the 1st of every month"),
        ("FREQ=MONTHLY;BYMONTHDAY=22;INTERVAL=2", None, "On the 22nd of every other month"),
        ("FREQ=MONTHLY;BYMONTHDAY=11;INTERVAL=6", None, "On the 11th of every 6 months"),
        ("FREQ=MONTHLY;BYMONTHDAY=-1", None, "On the last day of every month"),
        ("FREQ=MONTHLY;BYDAY=2TU", None, "On the second Tuesday of every month"),
        ("FREQ=MONTHLY;BYDAY=-1FR", time(9, 0), "On the last Friday of every month at 09:00"),
        ("FREQ=MONTHLY;BYDAY=-2WE", None, "On the second to last Wednesday of every month"),
        ("FREQ=MONTHLY;BYDAY=-3MO", None, "On the third to last Monday of every month"),
        ("FREQ=WEEKLY;BYDAY=TU;COUNT=10", None, "Every Tuesday, 10 times in all"),
        ("FREQ=DAILY;COUNT=1", None, "Every day, once only"),
        ("FREQ=WEEKLY;BYDAY=TU;UNTIL=20261231", None, "Every Tuesday, until 31 December 2026"),
    ],
)
def test_it_says_the_pattern_in_words(rrule: str, at: time | None, expected: str) -> None:
    assert describe(Rule.parse(rrule), start=TUESDAY_THE_3RD, at=at) == expected


def test_a_pattern_without_a_day_takes_the_day_from_the_start() -> None:
    sunday_the_15th = date(2026, 3, 15)
    assert describe(Rule(frequency=Frequency.WEEKLY), start=sunday_the_15th) == "Every Sunday"
    assert describe(Rule(frequency=Frequency.MONTHLY), start=sunday_the_15th) == "On the 15th of every month"


def test_a_one_off_task_does_not_repeat() -> None:
    assert describe_rrule("", start=TUESDAY_THE_3RD) == "Does not repeat"
    assert describe_rrule("FREQ=WEEKLY;BYDAY=TU", start=TUESDAY_THE_3RD, at=time(14, 0)) == "Every Tuesday at 14:00"


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (31, "31st"),
    ],
)
def test_it_writes_days_of_the_month(number: int, expected: str) -> None:
    assert day_of_month(number) == f"the {expected}"


@st.composite
def rules(draw: st.DrawFn) -> Rule:
    frequency = draw(st.sampled_from(list(Frequency)))
    interval = draw(st.integers(1, MAX_INTERVAL[frequency]))
    weekdays: tuple[Weekday, ...] = ()
    month_day = None
    monthly_weekday = None
    if frequency is Frequency.WEEKLY:
        weekdays = tuple(draw(st.sets(st.sampled_from(list(Weekday)))))
    if frequency is Frequency.MONTHLY:
        choice = draw(st.sampled_from(["none", "day", "weekday"]))
        if choice == "day":
            month_day = draw(st.one_of(st.integers(1, 31), st.just(-1)))
        elif choice == "weekday":
            ordinal_number = draw(st.sampled_from([1, 2, 3, 4, 5, -1, -2, -3, -4, -5]))
            monthly_weekday = MonthlyWeekday(ordinal_number, draw(st.sampled_from(list(Weekday))))
    ending = draw(st.sampled_from(["never", "until", "count"]))
    return Rule(
        frequency=frequency,
        interval=interval,
        weekdays=weekdays,
        month_day=month_day,
        monthly_weekday=monthly_weekday,
        until=draw(st.dates(date(2026, 1, 1), date(2030, 12, 31))) if ending == "until" else None,
        count=draw(st.integers(1, MAX_COUNT)) if ending == "count" else None,
    )


@given(rule=rules(), start=st.dates(date(2026, 1, 1), date(2030, 12, 31)), at=st.none() | st.times())
def test_every_pattern_reads_as_a_sentence_without_rrule_text(rule: Rule, start: date, at: time | None) -> None:
    sentence = describe(rule, start=start, at=at)
    assert sentence[0].isupper()
    for machine_word in ("FREQ", "BYDAY", "INTERVAL", "RRULE", "UNTIL", "COUNT", "=", ";", "(s)"):
        assert machine_word not in sentence
    assert "  " not in sentence
    if at is not None:
        assert f"at {at:%H:%M}" in sentence


@pytest.mark.parametrize(
    ("rrule", "at", "welsh", "polish"),
    [
        ("FREQ=DAILY", time(8, 0), "Bob dydd am 08:00", "Codziennie o 08:00"),
        ("FREQ=DAILY;INTERVAL=2", None, "Bob yn ail ddiwrnod", "Co drugi dzień"),
        ("FREQ=DAILY;INTERVAL=3", None, "Bob 3 diwrnod", "Co 3 dni"),
        ("FREQ=WEEKLY", None, "Bob dydd Mawrth", "W każdy wtorek"),
        ("FREQ=WEEKLY;BYDAY=WE", None, "Bob dydd Mercher", "W każdą środę"),
        (
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=SU",
            time(10, 30),
            "Bob yn ail ddydd Sul am 10:30",
            "Co drugą niedzielę o 10:30",
        ),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", None, "Bob yn ail ddydd Llun", "Co drugi poniedziałek"),
        (
            "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
            time(8, 0),
            "Bob dydd Llun i ddydd Gwener am 08:00",
            "Od poniedziałku do piątku o 08:00",
        ),
        (
            "FREQ=WEEKLY;BYDAY=MO,WE,FR",
            None,
            "Bob dydd Llun, dydd Mercher a dydd Gwener",
            "Co tydzień: poniedziałek, środa i piątek",
        ),
        ("FREQ=WEEKLY;INTERVAL=3;BYDAY=SA", None, "Bob 3 wythnos: dydd Sadwrn", "Co 3 tygodnie: sobota"),
        ("FREQ=WEEKLY;INTERVAL=5;BYDAY=SA", None, "Bob 5 wythnos: dydd Sadwrn", "Co 5 tygodni: sobota"),
        ("FREQ=MONTHLY", None, "Ar y 3ydd o bob mis", "Co miesiąc, 3. dnia"),
        ("FREQ=MONTHLY;BYMONTHDAY=8", None, "Ar yr 8fed o bob mis", "Co miesiąc, 8. dnia"),
        ("FREQ=MONTHLY;BYMONTHDAY=22;INTERVAL=2", None, "Ar y 22ain o bob yn ail fis", "Co dwa miesiące, 22. dnia"),
        ("FREQ=MONTHLY;BYMONTHDAY=-1", None, "Ar ddiwrnod olaf pob mis", "Ostatniego dnia każdego miesiąca"),
        ("FREQ=MONTHLY;BYDAY=1MO", None, "Ar y dydd Llun cyntaf o bob mis", "W pierwszy poniedziałek każdego miesiąca"),
        ("FREQ=MONTHLY;BYDAY=2SU", None, "Ar yr ail ddydd Sul o bob mis", "W drugą niedzielę każdego miesiąca"),
        ("FREQ=MONTHLY;BYDAY=-1FR", None, "Ar y dydd Gwener olaf o bob mis", "W ostatni piątek każdego miesiąca"),
        ("FREQ=WEEKLY;BYDAY=TU;COUNT=1", None, "Bob dydd Mawrth, unwaith yn unig", "W każdy wtorek, tylko raz"),
        ("FREQ=WEEKLY;BYDAY=TU;COUNT=3", None, "Bob dydd Mawrth, 3 gwaith i gyd", "W każdy wtorek, łącznie 3 razy"),
        (
            "FREQ=WEEKLY;BYDAY=TU;UNTIL=20261231",
            None,
            "Bob dydd Mawrth, tan 31 Rhagfyr 2026",
            "W każdy wtorek, do 31 grudnia 2026",
        ),
    ],
)
def test_it_says_the_pattern_in_welsh_and_polish(rrule: str, at: time | None, welsh: str, polish: str) -> None:
    rule = Rule.parse(rrule)
    with translation.override("cy"):
        assert describe(rule, start=TUESDAY_THE_3RD, at=at) == welsh
    with translation.override("pl"):
        assert describe(rule, start=TUESDAY_THE_3RD, at=at) == polish


@given(rule=rules(), start=st.dates(date(2026, 1, 1), date(2030, 12, 31)), at=st.none() | st.times())
def test_every_pattern_has_a_whole_sentence_in_welsh_and_polish(rule: Rule, start: date, at: time | None) -> None:
    english = describe(rule, start=start, at=at)
    for language in ("cy", "pl"):
        with translation.override(language):
            sentence = describe(rule, start=start, at=at)
        assert sentence[0].isupper()
        assert sentence != english
        # No English word or stray placeholder leaks into a translated pattern.
        for english_word in ("Every", "every", " on ", " of ", " at ", "until", "times", "Monday", "Sunday", "%("):
            assert english_word not in sentence
