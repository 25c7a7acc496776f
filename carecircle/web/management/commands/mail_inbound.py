"""`carecircle mail-inbound`: an SMTP listener (aiosmtpd) that takes replies to notification emails.

It accepts RCPT only for valid reply addresses at REPLY_DOMAIN (anything else gets 550 at once, so
the sending server, not us, tells the sender), refuses mail over MAIL_INBOUND_MAX_BYTES with 552,
and hands each mail to the same service as the webhook (`web.mail_inbound.mail_receive`). It binds
127.0.0.1 by default: put it behind the box's mail server (Postfix, Exim) or a relay on port 25.
SIGTERM or Ctrl-C stops it after the mail in hand.
"""

from __future__ import annotations

import hashlib
import logging
import signal
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from types import FrameType
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from carecircle.notifications.reply_mail import is_reply_domain, reply_address_read
from carecircle.web.mail_inbound import InboundMail, mail_receive

logger = logging.getLogger("carecircle.mail")

MAX_RECIPIENTS = 5


def _receive(content: bytes, recipients: tuple[str, ...], envelope_sender: str) -> str:
    close_old_connections()
    try:
        message = message_from_bytes(content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        return mail_receive(
            InboundMail(
                message=message,
                recipients=recipients,
                envelope_sender=envelope_sender,
                source="smtp",
                size=len(content),
                raw_digest=hashlib.sha256(content).hexdigest(),
            )
        )
    finally:
        close_old_connections()


class ReplyHandler:
    """aiosmtpd's handler: RCPT checks the address, DATA posts the reply."""

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if not is_reply_domain(address):
            return "550 5.7.1 This server only takes replies to CareCircle emails."
        if reply_address_read(address) is None:
            return "550 5.1.1 This reply address is not valid."
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients."
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        if isinstance(content, str):
            content = content.encode("utf-8", errors="replace")
        try:
            outcome = await sync_to_async(_receive, thread_sensitive=True)(
                content, tuple(envelope.rcpt_tos), envelope.mail_from or ""
            )
        except Exception:
            logger.exception("A reply by email could not be handled; the sender's server will try again.")
            return "451 4.3.0 Something went wrong here; please try again later."
        logger.info("Reply by email from %s: %s.", envelope.mail_from, outcome)
        return "250 2.0.0 Received."


class Command(BaseCommand):
    help = "Listen for replies to notification emails over SMTP (aiosmtpd) and post them in their conversations."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=None, help="Address to bind (default MAIL_INBOUND_HOST, 127.0.0.1).")
        parser.add_argument("--port", type=int, default=None, help="Port (default MAIL_INBOUND_PORT, 2525).")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.REPLY_DOMAIN:
            raise CommandError("Set REPLY_DOMAIN (the domain of reply addresses, e.g. reply.example.org) first.")
        host = options["host"] or settings.MAIL_INBOUND_HOST
        port = options["port"] or settings.MAIL_INBOUND_PORT
        controller = Controller(
            ReplyHandler(),
            hostname=host,
            port=port,
            server_hostname=settings.REPLY_DOMAIN,
            data_size_limit=settings.MAIL_INBOUND_MAX_BYTES,
            ident="CareCircle mail-inbound",
        )
        stopping = threading.Event()

        def stop(signum: int, frame: FrameType | None) -> None:
            stopping.set()

        # aiosmtpd logs every command of every session at INFO; its warnings are enough here.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        controller.start()
        self.stdout.write(f"Listening for replies to @{settings.REPLY_DOMAIN} on {host}:{port}.", ending="\n")
        self.stdout.flush()
        try:
            stopping.wait()
        finally:
            controller.stop()
            self.stdout.write("Stopped.")
