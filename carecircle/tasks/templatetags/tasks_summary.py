"""The tasks part of the circle home page: what's next and how many things need help (three queries)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django import template
from django.utils import timezone

from carecircle.circles.access import CircleAccess
from carecircle.tasks.models import Status
from carecircle.tasks.schedule import TaskOccurrence
from carecircle.tasks.selectors import occurrences_for

register = template.Library()

SUMMARY_DAYS = 14
NEXT_ITEMS = 5


@dataclass(frozen=True)
class Summary:
    upcoming: list[TaskOccurrence]
    needs_help: int
    days: int


@register.simple_tag
def tasks_summary(access: CircleAccess) -> Summary:
    today = timezone.localdate()
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(today, datetime.time(), tzinfo=zone)
    items = occurrences_for(
        accesses=[access],
        window_start=max(start, timezone.now() - datetime.timedelta(hours=2)),
        window_end=start + datetime.timedelta(days=SUMMARY_DAYS),
    )
    return Summary(
        upcoming=items[:NEXT_ITEMS],
        needs_help=sum(1 for item in items if item.status == Status.NEEDS_HELP),
        days=SUMMARY_DAYS,
    )
