"""Text messages go through an adapter, so a real provider can be plugged in by configuration."""

from __future__ import annotations

import logging
import uuid
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from carecircle.lib.redaction import redact_secrets

logger = logging.getLogger("carecircle.sms")


class PermanentSmsError(Exception):
    """The provider refused the number for good (not a mobile, unknown, opted out): don't retry."""


class SmsBackend(Protocol):
    def send(self, *, to: str, body: str) -> str:
        """Send one text message to an E.164 number; return the provider's message id."""
        ...


class OutboxSmsBackend:
    """One box: log the text message and keep it in the local outbox instead of sending it.

    The log line has invitation tokens redacted; the outbox row keeps the whole text, so the
    developer can still open the link.
    """

    def send(self, *, to: str, body: str) -> str:
        from carecircle.notifications.models import Channel, OutboxMessage

        logger.info("Text message to %s: %s", to, redact_secrets(body))
        OutboxMessage.objects.create(channel=Channel.SMS, to=to, body=body)
        return f"outbox-{uuid.uuid4()}"


def get_sms_backend() -> SmsBackend:
    backend_class = import_string(settings.SMS_BACKEND)
    backend: SmsBackend = backend_class()
    return backend
