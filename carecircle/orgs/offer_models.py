"""The private offer of support to someone whose logged help passed the threshold (orgs/support_offers.py).

Kept beside models.py (which imports it) so neither module grows past a readable length.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class SupportOffer(models.Model):
    """One person's offer: where their help passed the threshold, and whether they put it off or said no.

    One row per person, whatever the number of circles: "Don't show this again" is said once, for
    good. Nobody but the person sees it; organisations never learn who was offered.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The circle where their help passed the threshold; the offer shows on its home page only. An
    # erased circle leaves the row (SET_NULL): "Don't show this again" must outlive it.
    circle = models.ForeignKey("circles.Circle", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The circle's postcode district, from a referral linked to it, to show services near it ("" unknown).
    district = models.CharField(max_length=8, blank=True)
    # Whether the last check found them over the threshold; the offer shows only while it is.
    due = models.BooleanField(default=False)
    weeks_over = models.PositiveSmallIntegerField(default=0)
    checked_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # "Not now": hidden until this day (UK); "Don't show this again": never shown after this moment.
    later_until = models.DateField(null=True, blank=True)
    dismissed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Support offer to {self.user_id} in {self.circle_id}"
