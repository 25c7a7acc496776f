"""Benchmark: live messages from a sender to every open WebSocket, over two server processes sharing Redis.

Starts two `carecircle serve` processes (DEBUG off) on a throwaway SQLite database (or
BENCH_DATABASE_URL) and the Redis at REDIS_URL (required; a private prefix is used), makes a circle
with BENCH_CLIENTS members, and opens one WebSocket per member, spread over both processes. Then it
posts BENCH_RATE messages a second for BENCH_SECONDS through the JSON API (alternating processes,
each with its own client_id) and records when every client hears of each message.

Prints, for the conversation and for the same-run baseline (a bare WebSocket server in one process
that broadcasts each message it receives to every connection, no Django, no Redis):
sender → every-recipient latency p50/p99, lost and duplicated deliveries, order kept, and the
memory each idle connection costs its server process (RSS growth / connections).
Not a test: figures go into docs/performance.md by hand.

    REDIS_URL=redis://127.0.0.1:6379/4 .venv/bin/python bench/conversations.py
    BENCH_CLIENTS=1000 BENCH_RATE=200 BENCH_SECONDS=5 REDIS_URL=... .venv/bin/python bench/conversations.py
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
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


def build_circle() -> tuple[int, int, list[str], str]:
    """A circle with CLIENTS members; returns its id, its family conversation, session keys, an API token."""
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

    organiser = User.objects.create_user(email="organiser@bench.invalid", password=None, display_name="Olivia")
    circle = circle_create(actor=organiser, person_name="Dad", relationship="daughter")
    users = [organiser]
    others = User.objects.bulk_create(
        User(email=f"member{number}@bench.invalid", display_name=f"Member {number}") for number in range(CLIENTS - 1)
    )
    # Straight into the table: membership events and audit rows don't matter to this measurement.
    Membership.objects.bulk_create(Membership(circle=circle, user=user, role=Role.HELPER) for user in others)
    users += list(User.objects.filter(email__startswith="member", email__endswith="@bench.invalid"))
    keys = []
    for user in users:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        assert session.session_key is not None
        keys.append(session.session_key)
    _, token = api_token_create(actor=organiser, name="bench")
    return circle.pk, family_conversation(circle=circle).pk, keys, token


def start_servers(env: dict[str, str], count: int) -> list[tuple[int, subprocess.Popen[bytes]]]:
    servers = []
    # One after the other: the first collects the static files the second then finds.
    for _ in range(count):
        port = free_port()
        command = [str(BIN / "carecircle"), "serve", "--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
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


def summarise(name: str, sent: dict[int, float], listeners: list[Listener]) -> dict[str, Any]:
    latencies = []
    lost = 0
    for listener in listeners:
        for key, started in sent.items():
            heard = listener.heard.get(key)
            if heard is None:
                lost += 1
            else:
                latencies.append((heard - started) * 1000)
    latencies.sort()
    duplicates = sum(listener.duplicates for listener in listeners)
    short = [len(sent) - len(listener.heard) for listener in listeners if len(listener.heard) < len(sent)]
    ordered = all(listener.sequence == sorted(listener.sequence) for listener in listeners)

    def percentile(share: float) -> float:
        return latencies[min(len(latencies) - 1, int(share * len(latencies)))] if latencies else float("nan")

    result = {
        "name": name,
        "messages": len(sent),
        "deliveries": len(latencies),
        "p50": percentile(0.50),
        "p99": percentile(0.99),
        "mean": statistics.fmean(latencies) if latencies else float("nan"),
        "lost": lost,
        "duplicated": duplicates,
        "ordered": ordered,
    }
    say(
        f"{name}: {result['messages']} messages to {len(listeners)} clients, "
        f"p50 {result['p50']:.1f} ms, p99 {result['p99']:.1f} ms, lost {lost}, duplicated {duplicates}, "
        f"per-circle order kept: {'yes' if ordered else 'NO'}"
        + (f"; {len(short)} clients missed some (at most {max(short)} each)" if short else "")
    )
    closed = [listener.closed for listener in listeners if listener.closed]
    if closed:
        say(f"{len(closed)} connections closed during the run, like: {closed[0]}")
    return result


async def open_sockets(ports: list[int], keys: list[str]) -> list[ClientConnection]:
    """One signed-in WebSocket per member, spread over the server processes in turn."""
    from django.conf import settings

    sockets = []
    for number, key in enumerate(keys):
        port = ports[number % len(ports)]
        socket = await connect(
            f"ws://127.0.0.1:{port}/ws/",
            origin=Origin(f"http://127.0.0.1:{port}"),
            additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={key}"},
            proxy=None,
            max_queue=None,
        )
        hello = json.loads(await socket.recv())
        assert hello["type"] == "hello", hello
        sockets.append(socket)
    return sockets


def post_message(port: int, circle_id: int, conversation_id: int, token: str, number: int) -> int:
    url = f"http://127.0.0.1:{port}/api/v1/circles/{circle_id}/conversations/{conversation_id}/messages"
    body = json.dumps({"body": f"Message {number}", "client_id": str(uuid.uuid4())}).encode()
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
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
    ports: list[int], circle_id: int, keys: list[str], sent: dict[int, float], listeners: list[Listener]
) -> int:
    """Deliveries a page would still miss after catching up over HTTP, as live.js does after a gap."""
    lost = 0
    for number, listener in enumerate(listeners):
        missing = set(sent) - set(listener.heard)
        if missing:
            recovered = await asyncio.to_thread(caught_up_ids, ports[number % len(ports)], circle_id, keys[number])
            lost += len(missing - recovered)
    return lost


async def measure_conversation(
    ports: list[int],
    circle_id: int,
    conversation_id: int,
    sockets: list[ClientConnection],
    token: str,
    keys: list[str],
) -> dict[str, Any]:
    listeners = [Listener() for _ in sockets]
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(listen(s, heard, stop, "message.posted"))
        for s, heard in zip(sockets, listeners, strict=True)
    ]
    sent: dict[int, float] = {}
    posting: list[float] = []
    count = int(RATE * SECONDS)
    started = time.perf_counter()

    async def send(number: int) -> None:
        at = started + number / RATE
        await asyncio.sleep(max(0.0, at - time.perf_counter()))
        begin = time.perf_counter()
        port = ports[number % len(ports)]
        key = await asyncio.to_thread(post_message, port, circle_id, conversation_id, token, number)
        posting.append((time.perf_counter() - begin) * 1000)
        sent[key] = begin

    await asyncio.gather(*(send(number) for number in range(count)))
    await wait_for_all(sent, listeners)
    stop.set()
    await asyncio.gather(*tasks)
    posting.sort()
    say(f"The POST itself (request to 201): p50 {posting[len(posting) // 2]:.1f} ms, max {posting[-1]:.1f} ms")
    result = summarise("Conversation (2 processes, Redis)", sent, listeners)
    result["lost_after_catch_up"] = await lost_after_catch_up(ports, circle_id, keys, sent, listeners)
    say(f"Still lost after each page's catch-up over HTTP (/events?since=N): {result['lost_after_catch_up']}")
    return result


async def wait_for_all(sent: dict[int, float], listeners: list[Listener]) -> None:
    deadline = time.perf_counter() + GRACE_SECONDS
    while time.perf_counter() < deadline:
        if all(len(listener.heard) >= len(sent) for listener in listeners):
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


async def main() -> None:
    if not os.environ.get("REDIS_URL"):
        raise SystemExit("Set REDIS_URL: the two server processes share events through Redis.")
    with tempfile.TemporaryDirectory(prefix="carecircle-bench-") as folder:
        env = prepare_environment(Path(folder))
        env["REDIS_PREFIX"] = f"bench-{secrets.token_hex(4)}"
        os.environ["REDIS_PREFIX"] = env["REDIS_PREFIX"]
        subprocess.run(
            [str(BIN / "carecircle"), "migrate", "--no-input"], cwd=ROOT, env=env, check=True, capture_output=True
        )
        circle_id, conversation_id, keys, token = await asyncio.to_thread(build_circle)
        from django.conf import settings

        layer = str(settings.CHANNEL_LAYERS["default"]["BACKEND"]).rsplit(".", 1)[-1]
        say(f"{CLIENTS} clients, {RATE:g} messages/s for {SECONDS:g} s, two server processes sharing Redis ({layer})")
        servers = start_servers(env, 2)
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
            before = sum(rss_kib(process.pid) for port, process in servers if port)
            sockets = await open_sockets(ports, keys)
            await asyncio.sleep(2)
            idle = sum(rss_kib(process.pid) for port, process in servers if port)
            say(f"Conversation: {(idle - before) / CLIENTS:.1f} KiB per idle connection (RSS growth of both processes)")
            result = await measure_conversation(ports, circle_id, conversation_id, sockets, token, keys)
            await asyncio.to_thread(say_worker_share)
            for socket in sockets:
                await socket.close()
        finally:
            for _, process in servers:
                process.terminate()
                process.wait(timeout=30)
        baseline = await echo_run()
        if baseline["p50"] == baseline["p50"] and baseline["p50"] > 0:
            say(f"p50 ratio conversation / echo: {result['p50'] / baseline['p50']:.1f}")


if __name__ == "__main__":
    asyncio.run(main())
