"""`carecircle push_keys`: make the server's VAPID key pair for push notifications once, and say which is in use."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from carecircle.notifications.push import vapid_keys, vapid_subject


class Command(BaseCommand):
    help = (
        "Make the VAPID key pair push notifications are signed with, unless one is kept or VAPID_PRIVATE_KEY "
        "is set; print its public key. Safe to run at every start: an existing key is never replaced."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        keys = vapid_keys()
        where = "VAPID_PRIVATE_KEY" if keys.source == "environment" else "the database"
        self.stdout.write(f"Push notifications are signed with the key from {where}, as {vapid_subject()}.")
        self.stdout.write(f"Public key: {keys.public_key}")
