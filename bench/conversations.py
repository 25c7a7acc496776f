"""Benchmark: live messages from a sender to every open WebSocket, over two server processes sharing Redis.

Starts two `carecircle serve` processes (DEBUG off) on a throwaway SQLite database (or
BENCH_DATABASE_URL) and the Redis at REDIS_URL (required; a private prefix is used), makes a circle
with BENCH_CLIENTS members, and opens one WebSocket per member, spread over both processes. Then it
posts BENCH_RATE messages a second for BENCH_SECONDS through the JSON API (alternating processes,
each with its own client_id) and records when every client hears of each message.

BENCH_CIRCLES chooses the shape:

- `one` (the default): one circle with BENCH_CLIENTS members, every message posted to it.
- `many`: many circles whose sizes are drawn from 5 to 60 members (random.Random(BENCH_SEED),
  default seed 12: each size uniform in 5..60, the last circle taking what is left, which the
  draws keep within 5..60), summing to BENCH_CLIENTS sockets. Messages go to the circles in a
  seeded shuffled round (every circle before any gets a second), at BENCH_RATE in all; each
  circle's organiser posts to its own family conversation.

Prints, for the conversation and for the same-run baseline (a bare WebSocket server in one process
that broadcasts each message it receives to every connection, no Django, no Redis):
sender → every-recipient latency p50/p99 (from just before the POST to each receipt), lost and
duplicated deliveries, sockets that closed, order kept, and the memory each idle connection costs
its server process (RSS growth / connections). Then where the time goes, per message, from just
before the POST (p50 / p99 over messages): the POST's answer, a bare channel-layer listener in the
bench (its own thread and event loop, joined to every circle's group: the publish plus the Redis
hop), and the first and last socket of each server process to hear; and each process's CPU time
per message while the messages went (/proc/<pid>/stat). BENCH_WORKER=0 leaves out the task worker
(by default it runs beside the servers, as in production). The servers run through bench/stages.py
(BENCH_STAGES=0: plain `carecircle serve`), which timestamps each POST inside the server: queued
for a thread, the view, the service, the commit, the publish, the answer, the work after it, each
step's wall and thread CPU time.
Not a test: figures go into docs/performance.md by hand.

    REDIS_URL=redis://127.0.0.1:6379/4 .venv/bin/python bench/conversations.py
    BENCH_CLIENTS=1000 BENCH_RATE=200 BENCH_SECONDS=5 REDIS_URL=... .venv/bin/python bench/conversations.py
    BENCH_CIRCLES=many BENCH_CLIENTS=1000 BENCH_RATE=20 BENCH_SECONDS=10 REDIS_URL=... \\
        .venv/bin/python bench/conversations.py
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run import free_port, prepare_environment, say  # noqa: E402

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "200"))
RATE = float(os.environ.get("BENCH_RATE", "20"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
# After the last message, how long a client may still receive before what's missing counts as lost.
GRACE_SECONDS = float(os.environ.get("BENCH_GRACE", "10"))
START_SECONDS = float(os.environ.get("BENCH_START_SECONDS", "180"))
# Before the messages, each process's CPU is taken over this many idle seconds (every socket open,
# nothing posted): what its event loop spends with no message at all (keepalive pings, the
# connections' periodic group refresh), to set against its CPU per message.
IDLE_SECONDS = float(os.environ.get("BENCH_IDLE_SECONDS", "5"))
SHAPE = os.environ.get("BENCH_CIRCLES", "one")
SEED = int(os.environ.get("BENCH_SEED", "12"))
WITH_WORKER = os.environ.get("BENCH_WORKER", "1") != "0"
# Each server writes a line of timestamps per POST (bench/stages.py) unless BENCH_STAGES=0.
WITH_STAGES = os.environ.get("BENCH_STAGES", "1") != "0"
# The stages in the order a POST passes them (bench/stages.py).
STAGE_NAMES = ("arrived", "thread", "service", "made", "publish", "published", "answered", "closed")
SMALLEST, LARGEST = 5, 60
# Where the servers write their stage lines in this run (set in main()).
STAGES_FOLDER: Path | None = None


def circle_sizes(total: int, seed: int) -> list[int]:
    """Sizes drawn uniformly from SMALLEST..LARGEST summing to `total`; the last takes what is left (also in range)."""
    if total < SMALLEST:
        raise SystemExit(f"BENCH_CIRCLES=many needs at least {SMALLEST} clients")
    draw = random.Random(seed)
    sizes = []
    left = total
    while left > LARGEST:
        # Never leave less than the smallest circle for the last one.
        size = draw.randint(SMALLEST, min(LARGEST, left - SMALLEST))
        sizes.append(size)
        left -= size
    sizes.append(left)
    return sizes


@dataclass
class BenchCircle:
    """One circle of the run: its members' session keys (the organiser first) and the organiser's API token."""

    id: int
    conversation: int
    keys: list[str]
    token: str
    # Indexes into the run's sockets (and listeners) of this circle's members.
    sockets: list[int] = field(default_factory=list)


@dataclass
class Listener:
    """One client: when it heard each message, and the circle sequence numbers in arrival order."""

    heard: dict[int, float] = field(default_factory=dict)
    duplicates: int = 0
    sequence: list[int] = field(default_factory=list)
    closed: str = ""


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def build_circles(sizes: list[int]) -> list[BenchCircle]:
    """Circles with these numbers of members (each member a different person), each with its organiser's API token."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecircle.settings")
    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from carecircle.accounts.models import User
    from carecircle.accounts.services import api_token_create
    from carecircle.circles.models import Membership, Role
    from carecircle.circles.services import circle_create
    from carecircle.conversations.services import family_conversation

    def session_key(user: User) -> str:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        assert session.session_key is not None
        return session.session_key

    circles = []
    for number, size in enumerate(sizes):
        organiser = User.objects.create_user(
            email=f"organiser{number}@bench.invalid", password=None, display_name=f"Olivia {number}"
        )
        circle = circle_create(actor=organiser, person_name="Dad", relationship="daughter")
        prefix = f"member{number}-"
        others = User.objects.bulk_create(
            User(email=f"{prefix}{member}@bench.invalid", display_name=f"Member {member}") for member in range(size - 1)
        )
        # Straight into the table: membership events and audit rows don't matter to this measurement.
        Membership.objects.bulk_create(Membership(circle=circle, user=user, role=Role.HELPER) for user in others)
        users = [organiser, *User.objects.filter(email__startswith=prefix, email__endswith="@bench.invalid")]
        _, token = api_token_create(actor=organiser, name="bench")
        circles.append(
            BenchCircle(
                id=circle.pk,
                conversation=family_conversation(circle=circle).pk,
                keys=[session_key(user) for user in users],
                token=token,
            )
        )
    return circles


def start_servers(env: dict[str, str], count: int) -> list[tuple[int, subprocess.Popen[bytes]]]:
    servers = []
    # One after the other: the first collects the static files the second then finds.
    for _ in range(count):
        port = free_port()
        arguments = ["serve", "--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
        command = [str(BIN / "carecircle"), *arguments]
        if WITH_STAGES:
            command = [sys.executable, str(ROOT / "bench" / "stages.py"), *arguments]
        # The servers' own logs (a line per connection) would bury the figures: they go to a file
        # (BENCH_SERVER_LOG, a folder) when asked, to find out why a connection closed.
        logs = os.environ.get("BENCH_SERVER_LOG")
        output: Any = subprocess.DEVNULL
        if logs:
            output = open(Path(logs) / f"server-{port}.log", "wb")  # noqa: SIM115  # closed with the process
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
        servers.append((port, process))
        wait_ready(f"http://127.0.0.1:{port}/healthz", process)
    return servers


def wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    # A loaded shared machine can take more than a minute to start a server.
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"a server exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {START_SECONDS:g} s")


async def listen(socket: ClientConnection, listener: Listener, stop: asyncio.Event, kind: str) -> None:
    while not stop.is_set():
        try:
            raw = await asyncio.wait_for(socket.recv(), 0.5)
        except TimeoutError:
            continue
        except Exception as error:
            listener.closed = repr(error)[:120]
            return
        now = time.perf_counter()
        event = json.loads(raw)
        if event.get("type") != kind:
            continue
        key = int(event["message"])
        if key in listener.heard:
            listener.duplicates += 1
        else:
            listener.heard[key] = now
        if "seq" in event:
            listener.sequence.append(int(event["seq"]))


def summarise(
    name: str, sent: dict[int, float], listeners: list[Listener], expected: list[set[int]] | None = None
) -> dict[str, Any]:
    """Latency of each delivery from its message's start; `expected[i]`: what listener i should hear (default all)."""
    latencies = []
    lost = 0
    short = []
    for number, listener in enumerate(listeners):
        keys = set(sent) if expected is None else expected[number]
        missing = 0
        for key in keys:
            heard = listener.heard.get(key)
            if heard is None:
                missing += 1
            else:
                latencies.append((heard - sent[key]) * 1000)
        lost += missing
        if missing:
            short.append(missing)
    latencies.sort()
    duplicates = sum(listener.duplicates for listener in listeners)
    ordered = all(listener.sequence == sorted(listener.sequence) for listener in listeners)
    closed = [listener.closed for listener in listeners if listener.closed]
    result = {
        "name": name,
        "messages": len(sent),
        "deliveries": len(latencies),
        "p50": percentile(latencies, 0.50),
        "p99": percentile(latencies, 0.99),
        "mean": statistics.fmean(latencies) if latencies else float("nan"),
        "lost": lost,
        "duplicated": duplicates,
        "ordered": ordered,
        "closed": len(closed),
    }
    say(
        f"{name}: {result['messages']} messages, {len(latencies)} deliveries to {len(listeners)} clients, "
        f"p50 {result['p50']:.1f} ms, p99 {result['p99']:.1f} ms, lost {lost}, duplicated {duplicates}, "
        f"sockets closed {len(closed)}, per-circle order kept: {'yes' if ordered else 'NO'}"
        + (f"; {len(short)} clients missed some (at most {max(short)} each)" if short else "")
    )
    if closed:
        say(f"{len(closed)} connections closed during the run, like: {closed[0]}")
    return result


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


async def open_sockets(ports: list[int], circles: list[BenchCircle]) -> list[tuple[int, ClientConnection]]:
    """One signed-in WebSocket per member, spread over the server processes in turn; (process index, socket)."""
    from django.conf import settings

    sockets: list[tuple[int, ClientConnection]] = []
    for circle in circles:
        for key in circle.keys:
            process = len(sockets) % len(ports)
            port = ports[process]
            socket = await connect(
                f"ws://127.0.0.1:{port}/ws/",
                origin=Origin(f"http://127.0.0.1:{port}"),
                additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={key}"},
                proxy=None,
                max_queue=None,
            )
            hello = json.loads(await socket.recv())
            assert hello["type"] == "hello", hello
            circle.sockets.append(len(sockets))
            sockets.append((process, socket))
    return sockets


def post_message(port: int, circle: BenchCircle, number: int) -> int:
    url = f"http://127.0.0.1:{port}/api/v1/circles/{circle.id}/conversations/{circle.conversation}/messages"
    body = json.dumps({"body": f"Message {number}", "client_id": str(uuid.uuid4())}).encode()
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Authorization": f"Bearer {circle.token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return int(json.loads(response.read())["id"])


def caught_up_ids(port: int, circle_id: int, session_key: str) -> set[int]:
    """What a page's live.js would learn on its next catch-up: the message ids in /events?since=0."""
    from django.conf import settings

    found: set[int] = set()
    since = 0
    while True:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/circles/{circle_id}/events?since={since}",
            headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.loads(response.read())
        found |= {int(event["message"]) for event in answer["events"] if event["type"] == "message.posted"}
        if not answer["has_more"] or not answer["events"]:
            return found
        since = answer["events"][-1]["seq"]


async def lost_after_catch_up(
    ports: list[int], circles: list[BenchCircle], expected: list[set[int]], listeners: list[Listener]
) -> int:
    """Deliveries a page would still miss after catching up over HTTP, as live.js does after a gap."""
    lost = 0
    for circle in circles:
        for key, number in zip(circle.keys, circle.sockets, strict=True):
            missing = expected[number] - set(listeners[number].heard)
            if missing:
                port = ports[number % len(ports)]
                recovered = await asyncio.to_thread(caught_up_ids, port, circle.id, key)
                lost += len(missing - recovered)
    return lost


class Probe(threading.Thread):
    """A bare channel-layer listener in every circle's group, on its own thread and event loop.

    When it hears an event is when the publish reached Redis and came back to a receiver that does
    nothing else: the share of the latency before any server process's own fan-out.
    """

    def __init__(self, groups: list[str]) -> None:
        super().__init__(daemon=True)
        self.groups = groups
        self.heard: dict[int, float] = {}
        self.ready = threading.Event()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.task: asyncio.Task[None] | None = None

    def run(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.task = self.loop.create_task(self._listen())
        try:
            self.loop.run_until_complete(self.task)
        except asyncio.CancelledError:
            pass
        finally:
            self.loop.close()

    async def _listen(self) -> None:
        from channels.layers import get_channel_layer

        layer = get_channel_layer()
        assert layer is not None
        channel = await layer.new_channel()
        for group in self.groups:
            await layer.group_add(group, channel)
        self.ready.set()
        while True:
            message = await layer.receive(channel)
            now = time.perf_counter()
            event = message.get("event") or {}
            if event.get("type") == "message.posted":
                self.heard.setdefault(int(event["message"]), now)

    def stop(self) -> None:
        if self.loop is not None and self.task is not None:
            self.loop.call_soon_threadsafe(self.task.cancel)
        self.join(timeout=10)


def cpu_seconds(pid: int) -> tuple[float, float]:
    """User + system CPU time so far of a process's main thread (its event loop) and of its other threads.

    In a server the event loop runs the WebSockets (every consumer's fan-out) and parses HTTP; the
    other threads run Django's views (the POST) and the consumers' database reads.
    """
    main = others = 0.0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # a thread that ended meanwhile
            continue
        spent = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        if task.name == str(pid):
            main += spent
        else:
            others += spent
    return main, others


async def measure_conversation(
    ports: list[int],
    circles: list[BenchCircle],
    sockets: list[tuple[int, ClientConnection]],
    pids: dict[str, int],
) -> dict[str, Any]:
    from carecircle.realtime.events import circle_group

    listeners = [Listener() for _ in sockets]
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(listen(socket, heard, stop, "message.posted"))
        for (_, socket), heard in zip(sockets, listeners, strict=True)
    ]
    probe = Probe([circle_group(circle.id) for circle in circles])
    probe.start()
    await asyncio.to_thread(probe.ready.wait, 30)
    idle_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    idle_started = time.perf_counter()
    await asyncio.sleep(IDLE_SECONDS)
    idle_after = {name: cpu_seconds(pid) for name, pid in pids.items()}
    idle_seconds = time.perf_counter() - idle_started
    count = int(RATE * SECONDS)
    # Each circle gets a message before any gets a second, in a seeded shuffled order.
    draw = random.Random(SEED + 1)
    order: list[BenchCircle] = []
    while len(order) < count:
        turn = list(circles)
        draw.shuffle(turn)
        order += turn
    sent: dict[int, float] = {}
    answered: dict[int, float] = {}
    circle_of: dict[int, BenchCircle] = {}
    posting: list[float] = []
    cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    started = time.perf_counter()

    async def send(number: int) -> None:
        await asyncio.sleep(max(0.0, started + number / RATE - time.perf_counter()))
        circle = order[number]
        begin = time.perf_counter()
        key = await asyncio.to_thread(post_message, ports[number % len(ports)], circle, number)
        end = time.perf_counter()
        posting.append((end - begin) * 1000)
        sent[key] = begin
        answered[key] = end
        circle_of[key] = circle

    await asyncio.gather(*(send(number) for number in range(count)))
    expected: list[set[int]] = [set() for _ in sockets]
    for key, circle in circle_of.items():
        for number in circle.sockets:
            expected[number].add(key)
    await wait_for_all(sent, listeners, expected)
    cpu_after = {name: cpu_seconds(pid) for name, pid in pids.items()}
    went_seconds = time.perf_counter() - started
    stop.set()
    await asyncio.gather(*tasks)
    probe.stop()
    say(f"The POST itself (request to 201): p50 {percentile(posting, 0.5):.1f} ms, max {max(posting):.1f} ms")
    result = summarise("Conversation (2 processes, Redis)", sent, listeners, expected)
    result["post_p50"] = percentile(posting, 0.5)
    result["post_max"] = max(posting)
    breakdown(sent, answered, probe.heard, circle_of, sockets, listeners)
    if STAGES_FOLDER is not None:
        stages_breakdown(sent, read_stages(STAGES_FOLDER))
    for name in pids:
        loop = (cpu_after[name][0] - cpu_before[name][0]) * 1000
        threads = (cpu_after[name][1] - cpu_before[name][1]) * 1000
        each = max(1, len(sent))
        say(
            f"CPU of {name} while the messages went, per message: {(loop + threads) / each:.1f} ms "
            f"(event loop {loop / each:.1f} ms, other threads {threads / each:.1f} ms)"
        )
        # The idle rate over the same span, shared out per message: what the loop spends anyway.
        idle_loop = (idle_after[name][0] - idle_before[name][0]) * 1000 / idle_seconds * went_seconds
        say(
            f"  of which idle before the messages ({IDLE_SECONDS:.0f} s, all sockets open): event loop "
            f"{idle_loop / went_seconds / 1000 * 100:.1f} % of a core, {idle_loop / each:.1f} ms per message "
            f"over the {went_seconds:.1f} s the messages took; the messages' own: {(loop - idle_loop) / each:.1f} ms"
        )
    result["lost_after_catch_up"] = await lost_after_catch_up(ports, circles, expected, listeners)
    say(f"Still lost after each page's catch-up over HTTP (/events?since=N): {result['lost_after_catch_up']}")
    return result


def breakdown(
    sent: dict[int, float],
    answered: dict[int, float],
    probed: dict[int, float],
    circle_of: dict[int, BenchCircle],
    sockets: list[tuple[int, ClientConnection]],
    listeners: list[Listener],
) -> None:
    """Per message, ms from just before its POST to each step; p50 / p99 over the messages."""
    steps: dict[str, list[float]] = {"POST answered": [], "bare listener heard (publish + Redis)": []}
    processes = sorted({process for process, _ in sockets})
    for key, begin in sent.items():
        steps["POST answered"].append((answered[key] - begin) * 1000)
        if key in probed:
            steps["bare listener heard (publish + Redis)"].append((probed[key] - begin) * 1000)
        for process in processes:
            times = [
                listeners[number].heard[key]
                for number in circle_of[key].sockets
                if sockets[number][0] == process and key in listeners[number].heard
            ]
            if times:
                steps.setdefault(f"process {process + 1}: first socket", []).append((min(times) - begin) * 1000)
                steps.setdefault(f"process {process + 1}: last socket", []).append((max(times) - begin) * 1000)
    # In the order sent: a p99 over a few dozen messages is its slowest one or two, so say which they were.
    every = [
        round(
            max(
                (listeners[number].heard[key] - begin) * 1000
                for number in circle_of[key].sockets
                if key in listeners[number].heard
            )
        )
        for key, begin in sorted(sent.items(), key=lambda item: item[1])
        if any(key in listeners[number].heard for number in circle_of[key].sockets)
    ]
    say("Each message's last recipient, ms from just before its POST, in the order sent: " + " ".join(map(str, every)))
    say("Where the time goes, ms from just before the POST, p50 / p99 over messages:")
    for name, values in steps.items():
        say(f"  {name}: {percentile(values, 0.5):.1f} / {percentile(values, 0.99):.1f} ({len(values)} messages)")


def read_stages(folder: Path) -> dict[int, dict[str, list[float]]]:
    """Each server's stage lines (bench/stages.py), by message id."""
    found: dict[int, dict[str, list[float]]] = {}
    for path in folder.glob("stages-*.jsonl"):
        for line in path.read_text().splitlines():
            record = json.loads(line)
            found[int(record.pop("message"))] = record
    return found


def stages_breakdown(sent: dict[int, float], stages: dict[int, dict[str, list[float]]]) -> dict[str, float]:
    """Inside the servers: each stage's time from just before the POST, and each step's wall and CPU time.

    A step's wall time less its CPU time is the time its thread waited: for a core, for the GIL,
    for the database or Redis. Returns the p99 of the publish from just before the POST.
    """
    at: dict[str, list[float]] = {name: [] for name in STAGE_NAMES}
    steps: dict[str, tuple[list[float], list[float]]] = {}
    for key, begin in sent.items():
        record = stages.get(key)
        if record is None or any(name not in record for name in STAGE_NAMES):
            continue
        for name in STAGE_NAMES:
            at[name].append((record[name][0] - begin) * 1000)
        for earlier, later in itertools.pairwise(STAGE_NAMES[1:]):
            wall, cpu = steps.setdefault(f"{earlier} → {later}", ([], []))
            wall.append((record[later][0] - record[earlier][0]) * 1000)
            cpu.append((record[later][1] - record[earlier][1]) * 1000)
    count = len(at["arrived"])
    if not count:
        say("No stage lines from the servers (BENCH_STAGES=0, or the tree lacks what bench/stages.py wraps).")
        return {}
    say(f"Inside the servers (bench/stages.py), ms from just before the POST, p50 / p99 over {count} messages:")
    for name in ("thread", "service", "made", "published"):
        each = [
            f"{(stages[key][name][0] - begin) * 1000:.0f}"
            for key, begin in sorted(sent.items(), key=lambda item: item[1])
            if key in stages and name in stages[key]
        ]
        say(f"  each message's {name}, in the order sent: {' '.join(each)}")
    for name, values in at.items():
        say(f"  {name}: {percentile(values, 0.5):.1f} / {percentile(values, 0.99):.1f}")
    say("Each step on the request's thread: wall p50 / p99, thread CPU p50 / p99 (wall less CPU = waiting):")
    queued = [(stages[key]["thread"][0] - stages[key]["arrived"][0]) * 1000 for key in sent if key in stages]
    say(f"  queued for a thread (arrived → thread): {percentile(queued, 0.5):.2f} / {percentile(queued, 0.99):.2f}")
    for name, (wall, cpu) in steps.items():
        say(
            f"  {name}: {percentile(wall, 0.5):.2f} / {percentile(wall, 0.99):.2f}, "
            f"CPU {percentile(cpu, 0.5):.2f} / {percentile(cpu, 0.99):.2f}"
        )
    counted = [key for key in sent if key in stages and len(stages[key]["publish"]) > 2]
    if counted:
        say("Statements sent to the database by the request's thread (round trips less each COMMIT), p50 / max:")
        for earlier, later in (("thread", "service"), ("service", "made"), ("thread", "publish")):
            sent_here = [stages[key][later][2] - stages[key][earlier][2] for key in counted]
            say(f"  {earlier} → {later}: {percentile(sent_here, 0.5):.0f} / {max(sent_here):.0f}")
    return {"publish_p99": percentile(at["published"], 0.99)}


async def wait_for_all(
    sent: dict[int, float], listeners: list[Listener], expected: list[set[int]] | None = None
) -> None:
    deadline = time.perf_counter() + GRACE_SECONDS
    while time.perf_counter() < deadline:
        if expected is None and all(len(listener.heard) >= len(sent) for listener in listeners):
            return
        if expected is not None and all(
            keys <= listener.heard.keys() for keys, listener in zip(expected, listeners, strict=True)
        ):
            return
        await asyncio.sleep(0.1)


ECHO_SERVER = """
import asyncio, sys
from websockets.asyncio.server import broadcast, serve
async def main(port):
    clients = set()
    async def handler(socket):
        clients.add(socket)
        try:
            async for message in socket:
                broadcast(clients, message)
        finally:
            clients.discard(socket)
    async with serve(handler, "127.0.0.1", port, compression=None, max_queue=None):
        await asyncio.Future()
asyncio.run(main(int(sys.argv[1])))
"""


async def echo_run() -> dict[str, Any]:
    """The baseline: one bare WebSocket process that sends every message it gets to every connection."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", ECHO_SERVER, str(port)])
    try:
        for _ in range(100):
            try:
                probe = await connect(f"ws://127.0.0.1:{port}/", proxy=None)
                await probe.close()
                break
            except OSError:
                await asyncio.sleep(0.1)
        before = rss_kib(process.pid)
        sockets = [
            await connect(f"ws://127.0.0.1:{port}/", proxy=None, compression=None, max_queue=None)
            for _ in range(CLIENTS)
        ]
        await asyncio.sleep(2)
        per_connection = (rss_kib(process.pid) - before) / CLIENTS
        say(f"Bare WebSocket echo: {per_connection:.1f} KiB per idle connection")
        sender = sockets[0]
        listeners = [Listener() for _ in sockets]
        stop = asyncio.Event()
        tasks = [asyncio.create_task(listen(s, heard, stop, "m")) for s, heard in zip(sockets, listeners, strict=True)]
        sent: dict[int, float] = {}
        count = int(RATE * SECONDS)
        started = time.perf_counter()
        for number in range(count):
            await asyncio.sleep(max(0.0, started + number / RATE - time.perf_counter()))
            sent[number] = time.perf_counter()
            await sender.send(json.dumps({"type": "m", "message": number}))
        await wait_for_all(sent, listeners)
        stop.set()
        await asyncio.gather(*tasks)
        result = summarise("Bare WebSocket echo (1 process)", sent, listeners)
        result["kib_per_connection"] = per_connection
        for socket in sockets:
            await socket.close()
        return result
    finally:
        process.terminate()
        process.wait(timeout=10)


def say_worker_share() -> None:
    """How far the worker got with the in-app notifications while the messages went live."""
    from carecircle.notifications.models import Notification

    try:
        from carecircle.notifications.models import FanOut
    except ImportError:  # code from before the worker wrote them
        waiting = 0
    else:
        waiting = FanOut.objects.count()
    told = Notification.objects.filter(category="message").count()
    say(f"Worker: {told} in-app notifications written, {waiting} fan-outs still waiting at the end")
    # And how long after that the worker has told everyone (nothing may be left for ever).
    began = time.perf_counter()
    while waiting and time.perf_counter() - began < 120:
        time.sleep(0.1)
        waiting = FanOut.objects.count()
    told = Notification.objects.filter(category="message").count()
    later = time.perf_counter() - began
    say(f"Worker: {told} in-app notifications written {later:.1f} s later, {waiting} fan-outs left")


async def main() -> None:
    if not os.environ.get("REDIS_URL"):
        raise SystemExit("Set REDIS_URL: the two server processes share events through Redis.")
    if SHAPE not in ("one", "many"):
        raise SystemExit("BENCH_CIRCLES is one or many")
    sizes = [CLIENTS] if SHAPE == "one" else circle_sizes(CLIENTS, SEED)
    with tempfile.TemporaryDirectory(prefix="carecircle-bench-") as folder:
        env = prepare_environment(Path(folder))
        env["REDIS_PREFIX"] = f"bench-{secrets.token_hex(4)}"
        if WITH_STAGES:
            global STAGES_FOLDER
            STAGES_FOLDER = Path(folder) / "stages"
            STAGES_FOLDER.mkdir()
            env["BENCH_STAGES_DIR"] = str(STAGES_FOLDER)
        os.environ["REDIS_PREFIX"] = env["REDIS_PREFIX"]
        subprocess.run(
            [str(BIN / "carecircle"), "migrate", "--no-input"], cwd=ROOT, env=env, check=True, capture_output=True
        )
        circles = await asyncio.to_thread(build_circles, sizes)
        from django.conf import settings

        layer = str(settings.CHANNEL_LAYERS["default"]["BACKEND"]).rsplit(".", 1)[-1]
        shape = (
            f"one circle of {CLIENTS}"
            if SHAPE == "one"
            else f"{len(sizes)} circles of {min(sizes)} to {max(sizes)} (seed {SEED}; sizes {sizes})"
        )
        say(
            f"{CLIENTS} clients in {shape}, {RATE:g} messages/s for {SECONDS:g} s, two server processes "
            f"sharing Redis ({layer}), {'with' if WITH_WORKER else 'without'} the task worker; "
            f"load average {os.getloadavg()[0]:.2f}"
        )
        servers = start_servers(env, 2)
        if WITH_WORKER:
            # The worker runs beside them, as in production: it writes each member's notification of a
            # big circle (notifications/fan_out.py) on the same two cores while the live events go.
            worker = subprocess.Popen(
                [str(BIN / "carecircle"), "worker", "--interval", "0.2"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            servers.append((0, worker))
        try:
            ports = [port for port, _ in servers if port]
            pids = {f"server {number + 1}": process.pid for number, (_, process) in enumerate(servers[:2])}
            if WITH_WORKER:
                pids["worker"] = servers[2][1].pid
            before = sum(rss_kib(process.pid) for port, process in servers if port)
            sockets = await open_sockets(ports, circles)
            await asyncio.sleep(2)
            idle = sum(rss_kib(process.pid) for port, process in servers if port)
            say(f"Conversation: {(idle - before) / CLIENTS:.1f} KiB per idle connection (RSS growth of both processes)")
            result = await measure_conversation(ports, circles, sockets, pids)
            if WITH_WORKER:
                await asyncio.to_thread(say_worker_share)
            for _, socket in sockets:
                await socket.close()
        finally:
            for _, process in servers:
                process.terminate()
                process.wait(timeout=30)
        baseline = await echo_run()
        if baseline["p50"] == baseline["p50"] and baseline["p50"] > 0:
            say(f"p50 ratio conversation / echo: {result['p50'] / baseline['p50']:.1f}")
        say(f"Load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
