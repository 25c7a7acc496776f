"""`carecircle delivery_status`: which delivery services every worker is holding back, and until when.

An operator's view of the shared hold of busy services (notifications/busy_services.py): a push
service, the text provider or an email provider's API that answered 429 or 503. Output is English,
like every management command's (docs/architecture/i18n.md).
"""

from __future__ import annotations

import datetime
import math
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from carecircle.notifications.models import BusyService


class Command(BaseCommand):
    help = "Show the delivery services (push services, the text provider, email) held back as busy, and until when."

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        rows = list(BusyService.objects.filter(until__gt=now).order_by("until", "service"))
        if not rows:
            self.stdout.write("No delivery service is held back.")
            return
        self.stdout.write("Delivery services held back (busy: answered 429 or 503):")
        for row in rows:
            left = math.ceil((row.until - now).total_seconds() / 60)
            until = row.until.astimezone(datetime.UTC)
            self.stdout.write(f"  {row.service}  until {until:%Y-%m-%d %H:%M:%S} UTC ({row.status}, {left} min left)")
