"""Wall-clock times: a task's start is a time on the circle's clock, turned into UTC only to compare.

See docs/architecture/recurrence.md for how gaps and repeated hours at daylight-saving changes are read.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


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
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f'"{name}" isn\'t a time zone we know. Choose one such as Europe/London.') from None


def check_naive(local: datetime) -> None:
    if local.tzinfo is not None:
        raise ValueError("Give the start as a wall-clock time without a time zone; the circle's time zone applies.")
