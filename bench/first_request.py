"""Benchmark: a freshly started `carecircle serve`'s first circle home, with and without warming.

Makes a circle of 60 members on a throwaway SQLite database (or BENCH_DATABASE_URL), then starts
`carecircle serve` (one process, DEBUG off) BENCH_ROUNDS times with WARM_UP=true and WARM_UP=false
alternately. For each start it prints how long the process took to accept a connection (from the
start of the command), and the organiser's first, second and third circle home (each a full 200,
no ETag sent) timed from the request to the last byte. Nothing is requested before the first home,
so it pays whatever the process left for its first request. Not a test: figures go into
docs/performance.md by hand.

    .venv/bin/python bench/first_request.py
    BENCH_ROUNDS=5 BENCH_DATABASE_URL=postgres://... .venv/bin/python bench/first_request.py
"""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "bench"))

from run import build_circle, free_port, ready_environment, say  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
START_SECONDS = 120


def accepting_after(port: int, process: subprocess.Popen[bytes], started: float) -> float:
    """Seconds from `started` until the server accepts a TCP connection."""
    deadline = started + START_SECONDS
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return time.perf_counter() - started
        except OSError:
            time.sleep(0.01)
    raise SystemExit(f"the server did not accept within {START_SECONDS} s")


def home_ms(port: int, circle_id: int, cookie: str) -> float:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    started = time.perf_counter()
    connection.request("GET", f"/circles/{circle_id}/", headers={"Cookie": cookie, "Host": "127.0.0.1"})
    response = connection.getresponse()
    response.read()
    took = (time.perf_counter() - started) * 1000
    connection.close()
    if response.status != 200:
        raise SystemExit(f"the circle home answered {response.status}")
    return took


def one_start(env: dict[str, str], warm: bool, circle_id: int, cookie: str) -> tuple[float, list[float]]:
    port = free_port()
    command = [str(BIN / "carecircle"), "serve", "--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env={**env, "WARM_UP": str(warm).lower()}, stdout=subprocess.DEVNULL)
    try:
        start = accepting_after(port, process, started)
        homes = [home_ms(port, circle_id, cookie) for _ in range(3)]
    finally:
        process.terminate()
        process.wait(30)
    return start, homes


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="carecircle-first-") as folder:
        env = ready_environment(Path(folder))
        circle_id, cookie = build_circle()
        say(f"Fresh `carecircle serve` (1 process), {ROUNDS} starts each, alternating; {env['DATABASE_URL'][:10]}…")
        figures: dict[bool, list[tuple[float, list[float]]]] = {True: [], False: []}
        for number in range(ROUNDS):
            for warm in (True, False) if number % 2 == 0 else (False, True):
                start, homes = one_start(env, warm, circle_id, cookie)
                figures[warm].append((start, homes))
                say(
                    f"round {number + 1}, warm-up {'on ' if warm else 'off'}: accepting after {start:.2f} s; "
                    f"circle home 1st {homes[0]:.1f} ms, 2nd {homes[1]:.1f} ms, 3rd {homes[2]:.1f} ms "
                    f"(load {os.getloadavg()[0]:.2f})"
                )
        for warm in (True, False):
            starts = [start for start, _ in figures[warm]]
            firsts = [homes[0] for _, homes in figures[warm]]
            thirds = [homes[2] for _, homes in figures[warm]]
            say(
                f"warm-up {'on ' if warm else 'off'}: median start {statistics.median(starts):.2f} s, "
                f"first home {statistics.median(firsts):.1f} ms, third {statistics.median(thirds):.1f} ms"
            )


if __name__ == "__main__":
    main()
