"""A browser push service on 127.0.0.1 for the push tests, and the browsers subscribed to it.

It checks each request as a push service does before it accepts it (RFC 8030 and RFC 8292):
the subscription is one it knows (404 otherwise, 410 once the browser dropped it); the VAPID
`Authorization` names the key the browser subscribed with (403 otherwise) and carries a JWT with an
ES256 signature by that key, `aud` the endpoint's origin, `exp` in the next 24 hours and a
`mailto:`/`https:` `sub` (403 otherwise, 401 when missing); `TTL` is a number of seconds and
`Urgency` one of RFC 8030's four (400 otherwise); the body is aes128gcm and at most 4096 bytes
(413 beyond). Only then does it answer 201 with the message's address, or what the test asked for
(`status_for`), with a `Retry-After` header when the test gave one (`retry_after_for`), as a busy
push service does with 429 and 503. The test decrypts the body with the browser's private key, as the browser would.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.test import Client

from carecircle.notifications.push import b64url, b64url_decode

SUBSCRIBE = "/api/v1/notifications/push/subscribe"
DEVICES = "/api/v1/notifications/push"
# What push services take at most (RFC 8291 §4: one 4096-byte record); Chrome's and Mozilla's say the same.
MAX_BODY = 4096
URGENCIES = {"very-low", "low", "normal", "high"}


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Refusal(Exception):
    """What the push service answers instead of 201: a status and why."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status}: {reason}")
        self.status = status
        self.reason = reason


@dataclass
class Browser:
    """What a browser keeps for one subscription: its ECDH private key and auth secret."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    # The applicationServerKey it subscribed with, as the page got it from the API.
    server_key: str = ""
    # The member turned notifications off in the browser, or it cleared its data: the push service answers 410.
    dropped: bool = False

    @property
    def p256dh(self) -> str:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(point)

    def subscription(self) -> dict[str, Any]:
        """As PushSubscription.toJSON() gives it."""
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth)},
        }

    def decrypt(self, body: bytes) -> dict[str, Any]:
        plain = http_ece.decrypt(body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm")
        data: dict[str, Any] = json.loads(plain)
        return data


def new_browser(endpoint: str) -> Browser:
    return Browser(endpoint=endpoint, private_key=ec.generate_private_key(ec.SECP256R1()), auth=os.urandom(16))


def subscribe(client: Client, browser: Browser, **extra: Any) -> Any:
    """Subscribe as push.js does: read the server's key from the API (when allowed), post the subscription."""
    devices = client.get(DEVICES)
    if devices.status_code == 200:
        browser.server_key = devices.json()["public_key"]
    return client.post(SUBSCRIBE, data=json.dumps(browser.subscription()), content_type="application/json", **extra)


def vapid_claims(headers: dict[str, str], *, audience: str, server_key: str) -> dict[str, Any]:
    """The JWT's claims once its key, signature and claims pass a push service's checks; Refusal otherwise."""
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "vapid":
        raise Refusal(401, "no VAPID authorization")
    try:
        parts = dict(part.strip().split("=", 1) for part in value.split(","))
        token, public = parts["t"], parts["k"]
        header_b64, claims_b64, signature_b64 = token.split(".")
        header = json.loads(b64url_decode(header_b64))
        claims: dict[str, Any] = json.loads(b64url_decode(claims_b64))
        signature = b64url_decode(signature_b64)
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(public))
    except (KeyError, ValueError):
        raise Refusal(401, "malformed VAPID authorization") from None
    if public != server_key:
        raise Refusal(403, "not the key the browser subscribed with")
    if header != {"typ": "JWT", "alg": "ES256"} or len(signature) != 64:
        raise Refusal(403, f"not an ES256 JWT: {header}")
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        key.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise Refusal(403, "the JWT's signature doesn't verify with that key") from None
    if claims.get("aud") != audience:
        raise Refusal(403, f"aud {claims.get('aud')!r} is not {audience!r}")
    if not isinstance(claims.get("exp"), int) or not time.time() < claims["exp"] <= time.time() + 24 * 3600:
        raise Refusal(403, f"exp {claims.get('exp')!r} is not within the next 24 hours")
    if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
        raise Refusal(403, f"sub {claims.get('sub')!r} is not a mailto: or https: contact")
    return claims


@dataclass
class PushService:
    """A push service on 127.0.0.1: checks each request, records it, answers 201 or `status_for[path]`."""

    port: int
    received: list[Received] = field(default_factory=list)
    refused: list[tuple[str, Refusal]] = field(default_factory=list)
    status_for: dict[str, int] = field(default_factory=dict)
    retry_after_for: dict[str, str] = field(default_factory=dict)
    browsers: dict[str, Browser] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def endpoint(self, name: str) -> str:
        return f"{self.origin}/push/{name}"

    def browser(self, name: str) -> Browser:
        """A browser subscribed at this push service under /push/<name> (the server's key is set when it subscribes)."""
        browser = new_browser(self.endpoint(name))
        self.browsers[f"/push/{name}"] = browser
        return browser

    def check(self, request: Received) -> None:
        """Refusal unless a push service would accept this request."""
        browser = self.browsers.get(request.path)
        if browser is None or not browser.server_key:
            raise Refusal(404, "no such subscription")
        if browser.dropped:
            raise Refusal(410, "the browser dropped this subscription")
        vapid_claims(request.headers, audience=self.origin, server_key=browser.server_key)
        if not request.headers.get("ttl", "").isdigit():
            raise Refusal(400, "TTL must be a number of seconds")
        if request.headers.get("urgency", "normal") not in URGENCIES:
            raise Refusal(400, f"unknown Urgency {request.headers['urgency']!r}")
        if request.headers.get("content-encoding") != "aes128gcm":
            raise Refusal(400, "the body must be aes128gcm")
        if len(request.body) > MAX_BODY:
            raise Refusal(413, f"{len(request.body)} bytes is more than {MAX_BODY}")

    def answer(self, request: Received) -> int:
        self.received.append(request)
        try:
            self.check(request)
        except Refusal as refusal:
            self.refused.append((request.path, refusal))
            return refusal.status
        return self.status_for.get(request.path, 201)


@contextlib.contextmanager
def running_push_service() -> Iterator[PushService]:
    """A push service listening on its own port of 127.0.0.1 (its own origin) while the block runs."""
    service = PushService(port=0)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {name.lower(): value for name, value in self.headers.items()}
            status = service.answer(Received(self.path, headers, body))
            self.send_response(status)
            if status == 201:
                self.send_header("Location", f"{service.origin}/message/{len(service.received)}")
            if status in (429, 503) and self.path in service.retry_after_for:
                self.send_header("Retry-After", service.retry_after_for[self.path])
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    service.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield service
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def push_service(settings: Any) -> Iterator[PushService]:
    settings.PUSH_ALLOW_LOCAL_ENDPOINTS = True
    settings.VAPID_SUBJECT = "mailto:care@example.org"
    with running_push_service() as service:
        yield service
