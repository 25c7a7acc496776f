"""Benchmark: the daily privacy job on a big database, each delete batch and each statement timed.

Runs `privacy_maintenance` (what `carecircle retention` and the worker's daily job run) once, with
"now" moved PRUNE_DAYS_AHEAD days forward (default 0) to make a backlog on a seeded database: at
10, the live events of the oldest 10 of their 30 days are due. Runs each retention rule on its own,
then the rest of the job (expired Django sessions, closed circles), and prints for each: the rows
in its table before, how many it removed, its wall and CPU time, and its delete batches' own
transactions (median and longest); then the whole job's totals and the statements that took the
most time in all. Load average at the start and the end. It deletes rows: point it only at a
database made for benchmarks (`carecircle seed-scale`).
Not a test: figures go into docs/performance.md by hand.

    DATABASE_URL=postgres://…/scale_full PRUNE_DAYS_AHEAD=10 DEBUG=false \\
        .venv/bin/carecircle shell < bench/retention_backlog.py
"""

from __future__ import annotations

import datetime
import os
import statistics
import sys
import time
from typing import Any

from django.db import connection
from django.utils import timezone

from carecircle.lib import retention
from carecircle.web.jobs import privacy_maintenance


def say(text: str) -> None:
    sys.stdout.write(text + "\n")


def table_rows(model: Any) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(model._meta.db_table)}")
        return int(cursor.fetchone()[0])


def run() -> None:
    from django.contrib.sessions.models import Session

    ahead = int(os.environ.get("PRUNE_DAYS_AHEAD", "0"))
    now = timezone.now() + datetime.timedelta(days=ahead)
    statements: list[tuple[float, str]] = []
    batches: list[float] = []

    def timer(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((time.perf_counter() - started, sql.split(" WHERE")[0][:90]))

    purge, rules_of = retention._purge, retention.retention_rules

    def timed_purge(rule: retention.RetentionRule, ids: list[int]) -> int:
        started = time.perf_counter()
        try:
            return purge(rule, ids)
        finally:
            batches.append(time.perf_counter() - started)

    def batch_figures(times: list[float]) -> str:
        if not times:
            return "no batches"
        return (
            f"{len(times)} batches, median {statistics.median(times) * 1000:.1f} ms, longest {max(times) * 1000:.1f} ms"
        )

    say(f"now {now.isoformat()} ({ahead} days ahead), load average at the start {os.getloadavg()}")
    rules = rules_of()
    removed: dict[str, Any] = {}
    retention._purge = timed_purge
    whole_cpu, whole_wall = time.process_time(), time.perf_counter()
    try:
        with connection.execute_wrapper(timer):
            for name, rule in rules.items():
                rows = table_rows(rule.model)
                retention.retention_rules = lambda name=name, rule=rule: {name: rule}  # type: ignore[misc]
                batches.clear()
                cpu, wall = time.process_time(), time.perf_counter()
                removed.update(retention.retention_enforce(now=now))
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                say(
                    f"{name:22} {rule.model._meta.db_table:36} {rows:>10,} rows, {removed.get(name, 0):>9,} removed, "
                    f"{wall:7.2f} s wall, {cpu:6.2f} s cpu, {batch_figures(batches)}"
                )
            # The rest of the job: expired Django sessions (timed by their DELETE statements) and closed circles.
            retention.retention_rules = lambda: {}
            rows, first = table_rows(Session), len(statements)
            cpu, wall = time.process_time(), time.perf_counter()
            rest = privacy_maintenance(now=now)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            deletes = [seconds for seconds, sql in statements[first:] if sql.startswith('DELETE FROM "django_session"')]
            say(
                f"{'Django sessions':22} {'django_session':36} {rows:>10,} rows, "
                f"{rest['expired_sessions']:>9,} removed, "
                f"{wall:7.2f} s wall, {cpu:6.2f} s cpu, {batch_figures(deletes)}; "
                f"closed circles erased: {rest['circles_erased']}"
            )
    finally:
        retention._purge, retention.retention_rules = purge, rules_of
    wall, cpu = time.perf_counter() - whole_wall, time.process_time() - whole_cpu
    say(f"whole job: {wall:.2f} s wall, {cpu:.2f} s cpu, {len(statements)} statements")
    say(f"load average at the end {os.getloadavg()}")
    totals: dict[str, list[float]] = {}
    for seconds, sql in statements:
        entry = totals.setdefault(sql, [0, 0.0, 0.0])
        entry[0] += 1
        entry[1] += seconds
        entry[2] = max(entry[2], seconds)
    for sql, (count, total, longest) in sorted(totals.items(), key=lambda item: -item[1][1])[:8]:
        say(f"{count:6.0f} x  {total:7.2f} s in all, longest {longest * 1000:7.1f} ms  {sql}")


run()
