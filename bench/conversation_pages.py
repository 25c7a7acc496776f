"""Benchmark: the family conversation and the news page against the circle home page, in process.

Creates a PostgreSQL database next to BENCH_DATABASE_URL's (BENCH_DATABASE_NAME, default
carecircle_conversation_pages), migrates it and fills it with `carecircle seed-scale` (BENCH_SCALE,
default 0.002: 20 circles of 500 family messages and 300 news items each). Then it signs in
circle 1's organiser and times each page with Django's test client, the cache emptied before every
request, as bench/scale.py does (its `--measure` mode answers the requests), and once more with the
cache kept between requests ("warm": what a running server has, e.g. each message's cached shared
part). `/ping` and the circle home page are the same-run baselines.

With BENCH_BEFORE=/path/to/another/checkout (e.g. a worktree of the commit before a change), that
checkout's code is measured on the same database in alternating rounds, so both share the noise of
a busy machine. Prints medians and queries per request. Drops the database unless BENCH_KEEP=1;
BENCH_REUSE=1 measures a database kept by an earlier run instead of seeding a new one.
Not a test: figures go into docs/performance.md by hand.

    DEBUG=false .venv/bin/python bench/conversation_pages.py
    BENCH_BEFORE=/work/main DEBUG=false .venv/bin/python bench/conversation_pages.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from scale import BIN, Measurer, admin, environment, say  # noqa: E402

NAME = os.environ.get("BENCH_DATABASE_NAME", "carecircle_conversation_pages")
SCALE = float(os.environ.get("BENCH_SCALE", "0.002"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
PER_ROUND = int(os.environ.get("BENCH_PER_ROUND", "5"))
BEFORE = os.environ.get("BENCH_BEFORE", "")


# Circle 1's first helper writes 60 messages to the organiser directly and 60 replies to the newest
# update (seed-scale makes neither), once per database; prints the two ids the addresses need.
OTHER_CONVERSATIONS = """
from carecircle.circles.access import access_circle
from carecircle.circles.models import Circle, Membership
from carecircle.conversations import selectors, services
from carecircle.conversations.models import Message, MessageKind

circle = Circle.objects.order_by("pk").first()
organiser = Membership.objects.get(circle=circle, role="organiser").user
helper = Membership.objects.filter(circle=circle, role="helper").order_by("pk").first().user
direct = services.direct_conversation(circle=circle, user_id=organiser.pk, other_user_id=helper.pk)
update = Message.objects.filter(circle=circle, kind=MessageKind.UPDATE).order_by("-id").first()
replies = services.thread_conversation(circle=circle, subject_kind="update", subject_id=update.pk)
for conversation in (direct, replies):
    if not Message.objects.filter(conversation=conversation).exists():
        where = selectors.conversation_access_for(access_circle(user=helper, circle_id=circle.pk), conversation)
        for number in range(60):
            services.message_post(actor=helper, where=where, body=f"Message {number}, with **news**")
print(direct.pk, update.pk)
"""


def other_conversations(name: str) -> tuple[int, int]:
    """(the direct conversation's id, the update's id) of circle 1, made the first time."""
    done = subprocess.run(
        [str(BIN / "carecircle"), "shell", "-c", OTHER_CONVERSATIONS],
        env=environment(name),
        check=True,
        capture_output=True,
        text=True,
    )
    direct_id, update_id = (int(value) for value in done.stdout.split()[-2:])
    return direct_id, update_id


def targets(circle_id: int, family_id: int, direct_id: int, update_id: int) -> list[tuple[str, str]]:
    page = f"/circles/{circle_id}/"
    return [
        ("/ping (no database)", "/ping"),
        ("circle home", page),
        ("family conversation", page + "talk/"),
        ("family, older page", page + "talk/?before=100"),
        ("news", page + "news/"),
        ("direct messages", page + f"conversations/{direct_id}/"),
        ("update replies", page + f"threads/update/{update_id}/"),
    ]


class CheckoutMeasurer(Measurer):
    """bench/scale.py's measuring process, run from another checkout (its own code and templates)."""

    def __init__(self, name: str, checkout: Path, *, cache: str = "") -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(checkout / "bench" / "scale.py"), "--measure"],
            env={**environment(name), "BENCH_CACHE": cache},
            cwd=checkout,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.circle_id, self.family_id = (int(value) for value in self.read().strip("[]\n").split(","))


def main() -> None:
    say(f"load average at start: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    if os.environ.get("BENCH_REUSE") != "1":
        admin(f'DROP DATABASE IF EXISTS "{NAME}"')
        admin(f'CREATE DATABASE "{NAME}"')
    try:
        if os.environ.get("BENCH_REUSE") != "1":
            env = environment(NAME)
            subprocess.run([str(BIN / "carecircle"), "migrate", "--no-input", "-v0"], env=env, check=True)
            started = time.monotonic()
            subprocess.run([str(BIN / "carecircle"), "seed-scale", "--scale", str(SCALE)], env=env, check=True)
            say(f"seed-scale --scale {SCALE} took {time.monotonic() - started:.0f} s")
        direct_id, update_id = other_conversations(NAME)
        measurers = {
            "now": CheckoutMeasurer(NAME, ROOT),
            # The same code with the cache kept between requests, as a running server keeps it.
            "warm": CheckoutMeasurer(NAME, ROOT, cache="warm"),
        }
        if BEFORE:
            before = Path(BEFORE).resolve()
            measurers = {
                "before": CheckoutMeasurer(NAME, before),
                "before warm": CheckoutMeasurer(NAME, before, cache="warm"),
                **measurers,
            }
        say(
            f"median of {ROUNDS} alternating rounds of {PER_ROUND} requests, in process, "
            "cache emptied before each (except warm ones)"
        )
        say(f"{'':24}" + "".join(f"{label + ' ms':>12}{'queries':>9}" for label in measurers))
        try:
            first = next(iter(measurers.values()))
            for label, url in targets(first.circle_id, first.family_id, direct_id, update_id):
                runs: dict[str, list[tuple[float, float, int]]] = {name: [] for name in measurers}
                for measurer in measurers.values():
                    measurer.time(url, 2)  # Warm up: templates compiled, the read marker set.
                for _ in range(ROUNDS):
                    for name, measurer in measurers.items():
                        runs[name].append(measurer.time(url, PER_ROUND))
                cells = "".join(
                    f"{statistics.median(ms for ms, _, _ in runs[name]):12.1f}{runs[name][-1][2]:9d}"
                    for name in measurers
                )
                say(f"{label:24}{cells}")
        finally:
            for measurer in measurers.values():
                measurer.close()
        say(f"load average after measuring: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    finally:
        if os.environ.get("BENCH_KEEP") != "1":
            admin(f'DROP DATABASE IF EXISTS "{NAME}"')


if __name__ == "__main__":
    main()
