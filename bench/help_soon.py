"""Benchmark: the 48-hour scan's list (tasks/help_soon.py) with thousands of repeating tasks.

Adds repeating tasks in two steps (1,000, then up to 10,000 in all; BENCH_TASKS changes the
total), most of them weekly or monthly so their next occurrence is usually more than 48 hours
away, to a throwaway SQLite database (or BENCH_DATABASE_URL). For each size it times, in process:

- the list as it was read before the kept next start: every running shared series (the same-run
  baseline, through the same code with the old task query put back);
- working out the next start of every task once (what the first scans do after migration 0009,
  REFRESH_BATCH at a time);
- the list now, by the kept next start, and a scan five minutes later (next starts of the
  occurrences that began meanwhile, then the list).

Prints milliseconds (median of BENCH_REPEAT runs), tasks read and queries. Not a test: figures go
into docs/performance.md by hand.

    .venv/bin/python bench/help_soon.py
    BENCH_TASKS=20000 BENCH_DATABASE_URL=postgres://root@127.0.0.1:5432/<a fresh database> \\
        .venv/bin/python bench/help_soon.py
"""

from __future__ import annotations

import datetime
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import BIN, ROOT, QueryCount, build_circle, prepare_environment, say

TOTAL = int(os.environ.get("BENCH_TASKS", "10000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))
# (rule, share of the tasks), started a year ago, never ending.
PATTERNS = [
    ("FREQ=WEEKLY;BYDAY={day}", 60),
    ("FREQ=MONTHLY", 20),
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY={day}", 10),
    ("FREQ=MONTHLY;BYDAY=1{day}", 8),
    ("FREQ=DAILY", 2),
]
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def add_tasks(circle_id: int, first: int, count: int) -> None:
    """Repeating tasks in bulk (data for a benchmark, not a user's action); next starts not worked out."""
    from carecircle.accounts.models import User
    from carecircle.tasks.models import Task
    from carecircle.tasks.schedule import series_bounds

    organiser = User.objects.get(email="organiser@bench.invalid")
    rules = [rule for rule, share in PATTERNS for _ in range(share)]
    start = datetime.date.today() - datetime.timedelta(days=365)
    tasks = []
    for number in range(first, first + count):
        rule = rules[number % len(rules)].format(day=DAYS[number // len(rules) % 7])
        task = Task(
            circle_id=circle_id,
            title=f"Visit {number}",
            start_date=start + datetime.timedelta(days=number % 28),
            start_time=datetime.time(7 + number % 13, 15 * (number % 4)),
            duration_minutes=60,
            time_zone="Europe/London",
            rule=rule,
            created_by=organiser,
        )
        task.first_start_utc, task.last_end_utc = series_bounds(task)
        tasks.append(task)
    Task.objects.bulk_create(tasks, batch_size=1000)


def old_soon_tasks(*, now: datetime.datetime) -> list[Any]:
    """The task query of wanted_soon before the kept next start: every running shared series."""
    from django.db.models import Q

    from carecircle.tasks.help_soon import ASK_BEFORE
    from carecircle.tasks.models import Task
    from carecircle.tasks.selectors import ONE_OFF_REACH

    window_end = now + ASK_BEFORE
    one_off = Q(rule="", first_start_utc__gte=now - ONE_OFF_REACH, first_start_utc__lt=window_end)
    repeating = (
        ~Q(rule="") & Q(first_start_utc__lt=window_end) & (Q(last_end_utc__isnull=True) | Q(last_end_utc__gt=now))
    )
    return list(
        Task.objects.filter(cancelled_at__isnull=True, private=False)
        .filter(one_off | repeating)
        .select_related("circle")
    )


def timed(work: Callable[[], Any]) -> tuple[float, Any, int]:
    """Median milliseconds of REPEAT runs, the last result, and the queries of one run."""
    times = []
    result: Any = None
    for _ in range(REPEAT):
        with QueryCount() as queries:
            started = time.perf_counter()
            result = work()
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result, len(queries)


def measure(size: int) -> None:
    from unittest import mock

    from django.db import transaction
    from django.utils import timezone

    from carecircle.tasks import help_soon
    from carecircle.tasks.models import Task

    # Two minutes before 10:00 in London, so some occurrences begin before the scan five minutes later.
    now = datetime.datetime.combine(timezone.localdate(), datetime.time(9, 58), tzinfo=ZoneInfo("Europe/London"))
    with mock.patch.object(help_soon, "soon_tasks", old_soon_tasks):
        before_ms, before, before_queries = timed(lambda: help_soon.wanted_soon(now=now))
    read_before = len(old_soon_tasks(now=now))

    # Every next start worked out once, from nothing; undone after each run to time it again.
    def settle() -> int:
        worked = 0
        while count := help_soon.next_starts_refresh(now=now):
            worked += count
        return worked

    settle_times = []
    for _ in range(REPEAT):
        with transaction.atomic():
            started = time.perf_counter()
            worked = settle()
            settle_times.append((time.perf_counter() - started) * 1000)
            transaction.set_rollback(True)
    settle()
    after_ms, after, after_queries = timed(lambda: help_soon.wanted_soon(now=now))
    read_after = len(help_soon.soon_tasks(now=now))
    later = now + datetime.timedelta(minutes=5)

    def scan_later() -> int:
        with transaction.atomic():
            refreshed = help_soon.next_starts_refresh(now=later)
            help_soon.wanted_soon(now=later)
            transaction.set_rollback(True)
        return refreshed

    scan_ms, refreshed, scan_queries = timed(scan_later)
    assert [(item.task.pk, item.original_date) for item in before] == [
        (item.task.pk, item.original_date) for item in after
    ]
    say(f"{size} repeating tasks ({Task.objects.count()} in the database), {len(after)} occurrences wanted soon:")
    say(f"  before (every running series): {before_ms:8.1f} ms, {read_before} tasks read, {before_queries} queries")
    say(f"  now (by the kept next start):  {after_ms:8.1f} ms, {read_after} tasks read, {after_queries} queries")
    say(f"  a scan 5 minutes later:        {scan_ms:8.1f} ms, {refreshed} worked out again, {scan_queries} queries")
    say(f"  working out every next start once (after migration): {statistics.median(settle_times):.0f} ms for {worked}")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="carecircle-bench-help-soon-") as directory:
        env = prepare_environment(Path(directory))
        subprocess.run([str(BIN / "carecircle"), "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
        circle_id, _ = build_circle()
        first = min(1000, TOTAL)
        add_tasks(circle_id, 0, first)
        measure(first)
        if first < TOTAL:
            add_tasks(circle_id, first, TOTAL - first)
            measure(TOTAL)


if __name__ == "__main__":
    main()
