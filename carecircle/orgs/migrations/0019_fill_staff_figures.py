"""Count the referrals given to each member of staff, and the follow-ups they did, per month (orgs/figures.py).

From the history already there: each "assigned" entry with its assignee counts in its month for
that person, each follow-up marked done in the month it was done for whoever did it. A data
migration keeps its own copy of the rule, as migrations must not import app code;
`staff_figures_rebuild` in orgs/figures.py is the same and recounts at any time. Going back empties
the table (0018 then drops it).
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections import Counter
from typing import Any

from django.db import migrations

LONDON = zoneinfo.ZoneInfo("Europe/London")


def fill(apps: Any, schema_editor: Any) -> None:
    event = apps.get_model("orgs", "ReferralEvent")
    follow_up = apps.get_model("orgs", "FollowUp")
    figure = apps.get_model("orgs", "StaffFigure")
    totals: Counter[tuple[int, datetime.date, str, int]] = Counter()
    given = event.objects.filter(kind="assigned", assignee__isnull=False).values_list(
        "referral__organisation_id", "assignee_id", "created_at"
    )
    done = follow_up.objects.filter(done_at__isnull=False, done_by__isnull=False).values_list(
        "referral__organisation_id", "done_by_id", "done_at"
    )
    for kind, found in (("given", given), ("done", done)):
        for organisation, user, moment in found.order_by().iterator(chunk_size=5000):
            totals[organisation, moment.astimezone(LONDON).date().replace(day=1), kind, user] += 1
    figure.objects.bulk_create(
        [
            figure(organisation_id=organisation, month=month, kind=kind, user_id=user, count=count)
            for (organisation, month, kind, user), count in sorted(totals.items())
        ],
        batch_size=1000,
    )


def empty(apps: Any, schema_editor: Any) -> None:
    apps.get_model("orgs", "StaffFigure").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("orgs", "0018_staff_figures")]

    operations = [migrations.RunPython(fill, empty)]
