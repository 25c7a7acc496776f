"""`carecircle run` (what `make run` calls): the whole app on one box, in one terminal.

One server process, so the in-memory channel layer reaches every WebSocket, and a task worker as a
child process. Ctrl-C or SIGTERM stops both.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from typing import Any

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from carecircle.web.demo import accounts_table, demo_loaded
from carecircle.web.management.commands.serve import (
    ASGI_APPLICATION,
    Stopped,
    default_port,
    stop_on_signals,
    uvicorn_config,
)

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"
WORKER_STOP_SECONDS = 10


def start_worker() -> subprocess.Popen[bytes]:
    # Its own process group: Ctrl-C in the terminal reaches only this command, which then asks the
    # worker once to finish its current task and stop (a second signal would abandon the task).
    return subprocess.Popen(
        [sys.executable, "-m", "carecircle.manage", "worker", "--no-reload", "--no-startup-delay"],
        process_group=0,
    )


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is not None:
        return
    worker.terminate()
    try:
        worker.wait(timeout=WORKER_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def watch_worker(worker: subprocess.Popen[bytes], stopping: threading.Event) -> None:
    code = worker.wait()
    if not stopping.is_set():
        logger.error(
            "The task worker stopped (exit code %s): emails and texts wait in the queue until you restart.", code
        )


def follow_port(port: int) -> None:
    """Links in emails and texts (this process's and the worker's) point at `--port`, unless SITE_URL is set."""
    if os.environ.get("SITE_URL", "").strip():
        return
    os.environ["PORT"] = str(port)
    settings.SITE_URL = f"http://{HOST}:{port}"
    if not os.environ.get("WEBAUTHN_ORIGINS", "").strip():
        settings.WEBAUTHN_ORIGINS = [settings.SITE_URL]


class Command(BaseCommand):
    help = "Run CareCircle on this computer: the web server and a task worker. Ctrl-C stops both."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=None, help="Port on 127.0.0.1 (default: $PORT or 8000).")

    def handle(self, *args: Any, **options: Any) -> None:
        port = options["port"] or default_port()
        follow_port(port)
        stopping = threading.Event()
        with stop_on_signals():
            worker = start_worker()
            try:
                threading.Thread(target=watch_worker, args=(worker, stopping), daemon=True).start()
                self._banner(port=port, worker_pid=worker.pid)
                uvicorn.run(ASGI_APPLICATION, **uvicorn_config(host=HOST, port=port))
            except Stopped:
                pass
            finally:
                stopping.set()
                try:
                    stop_worker(worker)
                except Stopped:
                    # A second Ctrl-C while waiting: don't wait for the current task.
                    worker.kill()
                    worker.wait()
        self.stdout.write("CareCircle stopped.")

    def _banner(self, *, port: int, worker_pid: int) -> None:
        self.stdout.write("")
        if demo_loaded():
            self.stdout.write(accounts_table())
        else:
            self.stdout.write("No demo accounts yet: run `carecircle demo` (or `make run`) to load them.")
        self.stdout.write("")
        self.stdout.write(f"Task worker running (process {worker_pid}).")
        self.stdout.write(self.style.SUCCESS(f"CareCircle is running at http://{HOST}:{port}/ (Ctrl-C stops it)."))
        self.stdout.write("")
