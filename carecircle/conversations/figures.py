"""Who wrote in some circles and when, for commissioners' weekly totals (circles.registries.register_activity)."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet

from carecircle.circles.models import Circle
from carecircle.circles.registries import ActivitySource
from carecircle.conversations.models import Message


def messages_as_activity(circles: QuerySet[Circle], start: datetime.datetime, end: datetime.datetime) -> ActivitySource:
    """Messages, updates and replies written in these circles between start and end (ids and times only)."""
    rows = Message.objects.filter(
        circle__in=circles, author__isnull=False, created_at__gte=start, created_at__lt=end
    ).order_by()
    return ActivitySource(rows=rows, user_field="author_id", circle_field="circle_id", moment_field="created_at")
