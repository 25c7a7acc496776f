"""Help given: commissioners' totals (circles.registries.help_given) and each person's own weekly
hours (circles.registries.personal_help, for the private offer of support in orgs).

Both count the same thing, so "hours of help" means one thing everywhere: occurrences marked done
(not cancelled), each for the minutes it was planned to take (its moved length, else the task's).
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count, Exists, F, IntegerField, OuterRef, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncWeek

from carecircle.circles.models import Circle
from carecircle.circles.registries import HelpGiven, PersonalHelp
from carecircle.tasks.models import Assignment, OccurrenceChange

LONDON = zoneinfo.ZoneInfo("Europe/London")


def _planned_minutes(prefix: str = "") -> Coalesce:
    """The minutes a done occurrence counts for: its moved length, else its task's."""
    return Coalesce(f"{prefix}moved_duration_minutes", "task__duration_minutes", Value(0), output_field=IntegerField())


def _done_between(start: datetime.datetime, end: datetime.datetime) -> QuerySet[OccurrenceChange]:
    return OccurrenceChange.objects.filter(done_at__gte=start, done_at__lt=end, cancelled=False)


def help_given_in(circles: QuerySet[Circle], start: datetime.datetime, end: datetime.datetime) -> HelpGiven:
    """Occurrences marked done between start and end, and the minutes each was planned for (moved or not)."""
    totals = (
        _done_between(start, end)
        .filter(task__circle__in=circles)
        .aggregate(done=Count("id"), minutes=Sum(_planned_minutes()))
    )
    return HelpGiven(tasks_done=int(totals["done"] or 0), minutes=int(totals["minutes"] or 0))


def personal_help_between(start: datetime.datetime, end: datetime.datetime) -> Iterable[PersonalHelp]:
    """Each person's help per circle and UK week, by when it was marked done.

    A done occurrence counts for everyone who was going to it (each gave the help), or, when nobody
    had said they were going, for whoever marked it done. Two queries whatever the number of rows.
    """
    minutes: defaultdict[tuple[int, int, datetime.date], int] = defaultdict(int)
    done = _done_between(start, end)
    going = (
        Assignment.objects.filter(
            withdrawn_at__isnull=True,
            task__changes__original_date=F("occurrence_date"),
            task__changes__done_at__gte=start,
            task__changes__done_at__lt=end,
            task__changes__cancelled=False,
        )
        .values("user_id", circle_id=F("task__circle_id"), week=TruncWeek("task__changes__done_at", tzinfo=LONDON))
        .annotate(minutes=Sum(_planned_minutes("task__changes__")))
    )
    someone_going = Assignment.objects.filter(
        task_id=OuterRef("task_id"), occurrence_date=OuterRef("original_date"), withdrawn_at__isnull=True
    )
    marked = (
        done.filter(done_by__isnull=False)
        .exclude(Exists(someone_going))
        .values(user_id=F("done_by_id"), circle_id=F("task__circle_id"), week=TruncWeek("done_at", tzinfo=LONDON))
        .annotate(minutes=Sum(_planned_minutes()))
    )
    for row in [*going, *marked]:
        week = row["week"]
        day = week.date() if isinstance(week, datetime.datetime) else week
        minutes[(row["user_id"], row["circle_id"], day)] += int(row["minutes"] or 0)
    return [
        PersonalHelp(user_id=user_id, circle_id=circle_id, week=week, minutes=total)
        for (user_id, circle_id, week), total in minutes.items()
    ]
