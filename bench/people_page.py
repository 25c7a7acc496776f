"""Benchmark: the People page of bench/run.py's 60-member circle, as its organiser, in process.

Builds the circle on a throwaway SQLite database, then prints the page's first HTML in bytes
(uncompressed and gzip level 6) and CPU and wall milliseconds per request (medians of
BENCH_ROUNDS rounds of BENCH_PER_ROUND requests) through Django's test client, ending each request
as a served one does (close_old_connections). BENCH_PROFILE=1 also prints cProfile's top functions.
Not a test: figures go into docs/performance.md by hand.

    .venv/bin/python bench/people_page.py
"""

from __future__ import annotations

import cProfile
import gzip
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
PER_ROUND = int(os.environ.get("BENCH_PER_ROUND", "20"))


def main() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from run import ready_environment, say

    say(f"load average at start: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="carecircle-bench-people-") as directory:
        ready_environment(Path(directory))
        from run import build_circle

        circle_id, cookie = build_circle()
        from django.db import close_old_connections
        from django.test import Client, override_settings

        path = f"/circles/{circle_id}/people/"
        name, value = cookie.split("=", 1)
        client = Client()
        client.cookies[name] = value
        with override_settings(ALLOWED_HOSTS=["testserver"]):
            body = client.get(path).content
            if os.environ.get("BENCH_SAVE"):
                Path(os.environ["BENCH_SAVE"]).write_bytes(body)
            walls, cpus = [], []
            for _ in range(ROUNDS):
                wall, cpu = time.perf_counter(), time.process_time()
                for _ in range(PER_ROUND):
                    client.get(path)
                    close_old_connections()
                walls.append((time.perf_counter() - wall) * 1000 / PER_ROUND)
                cpus.append((time.process_time() - cpu) * 1000 / PER_ROUND)
            say(f"{'page':12}{'bytes':>9}{'gzip':>8}{'wall ms':>9}{'cpu ms':>8}")
            say(
                f"{'people':12}{len(body):>9,}{len(gzip.compress(body, 6)):>8,}"
                f"{statistics.median(walls):>9.2f}{statistics.median(cpus):>8.2f}"
            )
            if os.environ.get("BENCH_PROFILE"):
                profile = cProfile.Profile()
                profile.enable()
                for _ in range(50):
                    client.get(path)
                profile.disable()
                pstats.Stats(profile).sort_stats("cumulative").print_stats(35)
    say(f"load average after measuring: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")


if __name__ == "__main__":
    main()
