"""Benchmark: the circle home page and the agenda of a big, busy circle against a bare view.

A circle of 60 members with 10,000 tasks (a few dozen of them repeating: daily medication checks,
weekly visits, monthly appointments, some of them open-ended), served the same way as bench/run.py
(`carecircle serve`, then granian's WSGI workers when installed), on a throwaway SQLite database (or
BENCH_DATABASE_URL). Measures /ping (the same-run baseline), the signed-in one-query page, the circle
home page, the agenda and the family conversation (60 messages), and
prints throughput, p50/p99 latency and each page's share of the bare view. Not a test: figures go
into docs/performance.md by hand.

    .venv/bin/python bench/tasks.py
    BENCH_IN_PROCESS_ONLY=1 .venv/bin/python bench/tasks.py   # only the in-process timings
    BENCH_SERVED_ONLY=1 .venv/bin/python bench/tasks.py       # only the served figures
    REDIS_URL=redis://127.0.0.1:6379/5 .venv/bin/python bench/tasks.py   # also `serve --workers 2`, cache in Redis
    BENCH_CONCURRENCY=64 BENCH_SECONDS=15 BENCH_SERVERS="granian WSGI" .venv/bin/python bench/tasks.py
"""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import (
    CONCURRENCY,
    MEMBERS,
    ROOT,
    SECONDS,
    build_circle,
    costed_load,
    free_port,
    load,
    ready_environment,
    say,
    server_commands,
    wait_ready,
)

TASKS = 10_000
# (rule, how many): repeating tasks, started a year ago; the rest are one-off tasks over four years.
SERIES = [
    ("FREQ=DAILY", 5),
    ("FREQ=DAILY;COUNT=400", 5),
    ("FREQ=WEEKLY;BYDAY=MO,TH", 20),
    ("FREQ=WEEKLY", 15),
    ("FREQ=MONTHLY", 5),
]


def add_tasks(circle_id: int) -> int:
    """TASKS tasks in the circle, in bulk (this is data for a benchmark, not a user's action)."""
    from carecircle.accounts.models import User
    from carecircle.tasks.models import Assignment, Category, Task
    from carecircle.tasks.schedule import series_bounds

    organiser = User.objects.get(email="organiser@bench.invalid")
    helpers = list(User.objects.exclude(pk=organiser.pk).values_list("pk", flat=True))
    today = datetime.date.today()
    categories = list(Category.values)
    tasks = []
    repeating = [rule for rule, count in SERIES for _ in range(count)]
    for number in range(TASKS):
        rule = repeating[number] if number < len(repeating) else ""
        task = Task(
            circle_id=circle_id,
            title=f"{'Weekly visit' if rule else 'Lift'} {number}",
            category=categories[number % len(categories)],
            start_date=today - datetime.timedelta(days=365)
            if rule
            else today + datetime.timedelta(days=number % 1460 - 730),
            start_time=datetime.time(8 + number % 12, 30),
            duration_minutes=60,
            time_zone="Europe/London",
            rule=rule,
            people_needed=1 + number % 2,
            created_by=organiser,
        )
        task.first_start_utc, task.last_end_utc = series_bounds(task)
        tasks.append(task)
    created = Task.objects.bulk_create(tasks, batch_size=1000)
    Assignment.objects.bulk_create(
        (
            Assignment(task=task, occurrence_date=task.start_date, user_id=helpers[index % len(helpers)], slot=1)
            for index, task in enumerate(created[len(repeating) :: 3])
        ),
        batch_size=1000,
    )
    return len(created)


def in_process(pages: dict[str, str], cookie: str, *, repeat: int = 20) -> dict[str, dict[str, float]]:
    """Milliseconds per request through Django's test client (no server), under each caching setting.

    "none": nothing cached; "shared": the occurrence list in Django's cache only (as before the
    in-process copy); "now": the default (shared cache, in-process copy, rendered fragments). A
    page marked "(fragment)" is the live refetch (X-Requested-With: fetch) as another member in the
    same position would make it after the first has rendered it.
    """
    import time

    from django.test import Client, override_settings

    from carecircle.tasks.memo import memo_clear

    name, value = cookie.split("=", 1)
    client = Client()
    client.cookies[name] = value
    settings_for = {
        "none": {"TASKS_CACHE_SECONDS": 0, "TASKS_MEMO": False, "FRAGMENT_CACHE_SECONDS": 0},
        "shared": {"TASKS_CACHE_SECONDS": 300, "TASKS_MEMO": False, "FRAGMENT_CACHE_SECONDS": 0},
        "now": {"TASKS_CACHE_SECONDS": 300, "TASKS_MEMO": True, "FRAGMENT_CACHE_SECONDS": 300},
    }
    figures: dict[str, dict[str, float]] = {}
    for page, path in pages.items():
        headers = {"X-Requested-With": "fetch"} if page.endswith("(fragment)") else {}
        figures[page] = {}
        for label, overrides in settings_for.items():
            memo_clear()
            with override_settings(ALLOWED_HOSTS=["testserver"], **overrides):
                assert client.get(path, headers=headers).status_code == 200
                started = time.perf_counter()
                for _ in range(repeat):
                    client.get(path, headers=headers)
                figures[page][label] = (time.perf_counter() - started) / repeat * 1000
    return figures


def measure(
    command: list[str], port: int, env: dict[str, str], pages: dict[str, str], cookie: str
) -> dict[str, dict[str, float]]:
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        wait_ready(port, server)
        for path in pages.values():
            load(port, path, cookie)  # warm-up
        results = {
            "bare view (/ping)": costed_load(server, port, "/ping", ""),
            # The framework floor of a signed-in page: session, user (one query), middleware, base template.
            "signed-in one-query": costed_load(server, port, "/accessibility/", cookie),
        }
        for name, path in pages.items():
            results[name] = costed_load(server, port, path, cookie)
        return results
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="carecircle-bench-tasks-") as directory:
        env = ready_environment(Path(directory))
        circle_id, cookie = build_circle()
        count = add_tasks(circle_id)
        from home_pages import add_talk_and_record

        add_talk_and_record(circle_id)  # 60 family messages (and a record) for the conversation page.
        pages = {
            "circle home": f"/circles/{circle_id}/",
            "agenda": f"/circles/{circle_id}/tasks/",
            "conversation": f"/circles/{circle_id}/talk/",
        }
        timed = {
            "bare view (/ping)": "/ping",
            **pages,
            "agenda (fragment)": pages["agenda"],
            "week (fragment)": f"/circles/{circle_id}/tasks/week/",
        }
        for page, figures in ({} if os.environ.get("BENCH_SERVED_ONLY") else in_process(timed, cookie)).items():
            say(
                f"in process: {page}: {figures['none']:.1f} ms nothing cached, "
                f"{figures['shared']:.1f} ms list in the shared cache, {figures['now']:.1f} ms now"
            )
        if os.environ.get("BENCH_IN_PROCESS_ONLY"):
            return
        port = free_port()
        results = {name: measure(command, port, env, pages, cookie) for name, command in server_commands(port).items()}
    generator = "wrk" if shutil.which("wrk") else "Python threads (apt-get install wrk for better figures)"
    say(
        f"\n{MEMBERS} members, {count} tasks; {CONCURRENCY} connections, {SECONDS:.0f} s per target, "
        f"load from {generator}\n"
    )
    say(
        f"{'server':38} {'target':18} {'requests':>9} {'errors':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'CPU ms':>7} {'busiest':>7} {'Redis conn.':>11} {'Redis cmds':>10}   (CPU and Redis per request; "
        "busiest: the busiest process's share of the server's CPU)"
    )
    for server, targets in results.items():
        bare = targets["bare view (/ping)"]
        for name, figures in targets.items():
            signed_in = targets["signed-in one-query"]
            share = "" if name.startswith("bare") else f"  {figures['rps'] / bare['rps']:.0%} of bare"
            if not name.startswith(("bare", "signed-in")):
                share += f", {figures['rps'] / signed_in['rps']:.0%} of signed-in"
            say(
                f"{server:38} {name:18} {figures['requests']:>9.0f} {figures['errors']:>7.0f} {figures['rps']:>8.0f} "
                f"{figures['p50_ms']:>8.1f} {figures['p99_ms']:>8.1f} {figures['cpu_ms']:>7.2f} "
                f"{figures['busiest_share']:>7.0%} "
                f"{figures['redis_connections']:>11.2f} {figures['redis_commands']:>10.2f}{share}"
            )
        say()


if __name__ == "__main__":
    main()
