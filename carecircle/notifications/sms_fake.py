"""A fake text-message provider on 127.0.0.1 that speaks both real formats, for development and tests.

It answers Twilio's Messages API (basic authentication with the account sid and auth token) and
GOV.UK Notify's `POST /v2/notifications/sms` (a JWT signed with the API key's secret), keeps each
text with its segment count, and refuses numbers in the +1555 01xx range as invalid, as a real
provider would (and, for Twilio, +1555 02xx as having replied STOP). Set `busy` to (429 or 503,
a Retry-After value or None) and it answers every text with that, in each provider's own error
format, as a rate-limited or overloaded provider does; `busy_answers` counts them. `reply()` plays a phone
answering: it posts an inbound text to CareCircle's webhook, signed as Twilio signs it or with
Notify's bearer token.
"""

from __future__ import annotations

import base64
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt

from carecircle.notifications.sms_providers import twilio_signature
from carecircle.notifications.sms_text import encoding_of, segments

# Numbers the fake refuses for good, as a provider refuses an invalid number.
INVALID_PREFIX = "+155501"
# Numbers that have replied STOP: Twilio refuses them with its own code (21610).
OPTED_OUT_PREFIX = "+155502"
TWILIO_PATH_PREFIX = "/2010-04-01/Accounts/"
NOTIFY_PATH = "/v2/notifications/sms"


@dataclass
class SentText:
    provider: str
    to: str
    body: str
    segments: int
    encoding: str
    id: str


@dataclass
class FakeCredentials:
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    notify_api_key: str = ""


@dataclass
class FakeSmsProvider:
    """Run with `start()`; `sent` lists every text accepted, in order."""

    credentials: FakeCredentials
    host: str = "127.0.0.1"
    port: int = 0
    sent: list[SentText] = field(default_factory=list)
    busy: tuple[int, str | None] | None = None
    busy_answers: int = 0
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        assert self._server is not None, "Start the fake provider first."
        return f"http://{self.host}:{self._server.server_address[1]}"

    def start(self) -> FakeSmsProvider:
        self._server = ThreadingHTTPServer((self.host, self.port), _handler_for(self))
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def serve_forever(self) -> None:
        self._server = ThreadingHTTPServer((self.host, self.port), _handler_for(self))
        self._server.serve_forever()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def record(self, text: SentText) -> None:
        with self._lock:
            self.sent.append(text)

    def twilio_accepts(self, authorization: str, account: str) -> bool:
        expected = base64.b64encode(
            f"{self.credentials.twilio_account_sid}:{self.credentials.twilio_auth_token}".encode()
        ).decode()
        return (
            bool(self.credentials.twilio_account_sid)
            and authorization == f"Basic {expected}"
            and (account == self.credentials.twilio_account_sid)
        )

    def notify_accepts(self, authorization: str) -> bool:
        key = self.credentials.notify_api_key
        scheme, _, token = authorization.partition(" ")
        if not key or scheme != "Bearer":
            return False
        try:
            claims = jwt.decode(token, key[-36:], algorithms=["HS256"])
        except jwt.PyJWTError:
            return False
        return bool(claims.get("iss") == key[-73:-37])

    @staticmethod
    def reply_twilio(*, webhook_url: str, auth_token: str, from_number: str, to_number: str, body: str) -> int:
        """Post an inbound text to CareCircle as Twilio does, signed with the auth token; returns the status."""
        params = {"MessageSid": f"SM{uuid.uuid4().hex}", "From": from_number, "To": to_number, "Body": body}
        signature = twilio_signature(url=webhook_url, params=params.items(), auth_token=auth_token)
        return _post(
            webhook_url,
            urllib.parse.urlencode(params).encode(),
            {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
        )

    @staticmethod
    def reply_notify(*, webhook_url: str, bearer_token: str, from_number: str, to_number: str, body: str) -> int:
        """Post an inbound text to CareCircle as Notify's received-text callback does; returns the status."""
        payload = {
            "id": str(uuid.uuid4()),
            "source_number": from_number.removeprefix("+"),
            "destination_number": to_number.removeprefix("+"),
            "message": body,
            "date_received": "2026-01-01T00:00:00.000000Z",
        }
        return _post(
            webhook_url,
            json.dumps(payload).encode(),
            {"Content-Type": "application/json", "Authorization": f"Bearer {bearer_token}"},
        )


def _post(url: str, data: bytes, headers: dict[str, str]) -> int:
    if urllib.parse.urlsplit(url).scheme not in {"http", "https"}:
        raise ValueError(f"The webhook must be an http or https address, not {url!r}.")
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def _handler_for(provider: FakeSmsProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _answer(self, status: int, payload: object, retry_after: str | None = None) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            if retry_after is not None:
                self.send_header("Retry-After", retry_after)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def do_GET(self) -> None:
            if self.path == "/messages":
                self._answer(200, [text.__dict__ for text in provider.sent])
            else:
                self._answer(404, {"message": "Not found"})

        def do_POST(self) -> None:
            authorization = self.headers.get("Authorization", "")
            if self.path.startswith(TWILIO_PATH_PREFIX) and self.path.endswith("/Messages.json"):
                account = self.path.removeprefix(TWILIO_PATH_PREFIX).split("/")[0]
                self._twilio(authorization, account)
            elif self.path == NOTIFY_PATH:
                self._notify(authorization)
            else:
                self._answer(404, {"message": "Not found"})

        def _busy(self) -> tuple[int, str | None] | None:
            busy = provider.busy
            if busy is not None:
                with provider._lock:
                    provider.busy_answers += 1
            return busy

        def _twilio(self, authorization: str, account: str) -> None:
            if not provider.twilio_accepts(authorization, account):
                self._answer(401, {"code": 20003, "message": "Authenticate"})
                return
            busy = self._busy()
            if busy is not None:
                status, retry_after = busy
                code, message = (20429, "Too Many Requests") if status == 429 else (20503, "Service unavailable")
                self._answer(status, {"code": code, "message": message, "status": status}, retry_after)
                return
            form = dict(urllib.parse.parse_qsl(self._body().decode(), keep_blank_values=True))
            to, body = form.get("To", ""), form.get("Body", "")
            if not to.startswith("+") or to.startswith(INVALID_PREFIX):
                self._answer(400, {"code": 21211, "message": f"The 'To' number {to} is not a valid phone number."})
                return
            if to.startswith(OPTED_OUT_PREFIX):
                self._answer(400, {"code": 21610, "message": "Attempt to send to unsubscribed recipient"})
                return
            sid = f"SM{uuid.uuid4().hex}"
            provider.record(SentText("twilio", to, body, segments(body), encoding_of(body), sid))
            self._answer(201, {"sid": sid, "status": "queued", "num_segments": str(segments(body))})

        def _notify(self, authorization: str) -> None:
            if not provider.notify_accepts(authorization):
                self._answer(403, {"errors": [{"error": "AuthError", "message": "Invalid token"}], "status_code": 403})
                return
            busy = self._busy()
            if busy is not None:
                status, retry_after = busy
                error = (
                    {
                        "error": "RateLimitError",
                        "message": "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds",
                    }
                    if status == 429
                    else {"error": "ServiceUnavailable", "message": "Service unavailable"}
                )
                self._answer(status, {"errors": [error], "status_code": status}, retry_after)
                return
            payload = json.loads(self._body() or b"{}")
            to = str(payload.get("phone_number", ""))
            body = str((payload.get("personalisation") or {}).get("body", ""))
            if not to.startswith("+") or to.startswith(INVALID_PREFIX):
                error = {"error": "ValidationError", "message": "phone_number Not a valid phone number"}
                self._answer(400, {"errors": [error], "status_code": 400})
                return
            text_id = str(uuid.uuid4())
            provider.record(SentText("notify", to, body, segments(body), encoding_of(body), text_id))
            self._answer(201, {"id": text_id, "content": {"body": body}, "reference": None})

    return Handler
