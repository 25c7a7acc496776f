"""Benchmark: the ways to serve HTTP, side by side in one run, on the big circle's home page.

Compares, on the same data and the same machine, each with BENCH_WORKERS processes (default 2):

- "ASGI": uvicorn running Django's own ASGI handler (carecircle.asgi_django), what `carecircle serve`
  ran before;
- "threads": uvicorn running carecircle.asgi, Django's WSGI handler in a thread pool for HTTP and
  Channels for /ws/ (what `carecircle serve` runs now);
- "granian": granian's WSGI workers (HTTP only), when granian is installed.

For each, /ping (no database, no session: the floor) and the circle home page of a 60-member
circle, with wrk at BENCH_CONCURRENCY connections (default 64) for BENCH_SECONDS (default 8, at
most 20) per target. On SQLite unless BENCH_DATABASE_URL names a PostgreSQL database, which is
dropped and created. Not a test: figures go into docs/architecture/serving.md by hand.

    .venv/bin/python bench/serving.py
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/carecircle_bench .venv/bin/python bench/serving.py
    BENCH_SERVERS="threads;granian" BENCH_WORKERS=1 .venv/bin/python bench/serving.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pool import recreate_database
from run import BIN, ROOT, build_circle, free_port, ready_environment, say, wait_ready, wrk_load

CONNECTIONS = int(os.environ.get("BENCH_CONCURRENCY", "64"))
SECONDS = min(float(os.environ.get("BENCH_SECONDS", "8")), 20.0)
WORKERS = os.environ.get("BENCH_WORKERS", "2")


def servers(port: int) -> dict[str, list[str]]:
    uvicorn = [str(BIN / "uvicorn"), "--host", "127.0.0.1", "--port", str(port), "--workers", WORKERS]
    quiet = ["--no-access-log", "--lifespan", "off", "--no-server-header"]
    commands = {
        "ASGI": [*uvicorn, *quiet, "carecircle.asgi_django:application"],
        "threads": [*uvicorn, *quiet, "carecircle.asgi:application"],
    }
    if (BIN / "granian").exists():
        commands["granian"] = [
            *(str(BIN / "granian"), "--interface", "wsgi", "carecircle.wsgi:application"),
            *("--host", "127.0.0.1", "--port", str(port), "--workers", WORKERS, "--blocking-threads", "8"),
            "--no-access-log",
        ]
    wanted = os.environ.get("BENCH_SERVERS")
    if wanted:
        commands = {name: command for name, command in commands.items() if name in wanted.split(";")}
    return commands


def measure(command: list[str], port: int, env: dict[str, str], home: str, cookie: str) -> dict[str, dict[str, float]]:
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        wait_ready(port, server)
        wrk_load(port, home, cookie, connections=CONNECTIONS, seconds=2)  # warm-up
        return {
            "/ping": wrk_load(port, "/ping", "", connections=CONNECTIONS, seconds=SECONDS),
            "circle home": wrk_load(port, home, cookie, connections=CONNECTIONS, seconds=SECONDS),
        }
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if url:
        recreate_database(url)
    with tempfile.TemporaryDirectory(prefix="carecircle-bench-serving-") as directory:
        env = ready_environment(Path(directory))
        circle_id, cookie = build_circle()
        from django.db import connections

        connections.close_all()
        port = free_port()
        home = f"/circles/{circle_id}/"
        results = {name: measure(command, port, env, home, cookie) for name, command in servers(port).items()}
    database = "PostgreSQL" if url else "SQLite"
    say(f"\n{WORKERS} processes each, {CONNECTIONS} connections, {SECONDS:.0f} s per target, {database}")
    say(f"load average after the run: {' '.join(f'{value:.1f}' for value in os.getloadavg())}")
    say(f"{'server':10} {'target':12} {'requests':>9} {'errors':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for server, targets in results.items():
        for name, figures in targets.items():
            say(
                f"{server:10} {name:12} {figures['requests']:>9.0f} {figures['errors']:>7.0f} {figures['rps']:>8.0f} "
                f"{figures['p50_ms']:>8.1f} {figures['p99_ms']:>8.1f}"
            )
        say(f"{server:10} circle home = {targets['circle home']['rps'] / targets['/ping']['rps']:.0%} of /ping")


if __name__ == "__main__":
    main()
