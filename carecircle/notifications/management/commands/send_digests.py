"""`carecircle send_digests`: queue the daily and weekly digests whose time has come (safe to run at any time)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from carecircle.lib.words import count_of
from carecircle.notifications.digest import digests_send
from carecircle.notifications.tasks import digests_schedule_ensure


class Command(BaseCommand):
    help = "Queue the digest emails whose time (08:00 on each member's clock) has come; each goes once."

    def handle(self, *args: Any, **options: Any) -> None:
        queued = digests_send()
        digests_schedule_ensure()
        self.stdout.write(f"Queued {count_of(queued, 'digest')}.")
