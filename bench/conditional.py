"""Benchmark: the circle home page rendered (200) against a reload the browser already holds (304).

Builds the 60-member circle of bench/run.py, starts `carecircle serve --workers 2`, fetches the home
page once for its ETag and the CSRF cookie a browser keeps, then loads it with wrk at
BENCH_CONCURRENCY connections (default 64) for BENCH_SECONDS (default 10, at most 20) per target:
the page, the same page with `If-None-Match`, and /ping. Not a test: figures go into
docs/performance.md by hand.

    .venv/bin/python bench/conditional.py
"""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import BIN, ROOT, build_circle, free_port, ready_environment, say, wait_ready, wrk_load

CONNECTIONS = int(os.environ.get("BENCH_CONCURRENCY", "64"))
SECONDS = min(float(os.environ.get("BENCH_SECONDS", "10")), 20.0)


def first_visit(port: int, path: str, cookie: str) -> tuple[str, str]:
    """The cookie a browser holds after its first visit (with the CSRF cookie) and the page's ETag."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie, "Accept-Encoding": "gzip"}
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.read()
    csrf = (response.getheader("Set-Cookie") or "").split(";")[0]
    if csrf:
        cookie = f"{cookie}; {csrf}"
    connection.request("GET", path, headers={**headers, "Cookie": cookie})
    response = connection.getresponse()
    response.read()
    etag = response.getheader("ETag")
    if not etag:
        raise SystemExit("The circle home page sent no ETag.")
    return cookie, etag


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="carecircle-bench-conditional-") as directory:
        env = ready_environment(Path(directory))
        circle_id, cookie = build_circle()
        port = free_port()
        home = f"/circles/{circle_id}/"
        command = [str(BIN / "carecircle"), "serve", "--port", str(port), "--workers", "2", "--no-access-log"]
        server = subprocess.Popen(command, cwd=ROOT, env=env)
        try:
            wait_ready(port, server)
            cookie, etag = first_visit(port, home, cookie)
            # wrk takes one header per -H; the cookie value carries the second header after CRLF.
            results = {
                "home, rendered (200)": wrk_load(port, home, cookie, connections=CONNECTIONS, seconds=SECONDS),
                "home, reload (304)": wrk_load(
                    port, home, f"{cookie}\r\nIf-None-Match: {etag}", connections=CONNECTIONS, seconds=SECONDS
                ),
                "/ping": wrk_load(port, "/ping", "", connections=CONNECTIONS, seconds=SECONDS),
            }
        finally:
            server.terminate()
            server.wait(timeout=30)
    say(f"\n2 processes, {CONNECTIONS} connections, {SECONDS:.0f} s per target")
    say(f"load average after the run: {' '.join(f'{value:.1f}' for value in os.getloadavg())}")
    say(f"{'target':22} {'requests':>9} {'errors':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for name, figures in results.items():
        say(
            f"{name:22} {figures['requests']:>9.0f} {figures['errors']:>7.0f} {figures['rps']:>8.0f} "
            f"{figures['p50_ms']:>8.1f} {figures['p99_ms']:>8.1f}"
        )


if __name__ == "__main__":
    main()
