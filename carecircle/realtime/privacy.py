"""Live events: kept RETENTION_EVENTS_DAYS for catching up; removed in batches when a circle is erased."""

from __future__ import annotations

from django.db import transaction

from carecircle.lib.privacy_registry import circle_eraser_register
from carecircle.lib.retention import RetentionRule, retention_rule_register
from carecircle.realtime.models import CircleEvent

BATCH = 1000


def erase_circle(circle_id: int) -> int:
    removed = 0
    events = CircleEvent.objects.filter(circle_id=circle_id)
    while ids := list(events.order_by("pk").values_list("pk", flat=True)[:BATCH]):
        with transaction.atomic():
            removed += CircleEvent.objects.filter(pk__in=ids).delete()[0]
    return removed


circle_eraser_register("realtime", erase_circle)
retention_rule_register(
    RetentionRule(name="live events", setting="RETENTION_EVENTS_DAYS", model=CircleEvent, date_field="created_at")
)
