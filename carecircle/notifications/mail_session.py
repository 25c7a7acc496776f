"""One SMTP connection for a batch of emails (the worker's `deliveries_send`)."""

from __future__ import annotations

import logging
import smtplib

from django.core.mail import EmailMultiAlternatives, mailers
from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger(__name__)

# A refusal of one message, after which smtplib has reset the session: the connection still works.
SESSION_SURVIVES = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


class MailSession:
    """One connection to the mail server for a batch of emails: opened by the first, closed by `close()`.

    The worker used to open an SMTP connection per message (docs/performance.md). Each message
    still has its own outcome: a refused address leaves the session usable; any other error
    closes it and the next message opens a fresh one. A server that dropped the idle connection
    between two messages gets the message again, once, on a new connection.
    """

    def __init__(self) -> None:
        self._connection: BaseEmailBackend | None = None
        self.opened = 0

    def send(self, message: EmailMultiAlternatives) -> None:
        reused = self._connection is not None
        try:
            self._backend().send_messages([message])
        except smtplib.SMTPServerDisconnected:
            self.close()
            if not reused:
                raise
            self.send(message)  # On a fresh connection, so at most once more.
        except SESSION_SURVIVES:
            raise
        except Exception:
            self.close()
            raise

    def _backend(self) -> BaseEmailBackend:
        if self._connection is None:
            connection = mailers.default
            connection.open()
            self._connection = connection
            self.opened += 1
        return self._connection

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except Exception:
                logger.debug("Closing the mail connection failed", exc_info=True)
