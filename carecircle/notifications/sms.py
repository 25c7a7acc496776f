"""Text messages go through an adapter, so a real provider can be plugged in by configuration."""

from __future__ import annotations

import logging
import uuid
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_noop

from carecircle.lib.redaction import redact_secrets

logger = logging.getLogger("carecircle.sms")


# What a member reads when their number is refused: stored in English as `failing_reason` and translated
# where it is shown (failing_notice.html), like the email reasons in mail_events.REASONS. The provider's
# own words stay in the exception's message, for the delivery's last_error and the logs.
NUMBER_CANT_TAKE_TEXTS = gettext_noop("The text service said the number doesn't exist or can't receive texts.")
NUMBER_OPTED_OUT = gettext_noop("The number has asked not to receive our texts (it replied STOP).")
NUMBER_NOT_DELIVERED = gettext_noop("The phone network couldn't deliver texts to the number.")
SMS_REASONS = (NUMBER_CANT_TAKE_TEXTS, NUMBER_OPTED_OUT, NUMBER_NOT_DELIVERED)


class PermanentSmsError(Exception):
    """The provider refused the number for good (not a mobile, unknown, opted out): don't retry.

    The message is the provider's answer, for operators; `reason` is one of SMS_REASONS, for the member.
    """

    def __init__(self, message: str, *, reason: str = NUMBER_CANT_TAKE_TEXTS) -> None:
        super().__init__(message)
        self.reason = reason


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
