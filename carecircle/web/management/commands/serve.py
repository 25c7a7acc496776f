"""`carecircle serve`: the production server, uvicorn running carecircle.asgi on one port.

HTTP runs through Django's WSGI handler on HTTP_THREADS threads per process, WebSockets at /ws/
through Channels (docs/architecture/serving.md). `--workers N` starts N processes sharing the
port; each holds up to DATABASE_POOL_SIZE PostgreSQL connections, and live updates reach every
process through Redis (REDIS_URL). Each process warms what its first request would pay before it
accepts one (web/warm_up.py; WARM_UP=false to skip).
"""

from __future__ import annotations

import copy
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from types import FrameType
from typing import Any

import uvicorn
from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from carecircle.lib.env import env_bool, env_int
from carecircle.web.warm_up import WARM_UP_VARIABLE

ASGI_APPLICATION = "carecircle.asgi:application"
# Long enough for in-flight requests to finish; WebSocket clients are told to reconnect at once.
GRACEFUL_SHUTDOWN_SECONDS = 20
# Browsers only send pings; a small limit stops anyone making the server hold large frames.
WEBSOCKET_MAX_BYTES = 64 * 1024


class Stopped(Exception):
    """SIGINT or SIGTERM arrived: stop whatever is running and exit normally."""


def _raise_stopped(signum: int, frame: FrameType | None) -> None:
    raise Stopped(signal.strsignal(signum))


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """Turn SIGINT and SIGTERM into Stopped, so clean-up code runs and the exit status is 0.

    uvicorn handles both signals while it serves, then raises the one it caught again once it has
    shut down gracefully; without this, that SIGTERM would end the process before clean-up.
    """
    previous = {number: signal.signal(number, _raise_stopped) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def default_port() -> int:
    return env_int("PORT", 8000)


def uvicorn_config(*, host: str, port: int, workers: int = 1, access_log: bool = True) -> dict[str, Any]:
    """Keyword arguments for uvicorn shared by `serve` and `run`."""
    return {
        "host": host,
        "port": port,
        "workers": workers,
        # Django's ASGI handler does not speak the lifespan protocol; "off" avoids a warning per start.
        "lifespan": "off",
        # X-Forwarded-For is read by the application alone, trusting exactly NUM_PROXIES
        # (lib/addresses.py); uvicorn's own rewriting would trust any client on 127.0.0.1.
        "proxy_headers": False,
        "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_SECONDS,
        "ws_max_size": WEBSOCKET_MAX_BYTES,
        # Events are a few dozen bytes; compression would cost each idle connection its zlib buffers.
        "ws_per_message_deflate": False,
        # What uvicorn's "auto" picks with websockets installed, named so it can't change under us:
        # measured beside the older websockets protocol and wsproto, the same CPU per event per
        # socket within noise and 7 KiB less per idle connection than the older one (docs/performance.md).
        "ws": "websockets-sansio",
        "server_header": False,
        "access_log": access_log,
        "log_config": log_config(),
    }


def log_config() -> dict[str, Any]:
    """uvicorn's logging, with invitation tokens taken out of the access log."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config.setdefault("filters", {})["redact"] = {"()": "carecircle.lib.redaction.RedactInvitationTokens"}
    config["handlers"]["access"]["filters"] = ["redact"]
    return config


def collect_static_if_missing(command: BaseCommand) -> None:
    """With STATIC_HASHED (DEBUG off), hashed static files come from the manifest: build it if missing."""
    if not isinstance(staticfiles_storage, ManifestFilesMixin):
        return
    if staticfiles_storage.exists(staticfiles_storage.manifest_name):
        return
    command.stdout.write(f"Collecting static files into {settings.STATIC_ROOT} (the manifest is missing).")
    call_command("collectstatic", interactive=False, verbosity=0)


class Command(BaseCommand):
    help = "Serve CareCircle in production: HTTP and WebSockets on one port, N processes, a graceful shutdown."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default: 127.0.0.1).")
        parser.add_argument("--port", type=int, default=None, help="Port to listen on (default: $PORT or 8000).")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help=(
                "Server processes (default: $WEB_CONCURRENCY or 1), e.g. one per core. Several need REDIS_URL "
                "for live updates, and each holds up to DATABASE_POOL_SIZE database connections."
            ),
        )
        parser.add_argument("--no-access-log", action="store_true", help="Don't log every request.")

    def handle(self, *args: Any, **options: Any) -> None:
        port = options["port"] or default_port()
        workers = options["workers"] or env_int("WEB_CONCURRENCY", 1)
        if workers > 1 and not settings.REDIS_URL:
            self.stderr.write(
                "Warning: several server processes without REDIS_URL don't share live updates; set REDIS_URL."
            )
        collect_static_if_missing(self)
        config = uvicorn_config(
            host=options["host"], port=port, workers=workers, access_log=not options["no_access_log"]
        )
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecircle.settings")
        # Every process (a spawned worker inherits this) warms before it serves, unless WARM_UP=false.
        os.environ[WARM_UP_VARIABLE] = "true" if env_bool("WARM_UP", True) else "false"
        with stop_on_signals(), suppress(Stopped):
            uvicorn.run(ASGI_APPLICATION, **config)
