"""Benchmark: the big circle's home, agenda and week in process, against two baselines, before and after.

Builds bench/tasks.py's circle (60 members, 10,000 tasks) on a throwaway SQLite database, then
times each page through Django's test client as its organiser, with the cache warm (what a running
server has): CPU time of the process per request (time.process_time, so other work on a shared
machine counts less than in wall time) and wall time. Baselines in the same run: `/ping` (no
session, no query) and `/accessibility/` (signed in, one query and a small template: the framework
floor of a page).

With BENCH_BEFORE=/path/to/another/checkout (e.g. `git worktree add --detach /tmp/before main`),
that checkout's code is measured on the same database in alternating rounds in its own process,
so both share the noise of a busy machine. Prints medians. With REDIS_URL (the cache in Redis),
also the Redis commands and round trips per request, counted in each measuring process on
redis-py's connections (tests/redis_commands.py) over 20 requests after the timed ones. Not a
test: figures go into docs/performance.md by hand. After each timed request the measuring process
closes old database connections as a server does at the end of a request (the test client doesn't),
so a checkout that opens a connection per request pays for it here too.

    .venv/bin/python bench/home_pages.py
    BENCH_BEFORE=/work/wt/perfhome-base .venv/bin/python bench/home_pages.py
    BENCH_ONLY="one-query,home,record" .venv/bin/python bench/home_pages.py
"""

from __future__ import annotations

import importlib.util
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
PER_ROUND = int(os.environ.get("BENCH_PER_ROUND", "20"))
BEFORE = os.environ.get("BENCH_BEFORE", "")
# Only the pages whose label contains one of these words (comma-separated), e.g. "home,record".
ONLY = [word for word in os.environ.get("BENCH_ONLY", "").split(",") if word]
FETCH = {"X-Requested-With": "fetch"}


def targets(circle_id: int) -> list[tuple[str, str, bool]]:
    pages = all_targets(circle_id)
    return [page for page in pages if not ONLY or any(word in page[0] for word in ONLY)]


def all_targets(circle_id: int) -> list[tuple[str, str, bool]]:
    home = f"/circles/{circle_id}/"
    return [
        ("/ping (no session, no query)", "/ping", False),
        ("signed-in one-query page", "/accessibility/", False),
        ("circle home", home, False),
        ("members (live refetch)", home + "people/fragment/", True),
        ("agenda", home + "tasks/", False),
        ("agenda (live refetch)", home + "tasks/", True),
        ("week", home + "tasks/week/", False),
        ("month", home + "tasks/month/", False),
        ("help needed", home + "tasks/needs-help/", False),
        ("family conversation", home + "talk/", False),
        ("What I'm doing", "/tasks/mine/", False),
        ("record contents", home + "record/", False),
        ("record: medications", home + "record/medications/", False),
    ]


def add_talk_and_record(circle_id: int) -> None:
    """60 family messages by several members, and 20 medications and 10 conditions in the record."""
    from carecircle.circles.access import access_circle
    from carecircle.circles.models import Membership
    from carecircle.conversations import selectors, services
    from carecircle.records.sections import SECTION_BY_KEY
    from carecircle.records.services import entry_create

    members = list(Membership.objects.filter(circle_id=circle_id).select_related("user", "circle")[:6])
    for number in range(60):
        member = members[number % len(members)]
        access = access_circle(user=member.user, circle_id=circle_id)
        where = selectors.conversation_access_for(access, services.family_conversation(circle=member.circle))
        services.message_post(actor=member.user, where=where, body=f"Message {number}: **on my way**, back by 5")
    organiser = Membership.objects.select_related("user", "circle").get(circle_id=circle_id, role="organiser")
    for number in range(20):
        entry_create(
            actor=organiser.user,
            circle=organiser.circle,
            section=SECTION_BY_KEY["medications"],
            values={"name": f"Medicine {number}", "dose": "10 mg", "schedule": "mornings"},
        )
    for number in range(10):
        entry_create(
            actor=organiser.user,
            circle=organiser.circle,
            section=SECTION_BY_KEY["conditions"],
            values={"name": f"Condition {number}"},
        )


def measure_forever(checkout: Path) -> None:
    """The measuring process: reads `path fetch count` lines, answers `cpu_ms wall_ms` per request."""
    sys.path.insert(0, str(checkout))
    os.chdir(checkout)
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecircle.settings")
    django.setup()
    from django.db import close_old_connections
    from django.test import Client

    name, value = os.environ["BENCH_COOKIE"].split("=", 1)
    client = Client()
    client.cookies[name] = value
    counting = _redis_counting()
    print("ready", flush=True)
    for line in sys.stdin:
        words = line.split()
        if words[0] == "count":
            path, fetch, count = words[1:]
            headers = FETCH if fetch == "1" else {}
            with counting() as counted:
                for _ in range(int(count)):
                    client.get(path, headers=headers)
            per_request = [len(counted.names) / int(count), counted.round_trips / int(count)]
            print(json.dumps([*per_request, " ".join(sorted(set(counted.names)))]), flush=True)
            continue
        path, fetch, count = words
        headers = FETCH if fetch == "1" else {}
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(int(count)):
            response = client.get(path, headers=headers)
            assert response.status_code == 200, (path, response.status_code)
            # What a server's request_finished does and the test client skips: a connection past its
            # CONN_MAX_AGE is closed, so the next request pays for opening one, as it does when served.
            close_old_connections()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        print(json.dumps([cpu * 1000 / int(count), wall * 1000 / int(count)]), flush=True)


def _redis_counting() -> Any:
    """tests/redis_commands.py of this checkout (the one measuring may be another), loaded by its path."""
    spec = importlib.util.spec_from_file_location("redis_commands", ROOT / "tests" / "redis_commands.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # Its dataclass looks its module up there.
    spec.loader.exec_module(module)
    return module.counting_redis_commands


def main() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from run import ready_environment, say

    say(f"load average at start: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="carecircle-bench-home-") as directory:
        env = ready_environment(Path(directory))
        from run import build_circle
        from tasks import add_tasks

        circle_id, cookie = build_circle()
        count = add_tasks(circle_id)
        add_talk_and_record(circle_id)
        say(f"a circle of 60 members and {count} tasks; organiser signed in; SQLite, DEBUG off, cache warm")
        env = {**env, "BENCH_COOKIE": cookie, "ALLOWED_HOSTS": "testserver"}
        from measuring import Measurer

        script = Path(__file__).resolve()
        measurers = {"now": Measurer(script, "--measure", ROOT, env)}
        if BEFORE:
            measurers = {"before": Measurer(script, "--measure", Path(BEFORE).resolve(), env), **measurers}
        say(f"median of {ROUNDS} alternating rounds of {PER_ROUND} requests per page, in process")
        say(f"{'':30}" + "".join(f"{label + ' cpu ms':>16}{'wall ms':>9}" for label in measurers))
        try:
            for label, path, fetch in targets(circle_id):
                runs: dict[str, list[tuple[float, float]]] = {name: [] for name in measurers}
                for measurer in measurers.values():
                    measurer.ask(path, int(fetch), 3)  # Warm: templates compiled, lists and sections kept.
                for _ in range(ROUNDS):
                    for name, measurer in measurers.items():
                        cpu, wall = measurer.ask(path, int(fetch), PER_ROUND)
                        runs[name].append((float(cpu), float(wall)))
                cells = "".join(
                    f"{statistics.median(cpu for cpu, _ in runs[name]):16.2f}"
                    f"{statistics.median(wall for _, wall in runs[name]):9.2f}"
                    for name in measurers
                )
                say(f"{label:30}{cells}")
            if os.environ.get("REDIS_URL"):
                say("Redis per request (commands / round trips: which commands), 20 requests after the timed ones")
                for label, path, fetch in targets(circle_id):
                    # Redis commands and round trips per request, and the commands' names.
                    counts = {name: measurer.ask("count", path, int(fetch), 20) for name, measurer in measurers.items()}
                    say(
                        f"{label:30}"
                        + "   ".join(f"{name} {c:.1f} / {r:.1f}: {n}" for name, (c, r, n) in counts.items())
                    )
        finally:
            for measurer in measurers.values():
                measurer.close()
    say(f"load average after measuring: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        measure_forever(Path(sys.argv[2]).resolve())
    else:
        main()
