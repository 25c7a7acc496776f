"""Text messages go through an adapter, so a real provider can be plugged in by configuration."""

from __future__ import annotations

import logging
import re
import uuid
from typing import Protocol

from django.conf import settings
from django.urls import reverse
from django.utils.module_loading import import_string

logger = logging.getLogger("carecircle.sms")


class SmsBackend(Protocol):
    def send(self, *, to: str, body: str) -> str:
        """Send one text message to an E.164 number; return the provider's message id."""
        ...


def redact_secrets(body: str) -> str:
    """The text with every invitation token replaced by "…", so it can be written to a log.

    Anyone who reads an invitation link can join the circle with it; logs are read by more people,
    and kept longer, than the messages themselves.
    """
    # An invitation address up to its token ("/join/" today), taken from the URLconf so it never drifts.
    prefix = reverse("circles:invitation", kwargs={"token": "_"})[:-2]
    return re.sub(re.escape(prefix) + r"[^/\s]+", prefix + "…", body)


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
