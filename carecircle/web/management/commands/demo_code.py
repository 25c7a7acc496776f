"""`carecircle demo_code`: the current two-step sign-in code of the demo's nurse and organisation staff."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from carecircle.accounts.mfa import totp_code_now
from carecircle.web.demo import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Print the current authenticator-app code of the demo accounts that use two-step sign-in."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo codes are for your own computer only: run with DEBUG=true.")
        self.stdout.write("Code for professional@ and orgstaff@ (changes every 30 seconds):")
        self.stdout.write(totp_code_now(DEMO_TOTP_SECRET))
