"""`carecircle sms_fake_provider`: a local stand-in for Twilio and GOV.UK Notify on 127.0.0.1.

Point CareCircle at it with TWILIO_API_BASE or NOTIFY_BASE_URL; it accepts the same credentials as
settings (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, NOTIFY_API_KEY), and lists what it was sent at
GET /messages.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from carecircle.notifications.sms_fake import FakeCredentials, FakeSmsProvider


class Command(BaseCommand):
    help = "Run a fake text-message provider on 127.0.0.1 that speaks Twilio's and GOV.UK Notify's formats."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8025, help="Port on 127.0.0.1 (default 8025).")

    def handle(self, *args: Any, **options: Any) -> None:
        credentials = FakeCredentials(
            twilio_account_sid=settings.TWILIO_ACCOUNT_SID,
            twilio_auth_token=settings.TWILIO_AUTH_TOKEN,
            notify_api_key=settings.NOTIFY_API_KEY,
        )
        provider = FakeSmsProvider(credentials, port=options["port"])
        self.stdout.write(f"Fake text-message provider on http://127.0.0.1:{options['port']} (Ctrl-C stops it).")
        try:
            provider.serve_forever()
        except KeyboardInterrupt:
            provider.stop()
