"""The HTTP bridge hands an ordinary response to the event loop once, and still streams a big one.

carecircle/web/wsgi_bridge.py (docs/architecture/serving.md, "The hand-over"): a2wsgi's responder
made the request's thread wait on the loop for every message; ours keeps a response up to
BUFFERED_BYTES on the thread and streams anything larger as a2wsgi did.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from a2wsgi.wsgi import WSGIResponder
from django.core.handlers.wsgi import WSGIHandler

from carecircle.accounts.services import api_token_create
from carecircle.conversations import services as conversations
from carecircle.lib import hooks
from carecircle.lib.after_response import ENVIRON_KEY
from carecircle.notifications.models import FanOut, Notification
from carecircle.web import wsgi_bridge
from carecircle.web.wsgi_bridge import BufferedWSGIMiddleware
from tests.notifications.test_fan_out_cost import circle_of


def _app(chunks: list[bytes]) -> Callable[[dict[str, Any], Any], Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return chunks

    return app


def _scope() -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 1234),
        "server": ("127.0.0.1", 80),
    }


def _serve(chunks: list[bytes]) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = _scope()

    async def main() -> None:
        await BufferedWSGIMiddleware(_app(chunks), workers=2)(scope, receive, send)  # type: ignore[arg-type]

    asyncio.run(main())
    return sent


@pytest.fixture
def handed_over(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Each message the request's thread waited on the loop for (a2wsgi's send)."""
    waits: list[object] = []
    original = WSGIResponder.send

    def counted(self: WSGIResponder, message: Any) -> None:
        waits.append(message)
        original(self, message)

    monkeypatch.setattr(WSGIResponder, "send", counted)
    return waits


def test_a_page_is_handed_over_once_in_order(handed_over: list[object]) -> None:
    sent = _serve([b"<p>one</p>", b"<p>two</p>"])

    assert [message["type"] for message in sent] == ["http.response.start"] + ["http.response.body"] * 3
    assert sent[0]["status"] == 200
    assert b"".join(message.get("body", b"") for message in sent) == b"<p>one</p><p>two</p>"
    assert sent[-1].get("more_body", False) is False
    assert handed_over == []


def test_a_big_response_streams_once_past_the_kept_bytes(handed_over: list[object]) -> None:
    chunk = b"x" * (64 * 1024)
    chunks = [chunk] * (2 * wsgi_bridge.BUFFERED_BYTES // len(chunk))

    sent = _serve(chunks)

    assert b"".join(message.get("body", b"") for message in sent) == b"".join(chunks)
    assert sent[0]["type"] == "http.response.start"
    assert sent[-1].get("more_body", False) is False
    # Everything from the chunk that went past the limit crossed at once, the earlier ones with it.
    assert len(handed_over) == len(sent)


def test_a_response_with_work_after_it_is_sent_before_that_work_runs() -> None:
    """lib/after_response.py: the answer reaches the server while its thread still tells the members."""
    sent: list[dict[str, Any]] = []
    answered = threading.Event()
    seen_by_work: list[bool] = []

    class Answer(list[bytes]):
        def close(self) -> None:
            seen_by_work.append(answered.wait(timeout=5))

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        start_response("201 Created", [("Content-Type", "application/json")])
        environ[ENVIRON_KEY] = True
        return Answer([b'{"id": 1}'])

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            answered.set()

    async def main() -> None:
        await BufferedWSGIMiddleware(app, workers=2)(_scope(), receive, send)  # type: ignore[arg-type]

    asyncio.run(main())

    assert seen_by_work == [True]
    assert [message["type"] for message in sent] == ["http.response.start"] + ["http.response.body"] * 2
    assert sent[0]["status"] == 201


@pytest.mark.django_db(transaction=True)
def test_a_message_posted_through_the_bridge_is_told_on_its_own_thread_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The POST is answered, its request thread freed, and the members told on the after-response thread."""
    circle, organiser, members = circle_of(8)
    conversation_id = conversations.family_conversation(circle=circle).pk
    _token, secret = api_token_create(actor=organiser, name="phone")
    telling_threads: list[str] = []
    finish = hooks._functions["notify_finish"]

    def noted(keys: Any) -> None:
        telling_threads.append(threading.current_thread().name)
        finish(keys)

    monkeypatch.setitem(hooks._functions, "notify_finish", noted)
    body = json.dumps({"body": "Dad ate well"}).encode()
    scope = {
        **_scope(),
        "method": "POST",
        "path": f"/api/v1/circles/{circle.pk}/conversations/{conversation_id}/messages",
        "headers": [
            (b"host", b"testserver"),
            (b"authorization", f"Bearer {secret}".encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
    }
    bridge = BufferedWSGIMiddleware(WSGIHandler(), workers=2, after_threads=1)  # type: ignore[arg-type]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(bridge(scope, receive, send))
    assert bridge.after is not None
    bridge.after.shutdown()

    assert sent[0]["status"] == 201
    message_id = json.loads(b"".join(message.get("body", b"") for message in sent))["id"]
    assert telling_threads == ["after-response_0"]
    assert not FanOut.objects.exists()
    notes = Notification.objects.filter(key__startswith=f"message-{message_id}-")
    assert sorted(notes.values_list("recipient_id", flat=True)) == sorted(member.pk for member in members)
