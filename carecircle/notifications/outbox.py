"""An email backend for one box: messages are kept in the local outbox, never sent."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage

from carecircle.notifications.models import Channel, OutboxMessage


class OutboxEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            OutboxMessage.objects.create(
                channel=Channel.EMAIL,
                to=", ".join(message.to),
                subject=str(message.subject),
                body=str(message.body),
            )
        return len(email_messages)
