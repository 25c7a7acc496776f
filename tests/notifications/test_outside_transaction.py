"""Security finding 11 (issue 9): a slow or silent mail server must never hold a database lock.

The worker claims the delivery row (one short UPDATE, committed), talks to the mail server with no
transaction open, then records the outcome. Here a real SMTP server on 127.0.0.1 (aiosmtpd) goes
silent in the middle of DATA; while it is silent, an unrelated write succeeds at once and another
connection already sees the delivery as "being sent".
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from carecircle.lib.env import parse_email_url, smtp_mailer
from carecircle.notifications.models import Channel, Delivery, DeliveryStatus, OutboxMessage
from carecircle.notifications.services import delivery_send

WAIT = 30  # seconds; only reached if something is broken


class SilentHandler:
    """Takes the message, then says nothing until the test lets it answer."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.received: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.entered.set()
        await asyncio.get_running_loop().run_in_executor(None, self.release.wait, WAIT)
        self.received.extend(envelope.rcpt_tos)
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def silent_smtp() -> Iterator[tuple[SilentHandler, int]]:
    handler = SilentHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        handler.release.set()
        controller.stop()


def test_a_silent_mail_server_holds_no_lock_and_an_unrelated_write_succeeds(transactional_db, settings, silent_smtp):
    handler, port = silent_smtp
    settings.MAILERS = {"default": smtp_mailer(parse_email_url(f"smtp://127.0.0.1:{port}"))}
    # The row as delivery_enqueue writes it; the test's worker thread sends it, not the immediate task.
    delivery = Delivery.objects.create(channel=Channel.EMAIL, to="raj@example.org", body="Hi", idempotency_key="s:1")
    outcome: list[str] = []

    def worker() -> None:
        try:
            outcome.append(delivery_send(delivery_id=delivery.pk))
        finally:
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert handler.entered.wait(WAIT), "the worker never reached the mail server"
        # The server is silent now, mid-send. Nothing holds the write lock: an unrelated write goes
        # through at once (SQLite said "database is locked" after 5 s when the send was in a transaction) …
        OutboxMessage.objects.create(channel=Channel.SMS, to="+447700900123", body="unrelated")
        # … and the claim was committed before the send, so every other worker sees it taken.
        assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SENDING
    finally:
        handler.release.set()
        thread.join(WAIT)
    assert outcome == ["sent"]
    assert handler.received == ["raj@example.org"]
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SENT
