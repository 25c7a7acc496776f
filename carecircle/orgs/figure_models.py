"""Per-month counts of what each member of staff was given and did, kept for the report (orgs/figures.py).

Kept beside models.py (which imports these) so neither module grows past a readable length.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class StaffFigure(models.Model):
    """How many referrals were given to one person on the staff in a month, or how many follow-ups they did.

    Kept per person, not per role, because the report counts whoever has the volunteer role *now*:
    someone who became a coordinator drops out of past months too, as the history would say.
    """

    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The first day of the month (UK time) it happened in.")
    # "given": referrals given to them (each "assigned" history entry); "done": follow-ups they marked done.
    kind = models.CharField(max_length=8)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "month", "kind", "user"], name="orgs_staff_figure_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.month:%Y-%m} {self.kind}:{self.user_id} = {self.count}"


class SignpostingFigure(models.Model):
    """How many of an organisation's signpostings made in a month count under (kind, key) (orgs/figures.py).

    The month is the one the person was sent in (UK time), not the one the referral arrived in. Kinds:
    "sent" (key ""), "service" (key the `DirectoryService` id, or "" once the service row is gone: the
    report reads its need categories when it is drawn, so a directory that changes them needs no
    recount), "referral" (key "status:outcome", the referral's state now, the outcome only once closed)
    and "use" (key the `ServiceUse` value, "" for not known yet).
    """

    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The first day of the month (UK time) the signpostings were made in.")
    kind = models.CharField(max_length=8)
    key = models.CharField(max_length=40, blank=True)
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "month", "kind", "key"], name="orgs_signposting_figure_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.month:%Y-%m} {self.kind}:{self.key} = {self.count}"
