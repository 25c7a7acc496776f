"""Benchmark: how big the big circle's long lists are, against the 14 KB first round trip, and what they cost.

Builds bench/tasks.py's circle (60 members, 10,000 tasks) on a throwaway SQLite database, with
bench/home_pages.py's messages and record entries and more: BENCH_ENTRIES medications, conditions
and contacts each (default 200). Then, as the organiser through Django's test client with the
cache warm, prints each page's first HTML in bytes (uncompressed, and gzip at level 6 as the
server compresses it) and in-process milliseconds (wall and CPU, medians of BENCH_ROUNDS rounds of
BENCH_PER_ROUND requests). Pages over 14,336 bytes uncompressed are marked. Not a test: figures go
into docs/performance.md by hand. To compare with another checkout, copy this file into its
bench/ folder and run it there.

    .venv/bin/python bench/page_bytes.py
    BENCH_ENTRIES=500 .venv/bin/python bench/page_bytes.py
"""

from __future__ import annotations

import gzip
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENTRIES = int(os.environ.get("BENCH_ENTRIES", "200"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
PER_ROUND = int(os.environ.get("BENCH_PER_ROUND", "10"))
FIRST_ROUND_TRIP = 14_336


def add_record_entries(circle_id: int) -> None:
    """ENTRIES medications, conditions and contacts, written through the service as a person would."""
    from carecircle.circles.models import Membership
    from carecircle.records.sections import SECTION_BY_KEY
    from carecircle.records.services import entry_create

    organiser = Membership.objects.select_related("user", "circle").get(circle_id=circle_id, role="organiser")
    values: dict[str, Callable[[int], dict[str, str]]] = {
        "medications": lambda n: {"name": f"Extra medicine {n}", "dose": "1 tablet", "schedule": "twice a day"},
        "conditions": lambda n: {"name": f"Condition {n + 10}"},
        "contacts": lambda n: {"name": f"Contact {n}", "phone": "01632 960001"},
    }
    for key, made in values.items():
        for number in range(ENTRIES):
            entry_create(
                actor=organiser.user, circle=organiser.circle, section=SECTION_BY_KEY[key], values=made(number)
            )


def main() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from run import ready_environment, say

    say(f"load average at start: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="carecircle-bench-bytes-") as directory:
        ready_environment(Path(directory))
        from home_pages import add_talk_and_record
        from run import build_circle
        from tasks import add_tasks

        circle_id, cookie = build_circle()
        count = add_tasks(circle_id)
        add_talk_and_record(circle_id)
        add_record_entries(circle_id)
        from django.test import Client, override_settings

        home = f"/circles/{circle_id}/"
        pages = [
            ("circle home", home),
            ("agenda", home + "tasks/"),
            ("help needed", home + "tasks/needs-help/"),
            ("week", home + "tasks/week/"),
            ("month", home + "tasks/month/"),
            ("What I'm doing", "/tasks/mine/"),
            ("people", home + "people/"),
            ("record contents", home + "record/"),
            ("medications", home + "record/medications/"),
            ("conditions", home + "record/conditions/"),
            ("contacts", home + "record/contacts/"),
            ("family conversation", home + "talk/"),
            ("direct conversations", home + "direct/"),
        ]
        say(
            f"a circle of 60 members, {count} tasks, {ENTRIES} + 20 medications, {ENTRIES} + 10 conditions, "
            f"{ENTRIES} contacts; organiser; SQLite, DEBUG off, cache warm"
        )
        say(f"{'page':24}{'bytes':>9}{'gzip':>8}{'wall ms':>9}{'cpu ms':>8}")
        name, value = cookie.split("=", 1)
        client = Client()
        client.cookies[name] = value
        with override_settings(ALLOWED_HOSTS=["testserver"]):
            for label, path in pages:
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)
                body = response.content
                walls, cpus = [], []
                for _ in range(ROUNDS):
                    wall, cpu = time.perf_counter(), time.process_time()
                    for _ in range(PER_ROUND):
                        client.get(path)
                    walls.append((time.perf_counter() - wall) * 1000 / PER_ROUND)
                    cpus.append((time.process_time() - cpu) * 1000 / PER_ROUND)
                over = "  over 14 KB" if len(body) > FIRST_ROUND_TRIP else ""
                say(
                    f"{label:24}{len(body):>9,}{len(gzip.compress(body, 6)):>8,}"
                    f"{statistics.median(walls):>9.2f}{statistics.median(cpus):>8.2f}{over}"
                )
    say(f"load average after measuring: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")


if __name__ == "__main__":
    main()
