"""Reading the audit log, for the activity log page and the API alike."""

from __future__ import annotations

from carecircle.audit.models import AuditEntry
from carecircle.circles.models import Circle


def audit_page(*, circle: Circle, before: int | None, limit: int) -> tuple[list[AuditEntry], bool]:
    """At most `limit` entries of the circle's log, newest first, and whether older ones remain.

    Ids grow with time, so ordering by id gives a stable keyset even when two entries share a
    moment: `before` is the last id already shown, and every page costs the same.
    """
    entries = AuditEntry.objects.filter(circle_id=circle.pk).order_by("-id")
    if before is not None:
        entries = entries.filter(id__lt=before)
    rows = list(entries[: limit + 1])
    return rows[:limit], len(rows) > limit
