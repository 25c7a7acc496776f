"""Pacing as the day comes near: 48 hours before, ask standing offers, then widen the ask to everyone.

An occurrence that still needs someone ASK_BEFORE (48 hours) before it starts is asked about in two
steps, by the five-minute reminder scan (tasks/tasks.py): first the people whose standing offer
matches it (`rota_services.ask_standing_offers`, which asks nobody twice); then, once WIDEN_AFTER
has passed since the latest of those asks with nobody taking it (or at once, when no offer
matches), everyone who can help (`AskedAs.EVERYONE`). Occurrences whose stand-ins are being asked
in turn ("I can't cover", pacing.py) are left to that pacing, which ends by telling the organisers.
Private tasks are never sent round, and the task's author isn't asked. Each person is asked at
most once per occurrence and need (`StandInAsk`, unique; every write locks the task row first), so
scans on several workers at once, or a scan beside an organiser's "Ask everyone", ask nobody twice.
The scan runs outside any transaction; each occurrence is its own short transaction, and deliveries
are rows sent later by the worker. Decision record: docs/architecture/tasks.md.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from carecircle.tasks.models import AskedAs, Assignment, OccurrenceChange, StandInAsk, Status, Task
from carecircle.tasks.pacing import (
    NEXT_AFTER,
    _not_to_ask,
    _volunteers,
    ask_key,
    asks_record,
    everyone_notify,
    reopened_at,
    still_wanted,
)
from carecircle.tasks.schedule import TaskOccurrence, combine, next_start
from carecircle.tasks.selectors import MOVE_SLACK, occurrence_detail

ASK_BEFORE = datetime.timedelta(hours=48)
WIDEN_AFTER = NEXT_AFTER
# Next starts worked out per scan at most: bounds the scan's work (and its one UPDATE's parameters)
# after many tasks changed at once or right after migration 0009.
REFRESH_BATCH = 1000


def soon_tasks(*, now: datetime.datetime) -> list[Task]:
    """The shared tasks that may have an occurrence starting in the next ASK_BEFORE: one query.

    By the kept next start (Task.next_start_utc), so a series whose next occurrence is further off
    isn't read at all; one whose next start isn't known (changed since, or not worked out yet) is.
    """
    window_end = now + ASK_BEFORE
    return list(
        Task.objects.filter(cancelled_at__isnull=True, private=False)
        .filter(Q(next_start_utc__isnull=True) | Q(next_start_utc__lte=window_end))
        .select_related("circle")
    )


def wanted_soon(*, now: datetime.datetime) -> list[TaskOccurrence]:
    """Occurrences of every circle's shared tasks starting in the next ASK_BEFORE that still need someone.

    Three queries whatever the number of tasks: tasks that may start soon, their changes, who's going.
    """
    window_end = now + ASK_BEFORE
    tasks = soon_tasks(now=now)
    ids = [task.pk for task in tasks]
    first_day, last_day = (now - MOVE_SLACK).date(), (window_end + MOVE_SLACK).date()
    changes: dict[int, list[OccurrenceChange]] = defaultdict(list)
    for change in OccurrenceChange.objects.filter(task_id__in=ids).filter(
        Q(original_date__range=(first_day, last_day)) | Q(moved_date__range=(first_day, last_day))
    ):
        changes[change.task_id].append(change)
    going: dict[tuple[int, datetime.date], list[Assignment]] = defaultdict(list)
    for assignment in Assignment.objects.filter(
        task_id__in=ids, withdrawn_at__isnull=True, occurrence_date__range=(first_day, last_day)
    ):
        going[(assignment.task_id, assignment.occurrence_date)].append(assignment)
    found = combine(tasks, window_start=now, window_end=window_end, changes=changes, assignments=going)
    return [item for item in found if item.status == Status.NEEDS_HELP and now < item.start_utc() <= window_end]


def next_starts_refresh(*, now: datetime.datetime) -> int:
    """Work out again the next start of up to REFRESH_BATCH tasks whose kept one has begun or is
    unknown; how many. Three queries at most, in one short transaction of its own.

    Rows another transaction holds (a service changing the task, another worker's scan) are skipped
    and left to a later scan; until then soon_tasks reads them, so nothing is missed.
    """
    with transaction.atomic():
        stale = Q(next_start_utc__isnull=True) | Q(next_start_utc__lte=now)
        tasks = list(
            Task.objects.select_for_update(no_key=True, skip_locked=True)
            .filter(stale, cancelled_at__isnull=True)
            .order_by(F("next_start_utc").asc(nulls_first=True), "pk")[:REFRESH_BATCH]
        )
        if not tasks:
            return 0
        since = (now - MOVE_SLACK).date()
        changes: dict[int, list[OccurrenceChange]] = defaultdict(list)
        for change in OccurrenceChange.objects.filter(task_id__in=[task.pk for task in tasks]).filter(
            Q(original_date__gte=since) | Q(moved_date__gte=since)
        ):
            changes[change.task_id].append(change)
        starts = {task.pk: next_start(task, after=now, changes=changes.get(task.pk, ())) for task in tasks}
        Task.objects.filter(pk__in=starts).update(
            next_start_utc=Case(*(When(pk=pk, then=Value(start)) for pk, start in starts.items()))
        )
    return len(starts)


def help_soon_ask(*, now: datetime.datetime | None = None) -> int:
    """The 48-hour step for every occurrence that needs it; how many people were asked now. Never in a transaction."""
    now = now or timezone.now()
    next_starts_refresh(now=now)
    asked = 0
    for item in wanted_soon(now=now):
        with transaction.atomic():
            asked += _ask_one(item.task, item.original_date, now)
    return asked


def _ask_one(task: Task, on: datetime.date, now: datetime.datetime) -> int:
    from carecircle.tasks.rota_services import ask_standing_offers

    # Locked first, like every way of asking (pacing.asks_record): simultaneous scans queue here.
    list(Task.objects.select_for_update(no_key=True).filter(pk=task.pk).values_list("pk"))
    detail = occurrence_detail(task, on)
    if detail is None or not still_wanted(detail):
        return 0  # Taken, cancelled or started since the list was made.
    since = reopened_at(task, on)
    asks = StandInAsk.objects.filter(task=task, occurrence_date=on)
    if since is not None:
        asks = asks.filter(asked_at__gte=since)
    kinds = set(asks.values_list("asked_as", flat=True))
    if AskedAs.STAND_IN in kinds or AskedAs.EVERYONE in kinds:
        return 0  # Stand-ins are being asked in turn, or everyone has been asked already.
    offered = ask_standing_offers(task=task, on=on)
    if offered:
        return offered
    latest_offer = asks.filter(asked_as=AskedAs.OFFER).order_by("-asked_at").values_list("asked_at", flat=True).first()
    if latest_offer is not None and latest_offer > now - WIDEN_AFTER:
        return 0  # The people with a matching offer were asked lately: give them time to answer.
    # Not the task's author, as with standing offers: they know it needs someone.
    excluded = {task.created_by_id, *_not_to_ask(task, on, detail, since)}
    candidates = sorted(user_id for user_id in _volunteers(task.circle) if user_id not in excluded)
    picked = asks_record(task=task, on=on, user_ids=candidates, asker_id=None, asked_as=AskedAs.EVERYONE, since=since)
    everyone_notify(
        task=task,
        on=on,
        start=detail.start_utc(),
        user_ids=picked,
        asker=None,
        key=ask_key("soon-everyone", task, on, since),
    )
    return len(picked)
