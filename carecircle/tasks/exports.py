"""The circle's tasks and visit logs as CSV, for the full export (records' register_export_part).

Streams rows as bytes, a chunk of rows at a time, so a circle with thousands of tasks is never
held in memory as one file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from carecircle.lib.spreadsheet import safe_cells
from carecircle.tasks.models import Assignment, Task, VisitLog

if TYPE_CHECKING:
    from carecircle.circles.models import Circle

CHUNK = 500
TASK_COLUMNS = [
    "id",
    "title",
    "category",
    "date",
    "start_time",
    "duration_minutes",
    "time_zone",
    "repeats",
    "address",
    "people_needed",
    "private",
    "notes",
    "cancelled_at",
    "created_at",
]
GOING_COLUMNS = ["task_id", "date", "person", "place", "since", "withdrawn_at", "withdraw_reason"]
VISIT_COLUMNS = ["task_id", "date", "author", "arrived_at", "left_at", "outcome", "notes"]


def _csv(header: list[str], rows: Iterable[list[Any]]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for number, row in enumerate(rows, start=1):
        writer.writerow(safe_cells("" if value is None else value for value in row))
        if number % CHUNK == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def tasks_csv(circle: Circle) -> Iterator[bytes]:
    tasks = Task.objects.filter(circle=circle).order_by("id").iterator(chunk_size=CHUNK)
    return _csv(
        TASK_COLUMNS,
        (
            [
                t.pk,
                t.title,
                t.category,
                t.start_date,
                t.start_time,
                t.duration_minutes,
                t.time_zone,
                t.rule,
                t.address,
                t.people_needed,
                t.private,
                t.notes,
                t.cancelled_at,
                t.created_at,
            ]
            for t in tasks
        ),
    )


def going_csv(circle: Circle) -> Iterator[bytes]:
    rows = (
        Assignment.objects.filter(task__circle=circle)
        .select_related("user")
        .order_by("task_id", "occurrence_date", "slot")
    )
    return _csv(
        GOING_COLUMNS,
        (
            [a.task_id, a.occurrence_date, a.user.display_name, a.slot, a.created_at, a.withdrawn_at, a.withdraw_reason]
            for a in rows.iterator(chunk_size=CHUNK)
        ),
    )


def visit_logs_csv(circle: Circle) -> Iterator[bytes]:
    logs = VisitLog.objects.filter(circle=circle).select_related("author").order_by("arrived_at", "id")
    return _csv(
        VISIT_COLUMNS,
        (
            [
                v.task_id,
                v.occurrence_date,
                v.author.display_name if v.author else "",
                v.arrived_at,
                v.left_at,
                v.outcome,
                v.notes,
            ]
            for v in logs.iterator(chunk_size=CHUNK)
        ),
    )
