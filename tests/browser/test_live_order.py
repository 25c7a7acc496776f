"""A circle's events that arrive out of number order are told to the page's scripts once each, in order.

Two changes commit as 4 and 5 but are published 5, 4 (docs/architecture/realtime.md, "Order"). On 5
the page sees the gap and fetches `events?since=3`, which brings 4 and 5; the late 4 then comes
live. live.js used to tell the page's scripts (the `carecircle:event` each listener acts on, and
which the conversation page turns into what a screen reader says) of 5 live, of 4 and 5 again from
the catch-up, and of 4 again live: each twice. Now each number is told once, 4 before 5.

The page's WebSocket is answered by the test (Playwright's route_web_socket), so the events come in
exactly that order; the catch-up is the real server's answer.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse
from playwright.sync_api import Browser, WebSocketRoute, expect

from carecircle.circles.models import Circle
from carecircle.realtime import events
from carecircle.realtime.events import circle_event_record
from tests.browser.conftest import make_checked, sign_in
from tests.cast import build_cast


def test_a_late_event_is_told_once_and_in_number_order(
    server: str, browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    cast = build_cast()
    context = sign_in(browser.new_context(), server, cast.helper)
    sockets: list[WebSocketRoute] = []
    context.route_web_socket("**/ws/", lambda socket: sockets.append(socket))  # the test speaks, not the server
    checked = make_checked(context)
    page = checked.page
    page.goto(f"{server}{reverse('circles:home', kwargs={'circle_id': cast.circle.pk})}")
    expect(page.locator("[data-live-status]")).to_have_text("Live: changes appear as they happen.")
    page.evaluate(
        "window.told = []; document.addEventListener('carecircle:event', function (event) {"
        " if (event.detail.seq) { window.told.push(event.detail.seq); } });"
    )

    # Two changes, committed in this order (the server's catch-up will list both).
    held: list[dict[str, Any]] = []
    monkeypatch.setattr(events, "publish", lambda group, message: held.append(message))
    for _ in range(2):
        with transaction.atomic():
            circle_event_record(circle=cast.circle, type="task.changed", task=0)
    earlier, later = held
    assert later["seq"] == earlier["seq"] + 1 == Circle.objects.get(pk=cast.circle.pk).event_seq

    sockets[0].send(json.dumps(later))
    for _ in range(200):  # the page's policy refuses wait_for_function's string: asked every 50 ms
        if earlier["seq"] in page.evaluate("window.told"):
            break
        page.wait_for_timeout(50)
    sockets[0].send(json.dumps(earlier))  # the late one
    page.wait_for_timeout(1000)

    assert page.evaluate("window.told") == [earlier["seq"], later["seq"]]
    checked.close()
