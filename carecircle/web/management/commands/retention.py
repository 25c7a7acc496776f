"""`carecircle retention`: run the daily privacy job once now (retention periods, closed circles)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from carecircle.web.jobs import privacy_maintenance


class Command(BaseCommand):
    help = "Delete what has outlived its retention period and erase closed circles whose time has come."

    def handle(self, *args: Any, **options: Any) -> None:
        result = privacy_maintenance()
        for name, count in result["retention"].items():
            self.stdout.write(f"{name}: {count} removed")
        self.stdout.write(f"closed circles erased: {result['circles_erased']}")
        self.stdout.write(f"expired sessions removed: {result['expired_sessions']}")
