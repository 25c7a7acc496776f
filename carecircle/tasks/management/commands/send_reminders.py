"""`carecircle send_reminders`: queue the task reminders that are due now (safe to run at any time)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from carecircle.lib.words import count_of
from carecircle.tasks.reminders import reminders_send
from carecircle.tasks.tasks import ensure_reminder_scans


class Command(BaseCommand):
    help = "Queue the reminders that are due for tasks, and make sure the worker keeps scanning every few minutes."

    def handle(self, *args: Any, **options: Any) -> None:
        queued = reminders_send()
        ensure_reminder_scans()
        self.stdout.write(f"Queued {count_of(queued, 'reminder')}.")
