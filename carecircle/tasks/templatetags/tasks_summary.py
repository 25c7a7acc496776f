"""The tasks part of the circle home page: what's next, how many things need help (three queries), and
for organisers the concerns raised at visits this week (one more)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django import template
from django.utils import timezone

from carecircle.circles.access import CircleAccess
from carecircle.tasks.models import Status, VisitLog
from carecircle.tasks.schedule import TaskOccurrence, local_midnight_utc
from carecircle.tasks.selectors import occurrences_for, visit_concerns_since

register = template.Library()

SUMMARY_DAYS = 14
NEXT_ITEMS = 5
# Concerns from visits stay on the organisers' home page this long.
CONCERN_DAYS = 7


@dataclass(frozen=True)
class Summary:
    upcoming: list[TaskOccurrence]
    needs_help: int
    days: int


def _end(item: TaskOccurrence) -> datetime.datetime:
    occurrence = item.occurrence
    if occurrence.end_utc is not None:
        return occurrence.end_utc
    assert occurrence.end_date is not None
    return local_midnight_utc(occurrence.end_date, item.task.time_zone)


@register.simple_tag
def tasks_summary(access: CircleAccess) -> Summary:
    today = timezone.localdate()
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(today, datetime.time(), tzinfo=zone)
    # The window starts at local midnight, so the list is the same all day (and cached);
    # what ended more than two hours ago is then left out.
    items = occurrences_for(
        accesses=[access], window_start=start, window_end=start + datetime.timedelta(days=SUMMARY_DAYS)
    )
    recent = timezone.now() - datetime.timedelta(hours=2)
    items = [item for item in items if _end(item) > recent]
    return Summary(
        upcoming=items[:NEXT_ITEMS],
        needs_help=sum(1 for item in items if item.status == Status.NEEDS_HELP),
        days=SUMMARY_DAYS,
    )


@register.simple_tag
def visit_concerns(access: CircleAccess) -> list[VisitLog]:
    """Concerns raised at visits in the last week, newest first, for those who manage tasks (one query)."""
    if not access.can("tasks.manage"):
        return []
    since = timezone.now() - datetime.timedelta(days=CONCERN_DAYS)
    return visit_concerns_since(circle=access.circle, since=since)
