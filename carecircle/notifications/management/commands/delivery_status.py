"""`carecircle delivery_status`: which delivery services every worker is holding back, until when, and what waits.

An operator's view of the shared hold of busy services (notifications/busy_services.py): a push
service, the text provider or an email provider's API that answered 429 or 503, with how many
deliveries are held for each (and how many of them urgent) and the latest time one of them waits
until; and how many urgent deliveries went by another channel in the last day (instead.py).
Output is English, like every management command's (docs/architecture/i18n.md).
"""

from __future__ import annotations

import datetime
import math
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from carecircle.notifications.busy_services import HeldCount, deliveries_held_counts
from carecircle.notifications.models import BusyService, Delivery, DeliveryStatus


def _utc(moment: datetime.datetime) -> str:
    return f"{moment.astimezone(datetime.UTC):%Y-%m-%d %H:%M:%S} UTC"


def _held(count: HeldCount | None) -> str:
    if count is None:
        return "no delivery held"
    noun = "delivery" if count.held == 1 else "deliveries"
    return f"{count.held} {noun} held ({count.urgent} urgent) until {_utc(count.until)} at the latest"


class Command(BaseCommand):
    help = (
        "Show the delivery services (push services, the text provider, email) held back as busy, until when, "
        "and how many deliveries wait for each."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        rows = list(BusyService.objects.filter(until__gt=now).order_by("until", "service"))
        held = deliveries_held_counts(now=now)
        if not rows:
            self.stdout.write("No delivery service is held back.")
        else:
            self.stdout.write("Delivery services held back (busy: answered 429 or 503):")
        for row in rows:
            left = math.ceil((row.until - now).total_seconds() / 60)
            count = held.pop(row.service, None)
            self.stdout.write(
                f"  {row.service}  until {_utc(row.until)} ({row.status}, {left} min left); {_held(count)}"
            )
        if held:
            # A hold that ended without releasing what it held: those wait for their own time (never past an hour).
            self.stdout.write("Deliveries still held for a service no longer held back:")
            for count in held.values():
                self.stdout.write(f"  {count.service}  {_held(count)}")
        # Urgent news its service would have kept waiting, sent by the member's next channel (instead.py).
        instead = Delivery.objects.filter(
            status=DeliveryStatus.INSTEAD, sent_at__gte=now - datetime.timedelta(days=1)
        ).count()
        if instead:
            noun = "delivery" if instead == 1 else "deliveries"
            self.stdout.write(f"Urgent {noun} sent another way in the last 24 hours: {instead}")
