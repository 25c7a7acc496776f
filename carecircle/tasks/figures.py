"""Help given in some circles, for commissioners' totals (circles.registries.help_given): never a person."""

from __future__ import annotations

import datetime

from django.db.models import Count, IntegerField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from carecircle.circles.models import Circle
from carecircle.circles.registries import HelpGiven
from carecircle.tasks.models import OccurrenceChange


def help_given_in(circles: QuerySet[Circle], start: datetime.datetime, end: datetime.datetime) -> HelpGiven:
    """Occurrences marked done between start and end, and the minutes each was planned for (moved or not)."""
    totals = OccurrenceChange.objects.filter(
        task__circle__in=circles, done_at__gte=start, done_at__lt=end, cancelled=False
    ).aggregate(
        done=Count("id"),
        minutes=Sum(
            Coalesce("moved_duration_minutes", "task__duration_minutes", Value(0), output_field=IntegerField())
        ),
    )
    return HelpGiven(tasks_done=int(totals["done"] or 0), minutes=int(totals["minutes"] or 0))
