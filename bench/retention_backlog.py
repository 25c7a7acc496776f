"""Benchmark: the daily privacy job on a big database, each delete batch and each statement timed.

Runs `privacy_maintenance` (what `carecircle retention` and the worker's daily job run) once, with
"now" moved PRUNE_DAYS_AHEAD days forward (default 0) to make a backlog on a seeded database: at
10, the live events of the oldest 10 of their 30 days are due. Prints how many rows each rule
removed, the whole job's wall and CPU time, each delete batch's own transaction (median and
longest) and the statements that took the most time in all. It deletes rows: point it only at a
database made for benchmarks (`carecircle seed-scale`).
Not a test: figures go into docs/performance.md by hand.

    DATABASE_URL=postgres://…/scale_full PRUNE_DAYS_AHEAD=10 DEBUG=false \\
        .venv/bin/carecircle shell < bench/retention_backlog.py
"""

from __future__ import annotations

import datetime
import json
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


def run() -> None:
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

    purge = retention._purge

    def timed_purge(rule: retention.RetentionRule, ids: list[int]) -> int:
        started = time.perf_counter()
        try:
            return purge(rule, ids)
        finally:
            batches.append(time.perf_counter() - started)

    retention._purge = timed_purge
    cpu, wall = time.process_time(), time.perf_counter()
    try:
        with connection.execute_wrapper(timer):
            result = privacy_maintenance(now=now)
    finally:
        retention._purge = purge
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    say(f"now {now.isoformat()} ({ahead} days ahead), load average {os.getloadavg()[0]:.2f}")
    say("removed " + json.dumps(result))
    say(f"whole job: {wall:.2f} s wall, {cpu:.2f} s cpu, {len(statements)} statements, {len(batches)} delete batches")
    if batches:
        say(
            f"each delete batch's transaction: median {statistics.median(batches) * 1000:.1f} ms, "
            f"longest {max(batches) * 1000:.1f} ms"
        )
    totals: dict[str, list[float]] = {}
    for seconds, sql in statements:
        entry = totals.setdefault(sql, [0, 0.0, 0.0])
        entry[0] += 1
        entry[1] += seconds
        entry[2] = max(entry[2], seconds)
    for sql, (count, total, longest) in sorted(totals.items(), key=lambda item: -item[1][1])[:8]:
        say(f"{count:6.0f} x  {total:7.2f} s in all, longest {longest * 1000:7.1f} ms  {sql}")


run()
