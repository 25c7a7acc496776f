"""Load test: `carecircle serve` on PostgreSQL under 64 and 256 connections, counting connection errors.

Creates (or empties) the PostgreSQL database named by BENCH_DATABASE_URL, builds the 60-member
circle of bench/run.py, starts `carecircle serve` on 127.0.0.1 with the settings' defaults (the
connection pool on, unless BENCH_POOL=false) and sends wrk at the circle home page with each
concurrency for BENCH_SECONDS (at most 30), waiting up to 30 s for each answer (queueing is not
an error). While wrk runs it samples PostgreSQL's
`pg_stat_activity` for the database's connections. Prints requests, errors (non-2xx/3xx answers
and socket errors), req/s, p50/p99 and the peak number of connections. Not a test: figures go into
docs/performance.md by hand.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/carecircle_bench .venv/bin/python bench/pool.py
    BENCH_POOL=false BENCH_DATABASE_URL=... .venv/bin/python bench/pool.py    # the same without the pool
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import BIN, ROOT, build_circle, free_port, ready_environment, say, wait_ready, wrk_load

CONNECTIONS = (64, 256)
SECONDS = min(float(os.environ.get("BENCH_SECONDS", "20")), 30.0)


def recreate_database(url: str) -> str:
    """Drop and create the benchmark's database; returns its name."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"BENCH_DATABASE_URL names an unusual database {name!r}: use letters, digits and _.")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return name


def sample_connections(url: str, name: str, stop: threading.Event, peak: list[int]) -> None:
    """Keep the highest count of connections to `name` seen every 0.2 s until `stop` is set."""
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as connection:
        while not stop.wait(0.2):
            row = connection.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [name]).fetchone()
            peak[0] = max(peak[0], int(row[0]) if row else 0)


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("Set BENCH_DATABASE_URL to a PostgreSQL database this benchmark may drop and create.")
    name = recreate_database(url)
    with tempfile.TemporaryDirectory(prefix="carecircle-bench-pool-") as directory:
        env = ready_environment(Path(directory), DATABASE_POOL=os.environ.get("BENCH_POOL", "true"))
        circle_id, cookie = build_circle()
        from django.db import connections

        connections.close_all()
        home = f"/circles/{circle_id}/"
        port = free_port()
        workers = os.environ.get("BENCH_WORKERS", "1")
        command = [str(BIN / "carecircle"), "serve", "--port", str(port), "--workers", workers, "--no-access-log"]
        server = subprocess.Popen(command, cwd=ROOT, env=env)
        results = []
        try:
            wait_ready(port, server)
            for connections_wanted in CONNECTIONS:
                stop, peak = threading.Event(), [0]
                sampler = threading.Thread(target=sample_connections, args=(url, name, stop, peak))
                sampler.start()
                figures = wrk_load(port, home, cookie, connections=connections_wanted, seconds=SECONDS, timeout=30)
                stop.set()
                sampler.join()
                results.append((connections_wanted, figures, peak[0]))
        finally:
            server.terminate()
            server.wait(timeout=30)
    say(
        f"\ncarecircle serve --workers {workers}, DATABASE_POOL={env['DATABASE_POOL']}, "
        f"circle home, {SECONDS:.0f} s each"
    )
    say(f"load average {os.getloadavg()[0]:.1f}")
    say(
        f"{'connections':>11} {'requests':>9} {'errors':>7} {'non-2xx':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'peak db conns':>14}"
    )
    for connections_wanted, figures, peak_connections in results:
        say(
            f"{connections_wanted:>11} {figures['requests']:>9.0f} {figures['errors']:>7.0f} "
            f"{figures['non_2xx']:>8.0f} {figures['rps']:>8.1f} "
            f"{figures['p50_ms']:>8.1f} {figures['p99_ms']:>8.1f} {peak_connections:>14}"
        )


if __name__ == "__main__":
    main()
