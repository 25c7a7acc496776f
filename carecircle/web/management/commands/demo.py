"""`carecircle demo`: load the demo circle and accounts (idempotent), then print how to sign in."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from carecircle.web.demo import accounts_table, demo_load


class Command(BaseCommand):
    help = "Load demo data (a circle around Dad with someone in every role) and print the demo accounts."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "The demo accounts share a published password, so they load only on your own computer: "
                "run with DEBUG=true."
            )
        result = demo_load()
        if result.created:
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded ({result.created} things created)."))
        else:
            self.stdout.write("Demo data was already loaded; nothing added.")
        self.stdout.write("")
        self.stdout.write(accounts_table())
