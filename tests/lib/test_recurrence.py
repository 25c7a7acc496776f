"""Repeating tasks: rules, occurrences across daylight saving, overrides, splits and validation."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil import rrule as dateutil_rrule
from dateutil.rrule import rrulestr
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from carecircle.lib.recurrence import Occurrence, Override, check_series, first_start, occurrences, split
from carecircle.lib.repeat_rule import Frequency, MonthlyWeekday, Rule, Weekday
from carecircle.lib.wall_clock import wall_clock_to_utc

LONDON = "Europe/London"
NEW_YORK = "America/New_York"
DAILY = Rule(Frequency.DAILY)
ZONES = [LONDON, NEW_YORK, "Australia/Lord_Howe", "Pacific/Auckland", "Asia/Kolkata", "America/Santiago", "UTC"]


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def starts_utc(found: list[Occurrence]) -> list[datetime | None]:
    return [occurrence.start_utc for occurrence in found]


def local_times(found: list[Occurrence], time_zone: str) -> list[datetime]:
    zone = ZoneInfo(time_zone)
    return [occurrence.start_utc.astimezone(zone).replace(tzinfo=None) for occurrence in found if occurrence.start_utc]


# Plain dateutil, from the rule's own RRULE text and the very first start, for comparison.


def expected(
    rule: Rule, start_local: datetime, time_zone: str, window_start: datetime, window_end: datetime, length: timedelta
) -> list[tuple[date, datetime, datetime]]:
    zone = ZoneInfo(time_zone)
    text = rule.to_rrule_string()
    if rule.until is not None:
        # Rule.until means "up to the end of that local day".
        text = text.replace(f"UNTIL={rule.until:%Y%m%d}", f"UNTIL={rule.until:%Y%m%d}T235959")
    limit = window_end.astimezone(zone).replace(tzinfo=None) + timedelta(days=2)
    result = []
    for local in rrulestr(text, dtstart=start_local):
        if local > limit:
            break
        # The documented conversion: fold=0, so a gap time moves forward and a repeated time is the first.
        start = local.replace(tzinfo=zone).astimezone(UTC)
        end = start + length
        if start < window_end and (end > window_start or start >= window_start):
            result.append((local.date(), start, end))
    return result


def as_tuples(found: list[Occurrence]) -> list[tuple[date, datetime | None, datetime | None]]:
    return [(occurrence.original_date, occurrence.start_utc, occurrence.end_utc) for occurrence in found]


@st.composite
def rules(draw: st.DrawFn, starts_on: date | None = None) -> Rule:
    frequency = draw(st.sampled_from(list(Frequency)))
    interval = draw(st.integers(1, 4) | st.sampled_from([7, 12, 52]))
    weekdays: tuple[Weekday, ...] = ()
    month_day = None
    monthly_weekday = None
    if frequency is Frequency.WEEKLY:
        weekdays = tuple(draw(st.lists(st.sampled_from(list(Weekday)), max_size=7, unique=True)))
    if frequency is Frequency.MONTHLY:
        kind = draw(st.sampled_from(["start's day", "month day", "nth weekday"]))
        if kind == "month day":
            month_day = draw(st.integers(1, 31) | st.just(-1))
        elif kind == "nth weekday":
            ordinal = draw(st.integers(1, 5) | st.integers(-5, -1))
            monthly_weekday = MonthlyWeekday(ordinal, draw(st.sampled_from(list(Weekday))))
    end = draw(st.sampled_from(["open", "until", "count"]))
    # Most end dates fall after the start, where they shape the series; a few fall before it.
    around = (date(2020, 1, 1), date(2030, 12, 31)) if starts_on is None else (starts_on, starts_on)
    until_dates = st.dates(around[0] - timedelta(days=30), around[1] + timedelta(days=1500))
    until = draw(until_dates) if end == "until" else None
    count = draw(st.integers(1, 60)) if end == "count" else None
    return Rule(frequency, interval, weekdays, month_day, monthly_weekday, until, count)


# Times near the clock changes are drawn often, so gaps and repeated hours are exercised.
start_times = st.sampled_from([time(0, 30), time(1, 0), time(1, 30), time(2, 0), time(2, 30), time(3, 0)]) | st.builds(
    time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45])
)
start_locals = st.builds(datetime.combine, st.dates(date(2020, 1, 1), date(2030, 12, 31)), start_times)
lengths = st.sampled_from([timedelta(0), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=26)])


@st.composite
def series(draw: st.DrawFn) -> tuple[Rule, datetime]:
    start_local = draw(start_locals)
    return draw(rules(start_local.date())), start_local


@st.composite
def windows(draw: st.DrawFn, start_local: datetime) -> tuple[datetime, datetime]:
    offset = timedelta(days=draw(st.integers(-40, 4 * 366)), hours=draw(st.integers(0, 23)))
    window_start = datetime.combine(start_local.date(), time(), tzinfo=UTC) + offset
    return window_start, window_start + timedelta(hours=draw(st.integers(0, 24 * 70)))


@settings(max_examples=200, deadline=None)
@given(rule_and_start=series(), time_zone=st.sampled_from(ZONES), length=lengths, data=st.data())
def test_it_matches_dateutil_for_random_rules(rule_and_start, time_zone, length, data):
    """Without overrides, the occurrences are exactly plain dateutil's, converted to UTC one by one."""
    rule, start_local = rule_and_start
    window_start, window_end = data.draw(windows(start_local))
    found = occurrences(
        rule=rule,
        start_local=start_local,
        time_zone=time_zone,
        window_start=window_start,
        window_end=window_end,
        duration=length,
    )
    assert as_tuples(found) == expected(rule, start_local, time_zone, window_start, window_end, length)
    assert not any(occurrence.is_override for occurrence in found)


@settings(max_examples=150, deadline=None)
@given(rule_and_start=series(), time_zone=st.sampled_from(ZONES), data=st.data())
def test_it_applies_a_cancel_and_a_move(rule_and_start, time_zone, data):
    """A cancel removes exactly that occurrence; a move shows it at its new time only if that is in the window.

    The moved occurrence may come from outside the window, and its new time may land in or out of it.
    """
    rule, start_local = rule_and_start
    hour = timedelta(hours=1)
    near_start = datetime.combine(start_local.date(), time(), tzinfo=UTC)
    candidates = expected(
        rule, start_local, time_zone, near_start - timedelta(days=2), near_start + timedelta(days=400), hour
    )
    assume(len(candidates) >= 3)
    first = data.draw(st.integers(0, len(candidates) - 2))
    last = min(first + data.draw(st.integers(1, 30)), len(candidates) - 1)
    window_start = candidates[first][1] - timedelta(minutes=data.draw(st.integers(0, 3 * 24 * 60)))
    window_end = candidates[last][1] + timedelta(minutes=data.draw(st.integers(1, 3 * 24 * 60)))
    plain = expected(rule, start_local, time_zone, window_start, window_end, hour)
    cancelled = data.draw(st.sampled_from(plain))
    moved = data.draw(st.sampled_from([item for item in candidates if item != cancelled]))
    new_day = moved[0] + timedelta(days=data.draw(st.integers(-40, 40)))
    new_start = datetime.combine(new_day, data.draw(start_times))
    overrides = {cancelled[0]: Override.cancel(), moved[0]: Override.move(new_start, timedelta(minutes=45))}

    found = occurrences(
        rule=rule,
        start_local=start_local,
        time_zone=time_zone,
        window_start=window_start,
        window_end=window_end,
        overrides=overrides,
        duration=hour,
    )

    moved_start = wall_clock_to_utc(new_start, time_zone)
    moved_end = moved_start + timedelta(minutes=45)
    wanted = [item for item in plain if item not in (cancelled, moved)]
    moved_in = moved_start < window_end and (moved_end > window_start or moved_start >= window_start)
    if moved_in:
        wanted.append((moved[0], moved_start, moved_end))
    assert as_tuples(found) == sorted(wanted, key=lambda item: (item[1], item[0]))
    assert [o.original_date for o in found if o.is_override] == ([moved[0]] if moved_in else [])


@settings(max_examples=200, deadline=None)
@given(rule=rules())
def test_a_rule_survives_the_round_trip_through_its_rrule_text(rule):
    assert Rule.parse(rule.to_rrule_string()) == rule


@settings(max_examples=100, deadline=None)
@given(rule_and_start=series(), time_zone=st.sampled_from(ZONES), data=st.data())
def test_the_two_parts_of_a_split_series_are_the_whole_series(rule_and_start, time_zone, data):
    """'This and following' keeps every occurrence: the parts together equal the original, COUNT included."""
    rule, start_local = rule_and_start
    near_start = datetime.combine(start_local.date(), time(), tzinfo=UTC)
    window = (near_start - timedelta(days=2), near_start + timedelta(days=1600))
    whole = occurrences(
        rule=rule, start_local=start_local, time_zone=time_zone, window_start=window[0], window_end=window[1]
    )
    assume(len(whole) >= 2)
    at_date = data.draw(st.sampled_from(whole[1:])).original_date

    before, after, after_start = split(rule, start_local, at_date)

    first_part = occurrences(
        rule=before, start_local=start_local, time_zone=time_zone, window_start=window[0], window_end=window[1]
    )
    second_part = occurrences(
        rule=after, start_local=after_start, time_zone=time_zone, window_start=window[0], window_end=window[1]
    )
    assert first_part + second_part == whole
    assert first_part[-1].original_date < at_date == second_part[0].original_date
    if rule.count is not None:
        assert after.count == rule.count - len(first_part)


# Daylight saving: the wall-clock time stays put, the UTC time moves.


def test_it_keeps_half_past_ten_in_london_through_the_march_change():
    found = occurrences(
        rule=DAILY,
        start_local=datetime(2026, 3, 1, 10, 30),
        time_zone=LONDON,
        window_start=utc(2026, 3, 27),
        window_end=utc(2026, 4, 1),
    )
    assert starts_utc(found) == [
        utc(2026, 3, 27, 10, 30),
        utc(2026, 3, 28, 10, 30),
        utc(2026, 3, 29, 9, 30),
        utc(2026, 3, 30, 9, 30),
        utc(2026, 3, 31, 9, 30),
    ]
    assert {moment.time() for moment in local_times(found, LONDON)} == {time(10, 30)}


def test_it_keeps_half_past_ten_in_london_through_the_october_change():
    found = occurrences(
        rule=Rule(Frequency.WEEKLY, weekdays=(Weekday.SU,)),
        start_local=datetime(2026, 9, 6, 10, 30),
        time_zone=LONDON,
        window_start=utc(2026, 10, 17),
        window_end=utc(2026, 11, 2),
    )
    assert starts_utc(found) == [utc(2026, 10, 18, 9, 30), utc(2026, 10, 25, 10, 30), utc(2026, 11, 1, 10, 30)]


def test_a_time_in_the_spring_gap_moves_forward_by_the_gap():
    """01:30 doesn't exist in London on 29 March 2026; it happens at 02:30 BST, 01:30 UTC."""
    found = occurrences(
        rule=DAILY,
        start_local=datetime(2026, 3, 20, 1, 30),
        time_zone=LONDON,
        window_start=utc(2026, 3, 28),
        window_end=utc(2026, 3, 31),
    )
    assert starts_utc(found) == [utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1, 30), utc(2026, 3, 30, 0, 30)]
    assert local_times(found, LONDON)[1] == datetime(2026, 3, 29, 2, 30)
    assert [occurrence.original_date for occurrence in found] == [
        date(2026, 3, 28),
        date(2026, 3, 29),
        date(2026, 3, 30),
    ]


def test_a_time_in_the_repeated_autumn_hour_happens_once_at_the_first_of_the_two():
    found = occurrences(
        rule=DAILY,
        start_local=datetime(2026, 10, 20, 1, 30),
        time_zone=LONDON,
        window_start=utc(2026, 10, 24),
        window_end=utc(2026, 10, 27),
    )
    assert starts_utc(found) == [utc(2026, 10, 24, 0, 30), utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)]


def test_a_window_edge_inside_the_clock_change_still_finds_the_occurrence():
    """The window edges are compared in UTC, not in wall-clock time, which jumps around the change."""
    spring = occurrences(
        rule=DAILY,
        start_local=datetime(2026, 3, 20, 1, 30),
        time_zone=LONDON,
        window_start=utc(2026, 3, 29, 1, 10),  # 02:10 BST, yet the 01:30 occurrence is at 01:30 UTC.
        window_end=utc(2026, 3, 29, 2),
    )
    autumn = occurrences(
        rule=DAILY,
        start_local=datetime(2026, 10, 20, 1, 30),
        time_zone=LONDON,
        window_start=utc(2026, 10, 25),
        window_end=utc(2026, 10, 25, 1, 15),  # 01:15 GMT, yet the 01:30 occurrence is at 00:30 UTC.
    )
    assert starts_utc(spring) == [utc(2026, 3, 29, 1, 30)]
    assert starts_utc(autumn) == [utc(2026, 10, 25, 0, 30)]


def test_new_york_keeps_its_wall_clock_time_and_handles_its_gap_and_repeated_hour():
    def daily_at(hour: int, minute: int, window_start: datetime, window_end: datetime) -> list[datetime | None]:
        found = occurrences(
            rule=DAILY,
            start_local=datetime(2026, 1, 5, hour, minute),
            time_zone=NEW_YORK,
            window_start=window_start,
            window_end=window_end,
        )
        return starts_utc(found)

    assert daily_at(10, 0, utc(2026, 3, 7), utc(2026, 3, 10)) == [
        utc(2026, 3, 7, 15),
        utc(2026, 3, 8, 14),
        utc(2026, 3, 9, 14),
    ]
    # 02:30 on 8 March doesn't exist: it becomes 03:30 EDT.
    assert daily_at(2, 30, utc(2026, 3, 8), utc(2026, 3, 9)) == [utc(2026, 3, 8, 7, 30)]
    # 01:30 on 1 November happens twice: the first, EDT, is taken.
    assert daily_at(1, 30, utc(2026, 10, 31, 12), utc(2026, 11, 2, 12)) == [
        utc(2026, 11, 1, 5, 30),
        utc(2026, 11, 2, 6, 30),
    ]


def test_wall_clock_to_utc_documents_the_gap_and_the_repeated_hour():
    assert wall_clock_to_utc(datetime(2026, 3, 29, 1, 30), LONDON) == utc(2026, 3, 29, 1, 30)
    assert wall_clock_to_utc(datetime(2026, 10, 25, 1, 30), LONDON) == utc(2026, 10, 25, 0, 30)
    assert wall_clock_to_utc(datetime(2026, 3, 8, 2, 30), NEW_YORK) == utc(2026, 3, 8, 7, 30)
    assert wall_clock_to_utc(datetime(2026, 11, 1, 1, 30), NEW_YORK) == utc(2026, 11, 1, 5, 30)


def test_a_duration_is_elapsed_time_across_the_clock_change():
    found = occurrences(
        rule=DAILY,
        start_local=datetime(2026, 3, 29, 0, 30),
        time_zone=LONDON,
        window_start=utc(2026, 3, 29),
        window_end=utc(2026, 3, 29, 12),
        duration=timedelta(hours=2),
    )
    assert as_tuples(found) == [(date(2026, 3, 29), utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 2, 30))]


def test_an_occurrence_that_started_before_the_window_and_is_still_going_is_in_it():
    found = occurrences(
        rule=DAILY,
        start_local=datetime(2026, 1, 1, 23),
        time_zone="UTC",
        window_start=utc(2026, 1, 10),
        window_end=utc(2026, 1, 10, 12),
        duration=timedelta(hours=2),
    )
    assert as_tuples(found) == [(date(2026, 1, 9), utc(2026, 1, 9, 23), utc(2026, 1, 10, 1))]


# All-day series are dates.


def test_all_day_occurrences_are_dates_and_ignore_the_clock_change():
    found = occurrences(
        rule=Rule(Frequency.WEEKLY, weekdays=(Weekday.SU,)),
        start_local=datetime(2026, 3, 1),
        time_zone=LONDON,
        window_start=utc(2026, 3, 21),
        window_end=utc(2026, 4, 6),
        all_day=True,
        duration=timedelta(days=2),
    )
    assert [(o.start_date, o.end_date, o.start_utc, o.all_day) for o in found] == [
        (date(2026, 3, 22), date(2026, 3, 24), None, True),
        (date(2026, 3, 29), date(2026, 3, 31), None, True),
        (date(2026, 4, 5), date(2026, 4, 7), None, True),
    ]


def test_an_all_day_occurrence_covers_the_day_in_the_circles_time_zone():
    """In Auckland, 10 March begins at 11:00 UTC on 9 March."""
    found = occurrences(
        rule=DAILY,
        start_local=datetime(2026, 3, 1),
        time_zone="Pacific/Auckland",
        window_start=utc(2026, 3, 9, 12),
        window_end=utc(2026, 3, 9, 13),
        all_day=True,
    )
    assert [o.start_date for o in found] == [date(2026, 3, 10)]


def test_a_moved_all_day_occurrence_lands_on_its_new_date():
    found = occurrences(
        rule=DAILY,
        start_local=datetime(2026, 3, 1),
        time_zone=LONDON,
        window_start=utc(2026, 3, 2),
        window_end=utc(2026, 3, 4),
        overrides={date(2026, 3, 2): Override.move(datetime(2026, 3, 20))},
        all_day=True,
    )
    assert [o.start_date for o in found] == [date(2026, 3, 3)]


# Overrides, one by one.


def weekly_mondays(**overrides: Override) -> list[Occurrence]:
    return occurrences(
        rule=Rule(Frequency.WEEKLY, weekdays=(Weekday.MO,)),
        start_local=datetime(2026, 1, 5, 10),
        time_zone=LONDON,
        window_start=utc(2026, 2, 1),
        window_end=utc(2026, 3, 1),
        overrides={date.fromisoformat(key[1:]): value for key, value in overrides.items()},
        duration=timedelta(hours=1),
    )


def test_a_cancel_removes_exactly_that_occurrence():
    assert starts_utc(weekly_mondays(d20260216=Override.cancel())) == [
        utc(2026, 2, 2, 10),
        utc(2026, 2, 9, 10),
        utc(2026, 2, 23, 10),
    ]


def test_a_move_places_the_occurrence_at_its_new_time_with_its_new_length():
    found = weekly_mondays(d20260216=Override.move(datetime(2026, 2, 18, 14), timedelta(minutes=30)))
    moved = [o for o in found if o.is_override]
    assert as_tuples(moved) == [(date(2026, 2, 16), utc(2026, 2, 18, 14), utc(2026, 2, 18, 14, 30))]
    assert starts_utc(found) == [utc(2026, 2, 2, 10), utc(2026, 2, 9, 10), utc(2026, 2, 18, 14), utc(2026, 2, 23, 10)]


def test_a_move_keeps_the_series_length_when_none_is_given():
    found = weekly_mondays(d20260216=Override.move(datetime(2026, 2, 17, 9)))
    assert [o.end_utc for o in found if o.is_override] == [utc(2026, 2, 17, 10)]


def test_a_move_out_of_the_window_removes_the_occurrence():
    found = weekly_mondays(d20260223=Override.move(datetime(2026, 3, 3, 10)))
    assert starts_utc(found) == [utc(2026, 2, 2, 10), utc(2026, 2, 9, 10), utc(2026, 2, 16, 10)]


def test_a_move_into_the_window_from_outside_it_appears():
    found = weekly_mondays(d20260302=Override.move(datetime(2026, 2, 27, 10)))
    assert [(o.original_date, o.start_utc) for o in found if o.is_override] == [
        (date(2026, 3, 2), utc(2026, 2, 27, 10))
    ]


def test_an_override_for_a_date_the_series_does_not_have_is_ignored():
    found = weekly_mondays(d20260217=Override.move(datetime(2026, 2, 18, 10)), d20260218=Override.cancel())
    assert starts_utc(found) == [utc(2026, 2, 2, 10), utc(2026, 2, 9, 10), utc(2026, 2, 16, 10), utc(2026, 2, 23, 10)]


# Rules and their RRULE text.


def test_it_writes_the_rrule_value():
    rule = Rule(Frequency.WEEKLY, interval=2, weekdays=(Weekday.TH, Weekday.TU), count=10)
    assert rule.to_rrule_string() == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;COUNT=10"
    assert Rule(
        Frequency.MONTHLY, monthly_weekday=MonthlyWeekday(-1, Weekday.FR), until=date(2026, 12, 31)
    ).to_rrule_string() == ("FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20261231")
    assert Rule(Frequency.MONTHLY, month_day=15).to_rrule_string() == "FREQ=MONTHLY;BYMONTHDAY=15"


def test_it_reads_a_hand_written_rrule():
    assert Rule.parse(" RRULE:freq=weekly; byday=th,tu ;interval=2;count=10 ") == Rule(
        Frequency.WEEKLY, interval=2, weekdays=(Weekday.TU, Weekday.TH), count=10
    )
    assert Rule.parse("FREQ=MONTHLY;BYDAY=2TU").monthly_weekday == MonthlyWeekday(2, Weekday.TU)


def test_the_calendar_rrule_gives_until_in_utc_as_rfc_5545_requires():
    rule = Rule(Frequency.WEEKLY, weekdays=(Weekday.TU,), until=date(2026, 3, 31))
    text = rule.to_calendar_rrule_string(start_local=datetime(2026, 3, 3, 10, 30), time_zone=LONDON)
    assert text == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20260331T093000Z"
    zone = ZoneInfo(LONDON)
    last = list(rrulestr(text, dtstart=datetime(2026, 3, 3, 10, 30, tzinfo=zone)))[-1]
    assert last == datetime(2026, 3, 31, 10, 30, tzinfo=zone)
    all_day = rule.to_calendar_rrule_string(start_local=datetime(2026, 3, 3), time_zone=LONDON, all_day=True)
    assert all_day == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20260331"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "needs FREQ. Start it with FREQ=DAILY"),
        ("COUNT=3", "needs FREQ"),
        ("FREQ=YEARLY", "FREQ=YEARLY isn't supported. Use FREQ=DAILY, FREQ=WEEKLY or FREQ=MONTHLY"),
        ("FREQ=WEEKLY;BYSETPOS=1", "BYSETPOS isn't supported in a repeat pattern. Use only FREQ, INTERVAL"),
        ("FREQ=WEEKLY;WKST=SU", "WKST isn't supported"),
        ("FREQ=DAILY;COUNT", "isn't written NAME=VALUE"),
        ("FREQ=DAILY;FREQ=WEEKLY", "FREQ appears more than once"),
        ("FREQ=DAILY;INTERVAL=two", 'INTERVAL must be a whole number, not "TWO"'),
        ("FREQ=DAILY;INTERVAL=0", "every 1 to 365 days, not 0"),
        ("FREQ=WEEKLY;BYDAY=MO,XX", "BYDAY takes days written MO, TU"),
        ("FREQ=WEEKLY;BYDAY=1MO", "Numbered weekdays like 2TU only work with FREQ=MONTHLY"),
        ("FREQ=MONTHLY;BYDAY=MO", "one numbered weekday, like BYDAY=2TU"),
        ("FREQ=MONTHLY;BYDAY=1MO,3MO", "one numbered weekday"),
        ("FREQ=MONTHLY;BYDAY=0MO", "week of the month must be 1 to 5"),
        ("FREQ=DAILY;BYDAY=MO", "Days of the week can only be chosen when it repeats weekly"),
        ("FREQ=WEEKLY;UNTIL=20260231", "UNTIL must be a date written YYYYMMDD"),
        ("FREQ=WEEKLY;UNTIL=20260301T100000Z", "UNTIL must be a date written YYYYMMDD"),
        ("FREQ=DAILY;UNTIL=20260301;COUNT=3", "either an end date or a number of times, not both"),
    ],
)
def test_it_refuses_what_it_cannot_read_and_says_why(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        Rule.parse(text)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"frequency": Frequency.WEEKLY, "interval": 0}, "every 1 to 52 weeks, not 0. Choose a number"),
        ({"frequency": Frequency.WEEKLY, "interval": 53}, "every 1 to 52 weeks, not 53"),
        ({"frequency": Frequency.MONTHLY, "interval": 53}, "every 1 to 52 months, not 53"),
        ({"frequency": Frequency.DAILY, "interval": 366}, "every 1 to 365 days, not 366"),
        ({"frequency": Frequency.DAILY, "count": 0}, "1 to 500 times, not 0. Choose a number in that range, or an end"),
        ({"frequency": Frequency.DAILY, "count": 501}, "1 to 500 times, not 501"),
        ({"frequency": Frequency.DAILY, "count": 2, "until": date(2026, 1, 1)}, "not both"),
        ({"frequency": Frequency.DAILY, "until": datetime(2026, 1, 1, 9)}, "as a date, without a time of day"),
        ({"frequency": Frequency.MONTHLY, "weekdays": (Weekday.MO,)}, "only be chosen when it repeats weekly"),
        ({"frequency": Frequency.WEEKLY, "month_day": 3}, "only be chosen when it repeats monthly"),
        ({"frequency": Frequency.MONTHLY, "month_day": 32}, "1 to 31, or -1 for the last day, not 32"),
        ({"frequency": Frequency.MONTHLY, "month_day": 0}, "1 to 31, or -1 for the last day, not 0"),
        (
            {"frequency": Frequency.MONTHLY, "month_day": 3, "monthly_weekday": MonthlyWeekday(1, Weekday.MO)},
            "either a date in the month",
        ),
    ],
)
def test_it_refuses_a_rule_out_of_range_and_says_what_to_do(arguments, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        Rule(**arguments)


@pytest.mark.parametrize(
    "rule",
    [
        Rule(Frequency.DAILY, interval=365, count=500),
        Rule(Frequency.WEEKLY, interval=52, count=1),
        Rule(Frequency.MONTHLY, interval=52, month_day=-1),
    ],
)
def test_it_accepts_the_limits_themselves(rule):
    assert Rule.parse(rule.to_rrule_string()) == rule


def test_a_series_that_ends_before_it_starts_is_refused():
    with pytest.raises(
        ValueError, match=re.escape("ends on 1 March 2026, before it starts on 2 March 2026. Choose an end date")
    ):
        check_series(rule=Rule(Frequency.DAILY, until=date(2026, 3, 1)), start_local=datetime(2026, 3, 2, 9))


def test_a_pattern_that_never_happens_is_refused():
    with pytest.raises(
        ValueError, match=re.escape("never happens between 1 February 2026 and 28 February 2026. Choose a later")
    ):
        check_series(
            rule=Rule(Frequency.MONTHLY, month_day=30, until=date(2026, 2, 28)), start_local=datetime(2026, 2, 1, 9)
        )
    with pytest.raises(ValueError, match=re.escape("never happens after 2 February 2026. Choose different days")):
        check_series(rule=Rule(Frequency.MONTHLY, interval=12, month_day=30), start_local=datetime(2026, 2, 2, 9))


def test_a_series_that_happens_passes_the_check():
    rule = Rule(Frequency.WEEKLY, weekdays=(Weekday.FR,), until=date(2026, 3, 6))
    check_series(rule=rule, start_local=datetime(2026, 3, 2, 9))
    assert first_start(rule=rule, start_local=datetime(2026, 3, 2, 9)) == datetime(2026, 3, 6, 9)


def test_weekly_without_days_repeats_on_the_starts_weekday():
    found = occurrences(
        rule=Rule(Frequency.WEEKLY),
        start_local=datetime(2026, 3, 4, 9),
        time_zone="UTC",
        window_start=utc(2026, 3, 1),
        window_end=utc(2026, 3, 22),
    )
    assert starts_utc(found) == [utc(2026, 3, 4, 9), utc(2026, 3, 11, 9), utc(2026, 3, 18, 9)]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"time_zone": "Europe/Atlantis"}, '"Europe/Atlantis" isn\'t a time zone we know. Choose one such as'),
        ({"window_start": datetime(2026, 1, 1)}, "window must be given in UTC"),
        ({"window_end": utc(2025, 12, 1)}, "window ends before it starts"),
        ({"start_local": datetime(2026, 1, 1, 9, tzinfo=UTC)}, "wall-clock time without a time zone"),
        ({"duration": timedelta(hours=-1)}, "can't end before it starts"),
        ({"all_day": True, "duration": timedelta(hours=36)}, "whole number of days, at least one"),
    ],
)
def test_occurrences_refuses_bad_input_clearly(arguments, message):
    values = {
        "rule": DAILY,
        "start_local": datetime(2026, 1, 1, 9),
        "time_zone": LONDON,
        "window_start": utc(2026, 1, 1),
        "window_end": utc(2026, 2, 1),
        **arguments,
    }
    with pytest.raises(ValueError, match=re.escape(message)):
        occurrences(**values)


def test_an_override_either_cancels_or_moves():
    with pytest.raises(ValueError, match=re.escape("either cancels it or moves it")):
        Override()
    with pytest.raises(ValueError, match=re.escape("either cancels it or moves it")):
        Override(cancelled=True, start_local=datetime(2026, 1, 1))
    with pytest.raises(ValueError, match=re.escape("cancelled occurrence has no length")):
        Override(cancelled=True, duration=timedelta(hours=1))
    with pytest.raises(ValueError, match=re.escape("without a time zone")):
        Override.move(datetime(2026, 1, 1, tzinfo=UTC))


# Splitting for "this and following".


def test_split_of_a_series_with_an_end_date():
    rule = Rule(Frequency.WEEKLY, weekdays=(Weekday.TU, Weekday.TH), until=date(2026, 3, 31))
    before, after, after_start = split(rule, datetime(2026, 1, 6, 9), date(2026, 2, 3))
    assert before == Rule(Frequency.WEEKLY, weekdays=(Weekday.TU, Weekday.TH), until=date(2026, 2, 2))
    assert after == rule
    assert after_start == datetime(2026, 2, 3, 9)


def test_split_shares_the_count_between_the_parts():
    rule = Rule(Frequency.WEEKLY, interval=2, weekdays=(Weekday.TU, Weekday.TH), count=10)
    before, after, after_start = split(rule, datetime(2026, 1, 6, 9), date(2026, 1, 20))
    assert before.until == date(2026, 1, 19)
    assert before.count is None
    assert after.count == 8
    assert after_start == datetime(2026, 1, 20, 9)


def test_split_refuses_a_date_the_series_does_not_have_or_its_first():
    rule = Rule(Frequency.WEEKLY, weekdays=(Weekday.TU,), count=3)
    with pytest.raises(ValueError, match=re.escape("doesn't happen on 7 January 2026. Choose a date it happens on")):
        split(rule, datetime(2026, 1, 6, 9), date(2026, 1, 7))
    with pytest.raises(ValueError, match=re.escape("doesn't happen on 27 January 2026")):
        split(rule, datetime(2026, 1, 6, 9), date(2026, 1, 27))
    with pytest.raises(
        ValueError, match=re.escape("6 January 2026 is the first time this series happens. Change the whole")
    ):
        split(rule, datetime(2026, 1, 6, 9), date(2026, 1, 6))


# The cost depends on the window, not on the age of the series.


@pytest.mark.parametrize(
    "rule", [DAILY, Rule(Frequency.WEEKLY, weekdays=(Weekday.MO, Weekday.FR)), Rule(Frequency.MONTHLY)]
)
def test_a_series_thousands_of_years_old_is_expanded_near_the_window_only(rule, monkeypatch):
    """Walking a daily series from year 1 to 9000 one by one makes millions of dates; this makes dozens."""
    generated = count_generated_dates(monkeypatch)
    found = occurrences(
        rule=rule,
        start_local=datetime(1, 1, 1, 10, 30),
        time_zone=LONDON,
        window_start=utc(9000, 5, 1),
        window_end=utc(9000, 6, 1),
    )
    assert found
    assert 0 < generated() <= 100


def count_generated_dates(monkeypatch: pytest.MonkeyPatch):
    """Count every date dateutil generates for the series: the work done, whatever the machine's speed."""
    made = [0]

    class CountingRule(dateutil_rrule.rrule):  # type: ignore[misc]
        def _iter(self):
            for moment in super()._iter():
                made[0] += 1
                yield moment

    monkeypatch.setattr(dateutil_rrule, "rrule", CountingRule)
    return lambda: made[0]
