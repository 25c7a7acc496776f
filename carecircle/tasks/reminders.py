"""Reminders to the people going: the day before and some hours before, never twice, never for
a cancelled or done occurrence.

`reminders_send(now=…)` finds every reminder that is due and queues it as an email delivery whose
idempotency key names the assignment, the kind and the start time (so a moved occurrence gets
fresh reminders, and a scan that runs twice queues nothing twice). The worker runs it every few
minutes through the self-rescheduling task in tasks/tasks.py; `carecircle send_reminders` runs one
scan by hand or from cron.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from carecircle.accounts.models import User
from carecircle.circles.models import Membership
from carecircle.lib.hooks import notify
from carecircle.tasks.access import may_be_down_for
from carecircle.tasks.messages import reminder_message, reminder_title, when_read
from carecircle.tasks.models import Assignment, OccurrenceChange, ReminderClock, ReminderSent, ReminderSetting, Task
from carecircle.tasks.schedule import (
    DAY,
    change_override,
    local_midnight_utc,
    occurrence_start,
    series_occurrence,
    task_occurrences,
)

DEFAULT_DAY_BEFORE = True
DEFAULT_HOURS_BEFORE = 2
SCAN_EVERY = datetime.timedelta(minutes=5)


def _start_of(assignment: Assignment, change: OccurrenceChange | None) -> datetime.datetime | None:
    task = assignment.task
    if change is not None and change_override(change) is not None and change.moved_date is not None:
        window_start = local_midnight_utc(change.moved_date - DAY, task.time_zone)
        window_end = local_midnight_utc(change.moved_date + 2 * DAY, task.time_zone)
        for item in task_occurrences(task, window_start=window_start, window_end=window_end, changes=[change]):
            if item.original_date == assignment.occurrence_date:
                return occurrence_start(item, task.time_zone)
        return None
    occurrence = series_occurrence(task, assignment.occurrence_date)
    return None if occurrence is None else occurrence_start(occurrence, task.time_zone)


def reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Queue every reminder due at `now`; how many were queued."""
    moment = now or timezone.now()
    first_day = (moment - 2 * DAY).date()
    last_day = (moment + 3 * DAY).date()
    going = list(
        Assignment.objects.filter(
            withdrawn_at__isnull=True, occurrence_date__range=(first_day, last_day), task__cancelled_at__isnull=True
        ).select_related("task", "task__circle", "user")
    )
    changes: dict[tuple[int, datetime.date], OccurrenceChange] = {
        (change.task_id, change.original_date): change
        for change in OccurrenceChange.objects.filter(
            task_id__in={a.task_id for a in going}, original_date__range=(first_day, last_day)
        )
    }
    settings_by_user = {s.user_id: s for s in ReminderSetting.objects.filter(user_id__in={a.user_id for a in going})}
    roles = {
        (circle_id, user_id): role
        for circle_id, user_id, role in Membership.objects.filter(
            circle_id__in={a.task.circle_id for a in going}, user_id__in={a.user_id for a in going}
        ).values_list("circle_id", "user_id", "role")
    }
    queued = 0
    for assignment in going:
        change = changes.get((assignment.task_id, assignment.occurrence_date))
        if change is not None and (change.cancelled or change.done_at is not None):
            continue
        # A reminder tells what the task is: only to someone who may still see it and take part
        # (still in the circle; for a private task, someone who manages tasks).
        if not may_be_down_for(task=assignment.task, role=roles.get((assignment.task.circle_id, assignment.user_id))):
            continue
        start = _start_of(assignment, change)
        if start is None or start <= moment:
            continue
        due = _due(assignment.user_id, start, settings_by_user)
        # Only the latest reminder that is due: someone who says yes an hour before gets one, not two.
        ready = [kind for kind, when in due if when <= moment]
        if not ready:
            continue
        if _send(assignment, start, ready):
            queued += 1
    return queued


def _due(
    user_id: int, start: datetime.datetime, settings_by_user: dict[int, ReminderSetting]
) -> list[tuple[str, datetime.datetime]]:
    setting = settings_by_user.get(user_id)
    day_before = setting.day_before if setting else DEFAULT_DAY_BEFORE
    hours = setting.hours_before if setting else DEFAULT_HOURS_BEFORE
    due = []
    if day_before:
        due.append(("day", start - DAY))
    if hours:
        due.append((f"{hours}h", start - datetime.timedelta(hours=hours)))
    return sorted(due, key=lambda pair: pair[1])


def _cant_line(user: User, task: Task, on: datetime.date) -> str:
    from carecircle.tasks.email_actions import CANT, action_lines

    return action_lines(user_id=user.pk, task=task, occurrence_date=on, actions=[CANT])


def _send(assignment: Assignment, start: datetime.datetime, kinds: list[str]) -> bool:
    keys = [f"reminder-{assignment.pk}-{kind}-{start:%Y%m%dT%H%MZ}" for kind in kinds]
    try:
        with transaction.atomic():
            # The latest due reminder decides; earlier ones still unsent are marked so they never go late.
            ReminderSent.objects.create(key=keys[-1])
            for key in keys[:-1]:
                ReminderSent.objects.get_or_create(key=key)
            task = assignment.task
            time_zone = assignment.user.time_zone

            def render(user: User) -> tuple[str, str]:
                # Inside notify()'s translation.override: the reminder is in the member's language.
                subject, body = reminder_message(
                    task=task, on=assignment.occurrence_date, start=start, time_zone=time_zone
                )
                return subject, f"{body}\n\n{_cant_line(user, task, assignment.occurrence_date)}\n"

            notify(
                category="reminder",
                circle=task.circle,
                key=keys[-1],
                title=when_read(lambda: reminder_title(task=task, start=start, time_zone=time_zone)),
                url=reverse("tasks:detail", kwargs={"circle_id": task.circle_id, "task_id": task.pk}),
                user_ids=[assignment.user_id],
                render=render,
            )
    except IntegrityError:
        # Already queued by an earlier scan (or a concurrent one).
        return False
    return True


def claim_next_scan(*, now: datetime.datetime | None = None) -> datetime.datetime | None:
    """Book the next scan if none is booked (or the booked one is long overdue); its time, or None.

    An UPDATE with a condition, so concurrent callers never start two chains of scans.
    """
    moment = now or timezone.now()
    ReminderClock.objects.get_or_create(pk=1)
    stale = moment - 3 * SCAN_EVERY
    next_run = moment + SCAN_EVERY
    from django.db.models import Q

    claimed = (
        ReminderClock.objects.filter(pk=1)
        .filter(Q(next_run_at__isnull=True) | Q(next_run_at__lt=stale))
        .update(next_run_at=next_run)
    )
    return next_run if claimed else None
