"""Say whom the latest "assigned" entry of each referral gave it to: the person it is assigned to now.

Earlier reassignments are left unknown: only their text ("Assigned to …") kept the name, which may
have changed since. The report's volunteer activity counts assignments from their assignee, so
months before this change count only each referral's latest assignment. Going back leaves them.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.db.models import OuterRef, Subquery


def forwards(apps: Any, schema_editor: Any) -> None:
    referral_event = apps.get_model("orgs", "ReferralEvent")
    referral = apps.get_model("orgs", "Referral")
    latest = (
        referral_event.objects.filter(referral_id=OuterRef("referral_id"), kind="assigned")
        .order_by("-created_at", "-id")
        .values("id")[:1]
    )
    assigned_now = referral.objects.filter(pk=OuterRef("referral_id")).values("assigned_to_id")[:1]
    referral_event.objects.filter(
        kind="assigned", assignee__isnull=True, referral__assigned_to__isnull=False, pk=Subquery(latest)
    ).update(assignee_id=Subquery(assigned_now))


class Migration(migrations.Migration):
    dependencies = [("orgs", "0015_referral_event_assignee")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
