"""Benchmark: the circle home page of a 60-member circle against a bare view, on each server.

Starts `carecircle serve` (uvicorn, HTTP in a thread pool, DEBUG off), then granian's WSGI workers
(one and two processes), on a throwaway SQLite database (or BENCH_DATABASE_URL), signs the
organiser in, and sends a bounded load with wrk (or Python threads when wrk is missing), first to
/ping (no database, no session: the same-run baseline) and then to the circle home page.
Prints throughput and p50/p99 latency of each, and their ratio. Not a test: figures go into
docs/performance.md by hand.

    make bench                      # defaults: 16 connections, 10 s per target, every server
    BENCH_CONCURRENCY=64 BENCH_SECONDS=15 make bench
    BENCH_SERVERS="carecircle serve" make bench   # only the servers whose names start like this (";"-separated)
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "16"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
MEMBERS = 60


class QueryCount:
    """The queries run inside it, counted as they execute (`len()` gives the count).

    `CaptureQueriesContext` slices the connection's query log, which keeps the last 9,000 queries:
    after filling a big circle the log is full, both ends of the slice are 9,000, and benches
    printed 0 queries. Counting through an execute wrapper has no such limit (as in a58998e).
    """

    def __init__(self) -> None:
        self.count = 0
        self._wrapper: Any = None

    def __enter__(self) -> QueryCount:
        from django.db import connection

        self._wrapper = connection.execute_wrapper(self._counted)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._wrapper.__exit__(*exc)

    def __len__(self) -> int:
        return self.count

    def _counted(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare_environment(var_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1",
        "CARECIRCLE_VAR_DIR": str(var_dir),
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{var_dir / 'bench.sqlite3'}"),
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    return env


def ready_environment(var_dir: Path, **extra: str) -> dict[str, str]:
    """`prepare_environment`'s variables and `extra`, with the database migrated and static files collected."""
    env = {**prepare_environment(var_dir), **extra}
    os.environ.update(extra)
    subprocess.run([str(BIN / "carecircle"), "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run([str(BIN / "carecircle"), "collectstatic", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
    return env


def build_circle() -> tuple[int, str]:
    """A circle with MEMBERS members; returns its id and a session cookie for its organiser."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecircle.settings")
    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from carecircle.accounts.models import User
    from carecircle.circles.services import circle_create, membership_add_directly

    organiser = User.objects.create_user(email="organiser@bench.invalid", password=None, display_name="Olivia")
    circle = circle_create(actor=organiser, person_name="Dad", relationship="daughter")
    for number in range(MEMBERS - 1):
        user = User.objects.create_user(
            email=f"member{number}@bench.invalid", password=None, display_name=f"Member {number}"
        )
        membership_add_directly(actor=organiser, circle=circle, user=user, role="helper", relationship="friend")
    session = SessionStore()
    session[SESSION_KEY] = str(organiser.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = organiser.get_session_auth_hash()
    session.create()
    return circle.pk, f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def wait_ready(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with code {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/ping")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not start within 60 s")


def wrk_load(
    port: int,
    path: str,
    cookie: str,
    *,
    connections: int = CONCURRENCY,
    seconds: float = SECONDS,
    timeout: float = 2,
) -> dict[str, float]:
    """The load from wrk (Debian's package), which costs the server's cores far less than Python threads.

    A request still unanswered after `timeout` seconds counts as an error (wrk's own default is 2 s).
    """
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds:.0f}s", f"--timeout={timeout:.0f}s", "--latency"]
    command += ["-H", "Accept-Encoding: gzip"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run([*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True)
    text = output.stdout

    def milliseconds(label: str) -> float:
        match = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", text, re.MULTILINE)
        if match is None:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    requests = re.search(r"(\d+) requests in", text)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    return {
        "requests": float(requests.group(1)) if requests else float("nan"),
        "errors": float(non_2xx.group(1) if non_2xx else 0) + (sum(map(float, errors.groups())) if errors else 0),
        "non_2xx": float(non_2xx.group(1)) if non_2xx else 0.0,
        "timeouts": float(errors.group(4)) if errors else 0.0,
        "rps": float(rps.group(1)) if rps else float("nan"),
        "p50_ms": milliseconds("50%"),
        "p99_ms": milliseconds("99%"),
    }


def server_cpu_by_process(process: subprocess.Popen[bytes]) -> dict[str, float]:
    """CPU seconds (user + system) used so far by the server and each of its child processes, from /proc (Linux).

    With `--workers N` uvicorn's parent only supervises; the children serve. The resource tracker
    multiprocessing starts is a child too, and idle, so it counts for nothing.
    """
    pids = [str(process.pid)]
    with contextlib.suppress(OSError):
        pids += Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    seconds = {}
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            seconds[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return seconds


def server_cpu_seconds(process: subprocess.Popen[bytes]) -> float:
    """CPU (user + system) used so far by the server and its worker processes, from /proc (Linux)."""
    return sum(server_cpu_by_process(process).values())


def busiest_share(before: dict[str, float], after: dict[str, float]) -> float:
    """The share of the CPU used between two readings that went to the busiest process (1.0 with one).

    Several uvicorn workers accept from one shared socket, and whichever is awake takes every
    connection waiting: under wrk's keep-alive connections one process can serve nearly all of
    them while the other idles, so "2 processes" may be using one core (docs/performance.md).
    """
    used = [seconds - before.get(pid, 0.0) for pid, seconds in after.items()]
    total = sum(used)
    return max(used) / total if total > 0 else float("nan")


def redis_counters() -> tuple[int, int]:
    """Redis's connections received and commands processed so far (its own `INFO stats`), or (0, 0)."""
    url = os.environ.get("REDIS_URL")
    if not url:
        return 0, 0
    import redis

    stats = redis.Redis.from_url(url).info("stats")
    return int(stats["total_connections_received"]), int(stats["total_commands_processed"])


def costed_load(process: subprocess.Popen[bytes], port: int, path: str, cookie: str) -> dict[str, float]:
    """`load`, with the server's CPU and Redis's new connections and commands per request.

    Also the busiest process's share of that CPU: near 100 % with `--workers 2` means one process
    served nearly everything.

    CPU per request is steadier than req/s on a shared machine, and the Redis counters do not depend
    on the load at all (the reading itself adds one connection and one command).
    """
    cpu, (connections, commands) = server_cpu_by_process(process), redis_counters()
    figures = load(port, path, cookie)
    requests = max(figures["requests"], 1)
    after_connections, after_commands = redis_counters()
    after_cpu = server_cpu_by_process(process)
    figures["cpu_ms"] = (sum(after_cpu.values()) - sum(cpu.values())) * 1000 / requests
    figures["busiest_share"] = busiest_share(cpu, after_cpu)
    figures["redis_connections"] = (after_connections - connections - 1) / requests
    figures["redis_commands"] = (after_commands - commands - 1) / requests
    return figures


def load(port: int, path: str, cookie: str) -> dict[str, float]:
    if shutil.which("wrk"):
        return wrk_load(port, path, cookie)
    return thread_load(port, path, cookie)


def thread_load(port: int, path: str, cookie: str) -> dict[str, float]:
    """The load from Python threads, when wrk isn't installed (they share the server's two cores)."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + SECONDS

    def client() -> None:
        nonlocal errors
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine: list[float] = []
        failed = 0
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                headers = {"Accept-Encoding": "gzip", **({"Cookie": cookie} if cookie else {})}
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    failed += 1
            except (OSError, http.client.HTTPException):
                failed += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                continue
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)
            errors += failed

    threads = [threading.Thread(target=client) for _ in range(CONCURRENCY)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000 if latencies else float("nan"),
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else float("nan"),
    }


def say(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def server_commands(port: int) -> dict[str, list[str]]:
    """The servers to compare: what `carecircle serve` runs, and WSGI workers for plain HTTP."""
    commands = {
        "carecircle serve, 1 process": [
            *(str(BIN / "carecircle"), "serve", "--host", "127.0.0.1", "--port", str(port), "--no-access-log"),
        ],
    }
    if os.environ.get("REDIS_URL"):
        # Several processes share the cache (and the live layer) only through Redis (serving.md).
        commands["carecircle serve, 2 processes"] = [*commands["carecircle serve, 1 process"], "--workers", "2"]
    if (BIN / "granian").exists():
        commands["granian WSGI, 1 process, 4 threads"] = [
            *(str(BIN / "granian"), "--interface", "wsgi", "carecircle.wsgi:application"),
            *("--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--blocking-threads", "4"),
            "--no-access-log",
        ]
        commands["granian WSGI, 2 processes, 4 threads"] = [
            *(str(BIN / "granian"), "--interface", "wsgi", "carecircle.wsgi:application"),
            *("--host", "127.0.0.1", "--port", str(port), "--workers", "2", "--blocking-threads", "4"),
            "--no-access-log",
        ]
    wanted = os.environ.get("BENCH_SERVERS")
    if wanted:
        commands = {name: command for name, command in commands.items() if name.split(",")[0] in wanted.split(";")}
    return commands


def measure(command: list[str], port: int, env: dict[str, str], home: str, cookie: str) -> dict[str, dict[str, float]]:
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        wait_ready(port, server)
        load(port, home, cookie)  # warm-up: first requests fill caches and open the database
        # The baseline sends no session cookie: no session, no user, no query at all.
        return {
            "bare view (/ping)": load(port, "/ping", ""),
            f"circle home ({MEMBERS} members)": load(port, home, cookie),
        }
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="carecircle-bench-") as directory:
        var_dir = Path(directory)
        env = ready_environment(var_dir)
        circle_id, cookie = build_circle()
        home = f"/circles/{circle_id}/"
        port = free_port()
        results = {name: measure(command, port, env, home, cookie) for name, command in server_commands(port).items()}
    generator = "wrk" if shutil.which("wrk") else "Python threads (apt-get install wrk for better figures)"
    say(f"\n{CONCURRENCY} connections, {SECONDS:.0f} s per target, load from {generator} on the same machine\n")
    say(f"{'server':38} {'target':26} {'requests':>9} {'errors':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for server, targets in results.items():
        for name, figures in targets.items():
            say(
                f"{server:38} {name:26} {figures['requests']:>9.0f} {figures['errors']:>7.0f} {figures['rps']:>8.0f} "
                f"{figures['p50_ms']:>8.1f} {figures['p99_ms']:>8.1f}"
            )
        bare, page = targets.values()
        say(f"{server:38} circle home = {page['rps'] / bare['rps']:.0%} of the bare view\n")


if __name__ == "__main__":
    main()
