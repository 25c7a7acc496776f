"""Real server processes for tests: uvicorn (ASGI) and the task worker, pointed at the test database."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

from carecircle.lib.channel_layers import PUBSUB, PUBSUB_BACKEND, QUEUES

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_database_url() -> str:
    """The URL of the database pytest-django created, for processes started by the tests."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def server_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "carecircle.settings",
            "DATABASE_URL": test_database_url(),
            "DEBUG": "true",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PYTHONUNBUFFERED": "1",
        }
    )
    layer: dict[str, Any] = settings.CHANNEL_LAYERS["default"]
    if "CONFIG" in layer and settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
        env["REDIS_PREFIX"] = str(layer["CONFIG"]["prefix"]).removesuffix(":channels")
        # The servers use the same kind of layer as the test (the channel_layer_kind fixture).
        env["CHANNEL_LAYER"] = PUBSUB if layer["BACKEND"] == PUBSUB_BACKEND else QUEUES
    else:
        env.pop("REDIS_URL", None)
    env.update(extra or {})
    return env


def wait_until_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 90.0) -> None:
    # Start-up takes 2-3 s on a quiet machine; on a loaded shared 2-core CI box it has taken over 20 s.
    # Waiting longer costs nothing when the server is quick, and a server that died fails at once.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The server at {url} exited with code {process.returncode} before it was ready.")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"The server at {url} was not ready within {timeout} seconds.")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@contextmanager
def running_server(
    *, env: Mapping[str, str] | None = None, with_worker: bool = False, port: int | None = None
) -> Iterator[str]:
    """Start uvicorn (and optionally the task worker) and yield the base URL; stop them afterwards.

    `port` lets a test know the address first, to give the server its own SITE_URL (signed webhooks).
    """
    port = port or free_port()
    environment = server_environment(env)
    server = subprocess.Popen(
        [
            str(BIN / "uvicorn"),
            "carecircle.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-proxy-headers",
        ],
        cwd=ROOT,
        env=environment,
    )
    worker = None
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_until_ready(f"{base_url}/healthz", server)
        if with_worker:
            worker = subprocess.Popen(
                [str(BIN / "carecircle"), "worker", "--interval", "0.2", "--no-startup-delay"],
                cwd=ROOT,
                env=environment,
            )
        yield base_url
    finally:
        if worker is not None:
            stop(worker)
        stop(server)


@contextmanager
def private_redis_server() -> Iterator[tuple[int, Any]]:
    """A throwaway redis-server on a free port, and a function that kills and restarts it."""
    server = shutil.which("redis-server") or "redis-server"
    port = free_port()
    command = [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]

    def start() -> subprocess.Popen[bytes]:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
            time.sleep(0.05)
        raise RuntimeError("the private redis-server did not start")

    holder = {"process": start()}

    def restart() -> None:
        holder["process"].kill()
        holder["process"].wait(timeout=5)
        holder["process"] = start()

    try:
        yield port, restart
    finally:
        holder["process"].kill()
        holder["process"].wait(timeout=5)
