"""Benchmark: the worker sending web pushes to a push service on 127.0.0.1, against same-run baselines.

In process, on a throwaway SQLite database (or BENCH_DATABASE_URL). BENCH_PUSH devices (each its
own member and P-256 key, as browsers make them) get one queued push each; then:

1. The worker's `deliver_many` over them: claim, encrypt (aes128gcm), sign (VAPID), post, record.
2. Baseline: pywebpush's `webpush()` alone for the same devices and payload (encrypt, sign, post;
   no rows).
3. Baseline: a bare HTTP POST of a body of the same size to the same server (no crypto, no rows).

Prints pushes a second for each; not a test. docs/performance.md keeps the figures.

    DEBUG=false .venv/bin/python bench/push.py
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from run import say

ROOT = Path(__file__).resolve().parent.parent
PUSHES = int(os.environ.get("BENCH_PUSH", "300"))


class PushService(BaseHTTPRequestHandler):
    """Reads each push and answers 201, as a push service does."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


def setup(var_dir: Path) -> None:
    os.environ.update(
        {
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "ALLOWED_HOSTS": "testserver",
            "CARECIRCLE_VAR_DIR": str(var_dir),
            "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{var_dir / 'bench.sqlite3'}"),
            "LOG_LEVEL": "ERROR",
            "DJANGO_SETTINGS_MODULE": "carecircle.settings",
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    call_command("migrate", verbosity=0)


def devices(port: int) -> list[Any]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from carecircle.accounts.models import User
    from carecircle.notifications.models import PushSubscription
    from carecircle.notifications.push import b64url

    users = User.objects.bulk_create(
        User(email=f"member{number}@bench.invalid", display_name=f"Member {number}") for number in range(PUSHES)
    )
    rows = []
    for user in users:
        point = (
            ec.generate_private_key(ec.SECP256R1())
            .public_key()
            .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        )
        rows.append(
            PushSubscription(
                user=user,
                endpoint=f"http://127.0.0.1:{port}/push/{user.pk}",
                p256dh=b64url(point),
                auth=b64url(os.urandom(16)),
            )
        )
    return PushSubscription.objects.bulk_create(rows)


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), PushService)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with tempfile.TemporaryDirectory(prefix="carecircle-bench-push-") as directory:
            setup(Path(directory))
            import requests
            from django.db import connection
            from pywebpush import webpush

            from carecircle.notifications.push import push_payload, vapid_keys, vapid_subject
            from carecircle.notifications.services import DeliveryDraft, deliveries_enqueue
            from carecircle.notifications.tasks import deliver_many

            say(f"database: {connection.vendor}; {PUSHES} devices")
            subscriptions = devices(port)
            payload = push_payload(category="news", title="News about Arthur: home from hospital", url="/circles/1/")
            ids = deliveries_enqueue(
                [
                    DeliveryDraft(
                        channel="push",
                        to=str(row.pk),
                        body=payload,
                        idempotency_key=f"bench-push-{row.pk}",
                        recipient_id=row.user_id,
                        category="news",
                    )
                    for row in subscriptions
                ]
            )
            vapid_keys()

            start = time.perf_counter()
            outcomes = deliver_many.call(ids)
            worker = time.perf_counter() - start
            say(f"worker (claim, encrypt, sign, post, record): {PUSHES / worker:.0f} a second {outcomes}")

            signer = vapid_keys().signer()
            start = time.perf_counter()
            for row in subscriptions:
                webpush(
                    subscription_info={"endpoint": row.endpoint, "keys": {"p256dh": row.p256dh, "auth": row.auth}},
                    data=payload,
                    vapid_private_key=signer,
                    vapid_claims={"sub": vapid_subject()},
                    timeout=10,
                )
            library = time.perf_counter() - start
            say(f"baseline, webpush() alone (encrypt, sign, post): {PUSHES / library:.0f} a second")

            body = os.urandom(len(payload) + 103)
            start = time.perf_counter()
            for row in subscriptions:
                requests.post(row.endpoint, data=body, headers={"TTL": "0"}, timeout=10)
            bare = time.perf_counter() - start
            say(f"baseline, bare POST of the same size: {PUSHES / bare:.0f} a second")
            say(f"worker / bare POST: {bare / worker:.2f}; worker / webpush(): {library / worker:.2f}")
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
