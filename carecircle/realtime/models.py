"""Live events: kept per circle with a sequence number so reconnecting clients can catch up."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class CircleEvent(models.Model):
    """One change in a circle. Holds ids only, never content (ARCHITECTURE rule 4)."""

    circle = models.ForeignKey("circles.Circle", on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveBigIntegerField()
    type = models.CharField(max_length=60)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["circle", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["circle", "seq"], name="realtime_event_unique_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.type} #{self.seq} in {self.circle_id}"

    def as_message(self) -> dict[str, object]:
        return {"type": self.type, "circle": self.circle_id, "seq": self.seq, **self.data}
