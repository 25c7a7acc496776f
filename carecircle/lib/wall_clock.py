"""Wall-clock times: a task's start is a time on the circle's clock, turned into UTC only to compare.

See docs/architecture/recurrence.md for how gaps and repeated hours at daylight-saving changes are read.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.utils.translation import gettext

# Days the product plans and records: far enough back for a date of birth, far enough ahead for any
# plan, and well inside what date arithmetic can reach (a task on 9999-12-30 overflowed).
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2199, 12, 31)
# Names the tz database ships that are not places: the machine's own zone, a placeholder, and the
# alternative "posix/" and "right/" (leap-second) trees of the same zones.
NOT_TIME_ZONES = frozenset({"Factory", "localtime", "posixrules"})
NOT_TIME_ZONE_PREFIXES = ("posix/", "right/")


def check_day(day: date, what: str = "") -> date:
    """The day itself when it is between EARLIEST_DAY and LATEST_DAY; otherwise ValueError in words.

    `what` names the date in the active language ("The arrival time"); without it, "The date".
    """
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        years = {"earliest": EARLIEST_DAY.year, "latest": LATEST_DAY.year}
        if not what:
            raise ValueError(gettext("The date must be between %(earliest)s and %(latest)s. Check the year.") % years)
        raise ValueError(
            # Translators: %(what)s names the date or time, already translated, such as "The arrival time".
            gettext("%(what)s must be between %(earliest)s and %(latest)s. Check the year.") % {"what": what, **years}
        )
    return day


@functools.cache
def time_zone_names() -> frozenset[str]:
    """Every IANA time zone name people may choose, including older aliases like "GB"."""
    return frozenset(
        name
        for name in available_timezones()
        if name not in NOT_TIME_ZONES and not name.startswith(NOT_TIME_ZONE_PREFIXES)
    )


def wall_clock_to_utc(local: datetime, time_zone: str) -> datetime:
    """The UTC instant of a wall-clock time in the zone (see to_utc for gaps and repeated hours)."""
    check_naive(local)
    return to_utc(local, zone_named(time_zone))


def today_in(time_zone: str) -> date:
    """Today's date on the zone's clock (the circle's today, not the server's)."""
    return datetime.now(zone_named(time_zone)).date()


def to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    # fold=0 takes the offset in force before a transition. In the spring-forward gap that moves a
    # time that doesn't exist forward by the gap (01:30 London becomes 02:30 BST); in the repeated
    # autumn hour it picks the first of the two (01:30 BST, not 01:30 GMT).
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def zone_named(name: str) -> ZoneInfo:
    """The zone for an IANA name from time_zone_names(); ValueError in words for anything else."""
    try:
        if name not in time_zone_names():
            raise ZoneInfoNotFoundError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            gettext('"%(name)s" isn\'t a time zone we know. Choose one such as Europe/London.') % {"name": name}
        ) from None


def check_naive(local: datetime) -> None:
    if local.tzinfo is not None:
        raise ValueError(
            gettext("Give the start as a wall-clock time without a time zone; the circle's time zone applies.")
        )
