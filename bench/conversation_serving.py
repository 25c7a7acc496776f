"""Benchmark: the family conversation and the circle home on `carecircle serve`, against a signed-in one-query page.

Builds bench/run.py's 60-member circle with 80 family messages (replies, reactions and an edit
among them) on a throwaway SQLite file, or on PostgreSQL when BENCH_DATABASE_URL names a database
(dropped and created), starts `carecircle serve --workers BENCH_WORKERS` (default 2, sharing the
Redis at REDIS_URL, default db 12, which it empties first and last) on 127.0.0.1, and loads each
page with wrk as the circle's organiser at each of BENCH_CONNECTIONS (default "16 64") for
BENCH_SECONDS (default 10, at most 30). The same-run baseline is the accessibility statement
signed in: one query (the session's user) and a small template. Not a test: figures go into
docs/performance.md by hand.

    .venv/bin/python bench/conversation_serving.py
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/convop_serving .venv/bin/python bench/conversation_serving.py
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

CONNECTIONS = [int(value) for value in os.environ.get("BENCH_CONNECTIONS", "16 64").split()]
SECONDS = min(float(os.environ.get("BENCH_SECONDS", "10")), 30.0)
WORKERS = os.environ.get("BENCH_WORKERS", "2")
REDIS = os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/12")
MESSAGES = 80


def add_messages(circle_id: int) -> None:
    """Family messages as people write them, by several members."""
    from carecircle.circles.access import access_circle
    from carecircle.circles.models import Membership
    from carecircle.conversations import selectors, services

    members = [membership.user for membership in Membership.objects.filter(circle_id=circle_id).order_by("id")[:6]]
    previous = None
    for number in range(MESSAGES):
        author = members[number % len(members)]
        access = access_circle(user=author, circle_id=circle_id)
        where = selectors.conversation_access_for(access, services.family_conversation(circle=access.circle))
        message = services.message_post(
            actor=author,
            where=where,
            body=f"Message {number}: **soup** at six, see https://example.org/{number}",
            reply_to=previous if number % 4 == 1 else None,
        ).message
        services.reaction_set(actor=author, where=where, message=message, kind="heart", on=True)
        if number % 9 == 4:
            services.message_edit(actor=author, where=where, message=message, body=f"Message {number}, changed")
        previous = message


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS).flushdb()


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if url:
        recreate_database(url)
    flush_redis()
    say(f"load average at start: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="carecircle-bench-conversation-") as directory:
        env = ready_environment(Path(directory))
        circle_id, cookie = build_circle()
        add_messages(circle_id)
        from django.db import connections

        connections.close_all()
        port = free_port()
        targets = {
            "signed-in one-query page": "/accessibility/",
            "circle home": f"/circles/{circle_id}/",
            "family conversation": f"/circles/{circle_id}/talk/",
        }
        command = [str(BIN / "carecircle"), "serve", "--port", str(port), "--workers", WORKERS, "--no-access-log"]
        server = subprocess.Popen(command, cwd=ROOT, env=env)
        results: list[tuple[int, str, dict[str, float]]] = []
        try:
            wait_ready(port, server)
            for path in targets.values():
                wrk_load(port, path, cookie, connections=16, seconds=2)  # Warm up: templates, caches.
            for connections_count in CONNECTIONS:
                for name, path in targets.items():
                    figures = wrk_load(port, path, cookie, connections=connections_count, seconds=SECONDS)
                    results.append((connections_count, name, figures))
        finally:
            server.terminate()
            server.wait(timeout=30)
            flush_redis()
    database = "PostgreSQL" if url else "SQLite"
    say(f"\ncarecircle serve --workers {WORKERS}, {SECONDS:.0f} s per target, {database}")
    say(f"load average after the run: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    header = ("requests", "errors", "req/s", "p50 ms", "p99 ms", "of base")
    say(f"{'conns':>5} {'target':26} " + " ".join(f"{label:>9}" for label in header))
    base: dict[int, float] = {}
    for connections_count, name, figures in results:
        base.setdefault(connections_count, figures["rps"])
        share = figures["rps"] / base[connections_count]
        say(
            f"{connections_count:>5} {name:26} {figures['requests']:>9.0f} {figures['errors']:>9.0f} "
            f"{figures['rps']:>9.0f} {figures['p50_ms']:>9.1f} {figures['p99_ms']:>9.1f} {share:>9.0%}"
        )


if __name__ == "__main__":
    main()
