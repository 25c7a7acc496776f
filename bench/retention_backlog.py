"""Benchmark: the daily privacy job on a big database, each delete batch and each statement timed.

Runs `privacy_maintenance` (what `carecircle retention` and the worker's daily job run) once, with
"now" moved PRUNE_DAYS_AHEAD days forward (default 0) to make a backlog on a seeded database: at
10, the live events of the oldest 10 of their 30 days are due. Runs each retention rule on its own,
then the rest of the job (expired Django sessions, closed circles), and prints for each: the rows
in its table before, how many it removed, its wall and CPU time, and its delete batches' own
transactions (median and longest, each from its first statement to the end of its COMMIT, and
the COMMIT's own part: a COMMIT waits for the WAL to reach the disk); then the whole job's totals
and the statements that took the most time in all. Load average at the start and the end. It
deletes rows: point it only at a database made for benchmarks (`carecircle seed-scale`).

To tell a slow batch's cause: every batch over SLOW_MS (default 200) is listed with the moment it
started (UTC) and this process's CPU time in it, to set against the checkpoints in PostgreSQL's
log (`log_checkpoints`) and the checkpoint counters printed at the start and end. As a superuser
it also asks PostgreSQL to log its own statements over SLOW_MS and any lock wait over 100 ms
(this connection only), so a stall inside the server shows there with the server's own duration.
With EXPLAIN=1 each rule's first delete batch is run once under EXPLAIN (ANALYZE, BUFFERS) and
rolled back, and its plan printed.
Not a test: figures go into docs/performance.md by hand.

    DATABASE_URL=postgres://…/scale_full PRUNE_DAYS_AHEAD=10 DEBUG=false \\
        .venv/bin/carecircle shell < bench/retention_backlog.py
"""

from __future__ import annotations

import datetime
import os
import re
import statistics
import sys
import time
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from carecircle.lib import retention
from carecircle.web.jobs import privacy_maintenance


def say(text: str) -> None:
    sys.stdout.write(text + "\n")


def table_rows(model: Any) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(model._meta.db_table)}")
        return int(cursor.fetchone()[0])


def checkpoints() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT checkpoints_timed, checkpoints_req, checkpoint_sync_time FROM pg_stat_bgwriter")
        timed, requested, sync_ms = cursor.fetchone()
    return f"checkpoints timed {timed}, requested {requested}, {sync_ms / 1000:.1f} s syncing in all"


def server_logging(slow_ms: int) -> None:
    """Log this connection's slow statements and lock waits in PostgreSQL's own log (superuser only)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            say("not a superuser: PostgreSQL's own log of slow statements and lock waits is off")
            return
        cursor.execute(f"SET log_min_duration_statement = {int(slow_ms)}")
        cursor.execute("SET log_lock_waits = on")
        cursor.execute("SET deadlock_timeout = '100ms'")
        cursor.execute("SET track_io_timing = on")


def first_batch_plan(rule: retention.RetentionRule, now: datetime.datetime) -> None:
    """Run the rule's first delete batch under EXPLAIN (ANALYZE, BUFFERS), roll it back, print the plan."""
    ids = list(rule.expired(now=now).order_by("pk").values_list("pk", flat=True)[: retention.BATCH])
    if not ids:
        return
    table = connection.ops.quote_name(rule.model._meta.db_table)
    column = connection.ops.quote_name(str(rule.model._meta.pk.column))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) DELETE FROM {table} WHERE {column} = ANY(%s)", [ids])
        for (line,) in cursor.fetchall():
            # The 500 ids themselves say nothing about the plan.
            say("    " + re.sub(r"'\{[^}]*\}'", "'{…500 ids…}'", line))
        transaction.set_rollback(True)


def run() -> None:
    from django.contrib.sessions.models import Session

    ahead = int(os.environ.get("PRUNE_DAYS_AHEAD", "0"))
    now = timezone.now() + datetime.timedelta(days=ahead)
    slow_ms = int(os.environ.get("SLOW_MS", "200"))
    explain = os.environ.get("EXPLAIN") == "1"
    statements: list[tuple[float, str]] = []
    # Each delete batch's wall time from its first statement to the end of its COMMIT, and the COMMIT's own.
    batches: list[tuple[float, float]] = []
    # Batches over slow_ms: when it started (UTC), its wall, this process's CPU, the rule, its COMMIT's wall.
    slow: list[tuple[datetime.datetime, float, float, str, float]] = []
    current = [""]
    # The batch whose COMMIT is still to come: when it started (UTC), perf_counter, process CPU.
    open_batch: list[tuple[datetime.datetime, float, float] | None] = [None]

    def batch_start() -> None:
        open_batch[0] = (datetime.datetime.now(tz=datetime.UTC), time.perf_counter(), time.process_time())

    def timer(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.startswith('DELETE FROM "django_session"') and open_batch[0] is None:
            batch_start()
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((time.perf_counter() - started, sql.split(" WHERE")[0][:90]))

    purge, rules_of = retention._purge, retention.retention_rules
    commit = connection._commit  # type: ignore[attr-defined]

    def timed_purge(rule: retention.RetentionRule, ids: list[int]) -> int:
        # Runs inside the batch's transaction.atomic(): the batch ends when its COMMIT does (timed_commit).
        batch_start()
        return purge(rule, ids)

    def timed_commit() -> None:
        started = time.perf_counter()
        try:
            commit()
        finally:
            ended = time.perf_counter()
            batch, open_batch[0] = open_batch[0], None
            if batch is not None:
                moment, began, cpu = batch
                wall, committing = ended - began, ended - started
                batches.append((wall, committing))
                if wall * 1000 > slow_ms:
                    slow.append((moment, wall, time.process_time() - cpu, current[0], committing))

    def batch_figures(timed: list[tuple[float, float]]) -> str:
        if not timed:
            return "no batches"
        walls, commits = [wall for wall, _ in timed], [committing for _, committing in timed]
        longest = max(timed)
        return (
            f"{len(timed)} batches with their COMMIT, median {statistics.median(walls) * 1000:.1f} ms "
            f"(COMMIT {statistics.median(commits) * 1000:.1f}), longest {longest[0] * 1000:.1f} ms "
            f"(COMMIT {longest[1] * 1000:.1f}); longest COMMIT {max(commits) * 1000:.1f} ms"
        )

    say(f"now {now.isoformat()} ({ahead} days ahead), load average at the start {os.getloadavg()}")
    server_logging(slow_ms)
    say(f"at the start: {checkpoints()}")
    rules = rules_of()
    removed: dict[str, Any] = {}
    retention._purge = timed_purge
    connection._commit = timed_commit  # type: ignore[attr-defined]
    whole_cpu, whole_wall = time.process_time(), time.perf_counter()
    try:
        with connection.execute_wrapper(timer):
            for name, rule in rules.items():
                rows = table_rows(rule.model)
                current[0] = name
                if explain:
                    say(f"{name}: the first batch's delete, rolled back")
                    first_batch_plan(rule, now)
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
            rows = table_rows(Session)
            current[0] = "Django sessions"
            batches.clear()
            cpu, wall = time.process_time(), time.perf_counter()
            rest = privacy_maintenance(now=now)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            deletes = list(batches)
            say(
                f"{'Django sessions':22} {'django_session':36} {rows:>10,} rows, "
                f"{rest['expired_sessions']:>9,} removed, "
                f"{wall:7.2f} s wall, {cpu:6.2f} s cpu, {batch_figures(deletes)}; "
                f"closed circles erased: {rest['circles_erased']}"
            )
    finally:
        retention._purge, retention.retention_rules = purge, rules_of
        del connection._commit  # type: ignore[attr-defined]
    wall, cpu = time.perf_counter() - whole_wall, time.process_time() - whole_cpu
    say(f"whole job: {wall:.2f} s wall, {cpu:.2f} s cpu, {len(statements)} statements")
    say(f"load average at the end {os.getloadavg()}")
    say(f"at the end: {checkpoints()}")
    say(
        f"{len(slow)} batches over {slow_ms} ms with their COMMIT (started at, wall, this process's CPU, rule, COMMIT):"
    )
    for moment, wall, cpu, name, committing in slow:
        say(
            f"  {moment:%H:%M:%S.%f}  {wall * 1000:7.1f} ms  cpu {cpu * 1000:6.1f} ms  {name}  "
            f"COMMIT {committing * 1000:.1f} ms"
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
