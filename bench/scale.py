"""Benchmark: key pages and API lists on a small database and a big seeded one, in the same run.

Creates two PostgreSQL databases next to BENCH_DATABASE_URL's, named after BENCH_SCALE_PREFIX
(default `carecircle_scale`: carecircle_scale_small and carecircle_scale), migrates both, fills
them with `carecircle seed-scale` (BENCH_SMALL_SCALE, default 0.002 = 20 circles; BENCH_SCALE,
default 0.1 = 1,000 circles) and times how long the big seeding takes. Then, for each database in
its own process, signs in circle 1's organiser (circle 1 is the same at every scale) and times
each page and API list with Django's test client, in process, with the cache emptied before each
request so every request reads the database. Prints the medians (wall time, and this process's
CPU time, which a busy machine disturbs less; PostgreSQL's own work is only in the wall time), the
queries per request and the big/small ratio of the wall times against the 1.5x budget
(BUDGETS.md, "Data growth"), with the load average. Drops both databases at the end, also after a
failure or Ctrl-C (closing any connection left to them), unless BENCH_KEEP=1.
With BENCH_SERVED=1 the same pages are also served under load (BENCH_SERVED=only: without the
in-process comparison): one `carecircle serve` process per database, both running, and wrk
(Debian's package) at 16 and 64 connections for BENCH_SERVED_SECONDS (default 5) on each page,
small then big in turn, signed in as circle 1's organiser, against the signed-in one-query page
(`/accessibility/`, the framework floor). Prints requests a second, p99, errors and the server's
CPU per request (from /proc, steadier than wall time on a shared machine) for each, with the
big/small ratios and the load average. BENCH_REUSE=1 measures databases already seeded under the
prefix's names instead of dropping and seeding them (and keeps them).
Not a test: figures go into docs/performance.md by hand.

    DEBUG=false .venv/bin/python bench/scale.py
    BENCH_SERVED=1 BENCH_REUSE=1 BENCH_SCALE_PREFIX=me_scale DEBUG=false .venv/bin/python bench/scale.py
    BENCH_SCALE=0.3 BENCH_REPEATS=40 DEBUG=false .venv/bin/python bench/scale.py
    BENCH_SCALE_PREFIX=me_scale DEBUG=false .venv/bin/python bench/scale.py   # me_scale_small, me_scale
"""

from __future__ import annotations

import json
import os
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SERVER = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
SMALL_SCALE = float(os.environ.get("BENCH_SMALL_SCALE", "0.002"))
BIG_SCALE = float(os.environ.get("BENCH_SCALE", "0.1"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "25"))
PREFIX = os.environ.get("BENCH_SCALE_PREFIX", "carecircle_scale")
BUDGET = 1.5
SERVED = os.environ.get("BENCH_SERVED", "")
SERVED_SECONDS = min(float(os.environ.get("BENCH_SERVED_SECONDS", "5")), 20.0)
REUSE = os.environ.get("BENCH_REUSE") == "1"


def database_url(name: str) -> str:
    parts = urlsplit(SERVER)
    return urlunsplit(parts._replace(path=f"/{name}"))


def admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(SERVER, autocommit=True) as connection:
        connection.execute(sql)


def environment(name: str) -> dict[str, str]:
    return {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY", secrets.token_urlsafe(48)),
        "ALLOWED_HOSTS": "testserver,127.0.0.1",
        "DATABASE_URL": database_url(name),
        "LOG_LEVEL": "ERROR",
        "DJANGO_SETTINGS_MODULE": "carecircle.settings",
    }


def names(prefix: str) -> tuple[str, str]:
    """The small and the big database's names; a prefix PostgreSQL would have to quote is refused."""
    if not prefix.replace("_", "").isalnum() or not prefix.isascii() or prefix[0].isdigit() or len(prefix) > 50:
        raise SystemExit(f"BENCH_SCALE_PREFIX must be letters, digits and _ (at most 50), not {prefix!r}")
    return f"{prefix}_small", prefix


def drop(name: str) -> None:
    """Drop the database, closing any connection still open to it (a measuring process cut short)."""
    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare(name: str, scale: float) -> float:
    """A fresh database seeded at `scale`; returns the seconds seed-scale took."""
    drop(name)
    admin(f'CREATE DATABASE "{name}"')
    env = environment(name)
    subprocess.run([str(BIN / "carecircle"), "migrate", "--no-input", "-v0"], env=env, check=True)
    started = time.monotonic()
    subprocess.run([str(BIN / "carecircle"), "seed-scale", "--scale", str(scale)], env=env, check=True)
    return time.monotonic() - started


def targets(circle_id: int, family_id: int) -> list[tuple[str, str]]:
    api = "/api/v1/circles/" + str(circle_id)
    page = f"/circles/{circle_id}/"
    return [
        ("/ping (no database)", "/ping"),
        ("circle home", page),
        ("agenda", page + "tasks/"),
        ("week", page + "tasks/week/"),
        ("month", page + "tasks/month/"),
        ("help needed", page + "tasks/needs-help/"),
        ("what I'm doing", "/tasks/mine/"),
        ("family conversation", page + "talk/"),
        ("news", page + "news/"),
        ("record: medications", page + "record/medications/"),
        ("record: daily notes", page + "record/notes/"),
        ("activity log", page + "activity/"),
        ("API occurrences", api + "/occurrences"),
        ("API messages", f"{api}/conversations/{family_id}/messages"),
        ("API record notes", api + "/record/notes"),
        ("API catch-up", api + "/events?since=0"),
    ]


def measure() -> None:
    """Run inside one database's process: answer each URL read from stdin with JSON [median ms, cpu ms, queries]."""
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.test import Client
    from run import QueryCount

    from carecircle.circles.models import Circle, Membership
    from carecircle.conversations.models import Conversation

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    circle = Circle.objects.order_by("pk").first()
    assert circle is not None
    organiser = Membership.objects.get(circle=circle, role="organiser").user
    family = Conversation.objects.get(circle=circle, kind="circle")
    client = Client()
    client.force_login(organiser)
    # The test client's session is a real row in the database: a served run signs in with its cookie.
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    sys.stdout.write(json.dumps([circle.pk, family.pk, cookie]) + "\n")
    sys.stdout.flush()
    # BENCH_CACHE=warm keeps the cache between requests (what a running server has); by default every
    # request starts from an empty cache, so it reads the database and renders everything.
    warm = os.environ.get("BENCH_CACHE") == "warm"
    for line in sys.stdin:
        url, count = line.split()
        timings, cpu, queries = [], [], 0
        for _ in range(int(count)):
            if not warm:
                cache.clear()
            with QueryCount() as captured:
                started, started_cpu = time.perf_counter(), time.process_time()
                response = client.get(url)
                elapsed, elapsed_cpu = time.perf_counter() - started, time.process_time() - started_cpu
            assert response.status_code == 200, (url, response.status_code)
            timings.append(elapsed)
            cpu.append(elapsed_cpu)
            queries = len(captured)
        sys.stdout.write(json.dumps([statistics.median(timings) * 1000, statistics.median(cpu) * 1000, queries]) + "\n")
        sys.stdout.flush()


class Measurer:
    """A process signed in to one database, asked for one URL at a time (so both databases share the noise)."""

    def __init__(self, name: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--measure"],
            env=environment(name),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        # An older checkout's measuring process (bench/conversation_pages.py) signs in no cookie.
        self.circle_id, self.family_id, *signed_in = json.loads(self.read())
        self.cookie = signed_in[0] if signed_in else ""

    def read(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit("the measuring process stopped")
        return line

    def time(self, url: str, count: int) -> tuple[float, float, int]:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{url} {count}\n")
        self.process.stdin.flush()
        answer = json.loads(self.read())
        if len(answer) == 2:  # an older checkout's measuring process (bench/conversation_pages.py): no CPU time
            answer = [answer[0], float("nan"), answer[1]]
        median, cpu, queries = answer
        return float(median), float(cpu), int(queries)

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


def compare(small: Measurer, big: Measurer) -> None:
    """Each target on both databases in turn, in ROUNDS rounds; the median of the rounds' medians."""
    rounds = 5
    per_round = max(1, REPEATS // rounds)
    say(
        f"median of {rounds} alternating rounds of {per_round} requests, in process, cache emptied before each; "
        f"budget: big ≤ {BUDGET}x small"
    )
    say(f"{'':24}{'small ms':>10}{'big ms':>10}{'ratio':>8}{'small cpu':>11}{'big cpu':>9}{'ratio':>8}{'queries':>10}")
    small_targets = targets(small.circle_id, small.family_id)
    big_targets = dict(targets(big.circle_id, big.family_id))
    for label, small_url in small_targets:
        big_url = big_targets[label]
        small.time(small_url, 2)
        big.time(big_url, 2)
        small_runs, big_runs = [], []
        for _ in range(rounds):
            small_runs.append(small.time(small_url, per_round))
            big_runs.append(big.time(big_url, per_round))
        small_ms = statistics.median(run[0] for run in small_runs)
        big_ms = statistics.median(run[0] for run in big_runs)
        small_cpu = statistics.median(run[1] for run in small_runs)
        big_cpu = statistics.median(run[1] for run in big_runs)
        ratio = big_ms / small_ms if small_ms else float("nan")
        cpu_ratio = big_cpu / small_cpu if small_cpu else float("nan")
        flag = "" if ratio <= BUDGET else "  OVER"
        queries = f"{small_runs[-1][2]}/{big_runs[-1][2]}"
        say(
            f"{label:24}{small_ms:10.1f}{big_ms:10.1f}{ratio:7.2f}x"
            f"{small_cpu:11.1f}{big_cpu:9.1f}{cpu_ratio:7.2f}x{queries:>10}{flag}"
        )


def served_targets(circle_id: int) -> list[tuple[str, str]]:
    page = f"/circles/{circle_id}/"
    return [
        ("signed-in one-query page", "/accessibility/"),
        ("circle home", page),
        ("agenda", page + "tasks/"),
        ("family conversation", page + "talk/"),
        ("record: medications", page + "record/medications/"),
    ]


def serve(name: str, port: int) -> subprocess.Popen[bytes]:
    command = [str(BIN / "carecircle"), "serve", "--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
    return subprocess.Popen(command, cwd=ROOT, env=environment(name))


def served_compare(small: Measurer, big: Measurer, names: tuple[str, str]) -> None:
    """Each page served from both databases at once, wrk on each in turn, at 16 and 64 connections."""
    from run import free_port, server_cpu_seconds, wait_ready, wrk_load

    # Static files collected once, before either server starts: two servers collecting at once race.
    subprocess.run(
        [str(BIN / "carecircle"), "collectstatic", "--no-input", "-v0"], env=environment(names[0]), check=True
    )
    ports = free_port(), free_port()
    servers: list[subprocess.Popen[bytes]] = []
    try:
        for name, port in zip(names, ports, strict=True):
            servers.append(serve(name, port))
            wait_ready(port, servers[-1])
        say(
            f"served: one `carecircle serve` process per database, wrk {SERVED_SECONDS:.0f} s per row, "
            f"small then big; cpu = the server's CPU ms per request; budget: big within {BUDGET}x small"
        )
        say(
            f"{'':26}{'conns':>6}{'small r/s':>11}{'big r/s':>9}{'ratio':>7}{'small p99':>11}{'big p99':>9}"
            f"{'small cpu':>11}{'big cpu':>9}{'ratio':>7}{'errors':>8}  load"
        )
        big_urls = dict(served_targets(big.circle_id))
        for label, small_url in served_targets(small.circle_id):
            urls = small_url, big_urls[label]
            for port, url, cookie in zip(ports, urls, (small.cookie, big.cookie), strict=True):
                wrk_load(port, url, cookie, connections=4, seconds=1)  # warm-up: caches and connections
            for connections in (16, 64):
                figures = []
                for port, server, url, cookie in zip(ports, servers, urls, (small.cookie, big.cookie), strict=True):
                    cpu = server_cpu_seconds(server)
                    figure = wrk_load(port, url, cookie, connections=connections, seconds=SERVED_SECONDS)
                    requests = figure["requests"] or float("nan")
                    figure["cpu_ms"] = (server_cpu_seconds(server) - cpu) / requests * 1000
                    figures.append(figure)
                low, high = figures
                ratio = low["rps"] / high["rps"] if high["rps"] else float("nan")
                cpu_ratio = high["cpu_ms"] / low["cpu_ms"] if low["cpu_ms"] else float("nan")
                flag = "" if ratio <= BUDGET else "  OVER"
                say(
                    f"{label:26}{connections:6}{low['rps']:11.0f}{high['rps']:9.0f}{ratio:6.2f}x"
                    f"{low['p99_ms']:9.0f}ms{high['p99_ms']:7.0f}ms{low['cpu_ms']:11.1f}{high['cpu_ms']:9.1f}"
                    f"{cpu_ratio:6.2f}x{low['errors'] + high['errors']:8.0f}  {os.getloadavg()[0]:.1f}{flag}"
                )
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)


def say(text: str = "") -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def main() -> None:
    small, big = names(PREFIX)
    say(f"databases: {small} (small), {big} (big)")
    say(f"load average at start: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    try:
        if not REUSE:
            seconds = prepare(small, SMALL_SCALE)
            say(f"small database: seed-scale --scale {SMALL_SCALE} took {seconds:.0f} s")
            seconds = prepare(big, BIG_SCALE)
            say(f"big database: seed-scale --scale {BIG_SCALE} took {seconds:.0f} s")
            say(f"load average after seeding: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
        small_measurer, big_measurer = Measurer(small), Measurer(big)
        try:
            if SERVED != "only":
                compare(small_measurer, big_measurer)
                say(f"load average after measuring: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
            if SERVED:
                served_compare(small_measurer, big_measurer, (small, big))
                say(f"load average after serving: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
        finally:
            small_measurer.close()
            big_measurer.close()
    finally:
        if os.environ.get("BENCH_KEEP") != "1" and not REUSE:
            drop(small)
            drop(big)
            say(f"dropped {small} and {big}")


if __name__ == "__main__":
    if "--measure" in sys.argv:
        measure()
    else:
        main()
