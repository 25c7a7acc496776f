"""Benchmark: every list page of the shared record at BENCH_ENTRIES entries a section, against 14 KB.

Builds bench/run.py's 60-member circle on a throwaway SQLite database and writes, through the
record's services as a person would, BENCH_ENTRIES (default 200) entries in each list section:
medications (every third one stopped, and every twentieth deleted), conditions, allergies,
contacts, daily notes and documents (a small PDF each). Then, as the organiser through Django's
test client with the cache warm, prints each page's first HTML in bytes (uncompressed, and gzip at
level 6 as the server compresses it), the queries it makes, and milliseconds per request (wall and
CPU, medians of BENCH_ROUNDS rounds of BENCH_PER_ROUND requests, each ended as a served one is).
Pages over 14,336 bytes uncompressed are marked. Not a test: figures go into docs/performance.md by
hand. For a same-run baseline, copy this file into a detached worktree's bench/ folder and run it
there with this checkout's Python (docs/performance.md has the commands).

    .venv/bin/python bench/record_pages.py
    BENCH_ENTRIES=500 .venv/bin/python bench/record_pages.py
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
SECTIONS = ("medications", "conditions", "allergies", "contacts", "notes", "documents")


def fill_record(circle_id: int) -> None:
    """ENTRIES entries in each list section, written through the services."""
    from carecircle.circles.models import Membership
    from carecircle.records.sections import SECTION_BY_KEY
    from carecircle.records.services import document_add, entry_create, entry_delete

    organiser = Membership.objects.select_related("user", "circle").get(circle_id=circle_id, role="organiser")
    actor, circle = organiser.user, organiser.circle
    values: dict[str, Callable[[int], dict[str, str]]] = {
        "medications": lambda n: {
            "name": f"Medicine {n}",
            "strength": "500 mg",
            "dose": "1 tablet",
            "schedule": "twice a day with food",
            "reason": "Blood sugar",
            "stopped": "2024-01-01" if n % 3 == 0 else "",
        },
        "conditions": lambda n: {"name": f"Condition {n}", "since": "2019-05-01"},
        "allergies": lambda n: {"substance": f"Substance {n}", "reaction": "Rash", "severity": "severe"},
        "contacts": lambda n: {"name": f"Contact {n}", "role": "pharmacy", "phone": "01632 960001"},
        "notes": lambda n: {"text": f"Day {n}: ate most of lunch, walked to the shop.", "mood": "good"},
    }
    for key, made in values.items():
        for number in range(ENTRIES):
            entry = entry_create(actor=actor, circle=circle, section=SECTION_BY_KEY[key], values=made(number))
            if key == "medications" and number % 20 == 19:
                entry_delete(actor=actor, entry=entry)
    pdf = b"%PDF-1.4\n%bench\n"
    for number in range(ENTRIES):
        document_add(
            actor=actor,
            circle=circle,
            values={"title": f"Letter {number}"},
            content=pdf,
            content_type="application/pdf",
            filename=f"letter-{number}.pdf",
        )


def main() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from run import QueryCount, ready_environment, say

    say(f"load average at start: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="carecircle-bench-record-") as directory:
        ready_environment(Path(directory), MEDIA_ROOT=str(Path(directory) / "media"))
        from run import build_circle

        circle_id, cookie = build_circle()
        fill_record(circle_id)
        from django.db import close_old_connections
        from django.test import Client, override_settings

        record = f"/circles/{circle_id}/record/"
        pages = [("record contents", record)] + [(key, f"{record}{key}/") for key in SECTIONS]
        pages.append(("medications, stopped", f"{record}medications/?stopped=1"))
        say(f"{ENTRIES} entries in each list section; organiser; SQLite, DEBUG off, cache warm")
        say(f"{'page':24}{'bytes':>9}{'gzip':>8}{'queries':>9}{'wall ms':>9}{'cpu ms':>8}")
        name, value = cookie.split("=", 1)
        client = Client()
        client.cookies[name] = value
        with override_settings(ALLOWED_HOSTS=["testserver"]):
            for label, path in pages:
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)
                body = response.content
                with QueryCount() as queries:
                    client.get(path)
                walls, cpus = [], []
                for _ in range(ROUNDS):
                    wall, cpu = time.perf_counter(), time.process_time()
                    for _ in range(PER_ROUND):
                        client.get(path)
                        close_old_connections()
                    walls.append((time.perf_counter() - wall) * 1000 / PER_ROUND)
                    cpus.append((time.process_time() - cpu) * 1000 / PER_ROUND)
                over = "  over 14 KB" if len(body) > FIRST_ROUND_TRIP else ""
                say(
                    f"{label:24}{len(body):>9,}{len(gzip.compress(body, 6)):>8,}{len(queries):>9}"
                    f"{statistics.median(walls):>9.2f}{statistics.median(cpus):>8.2f}{over}"
                )
    say(f"load average after measuring: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")


if __name__ == "__main__":
    main()
