"""Count the history entries each person wrote per organisation and month: the report's "Volunteers active".

From the history already there: each entry with an actor counts in its month (UK time) for that
person, kind "active" of `StaffFigure`. A volunteer was active in a month when theirs is above
nought, which is what the report probed the history for, per volunteer and month, before. A data
migration keeps its own copy of the rule, as migrations must not import app code;
`staff_figures_rebuild` in orgs/figures.py is the same and recounts at any time. Going back removes
only the "active" rows; the other kinds stay as 0019 made them.
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
    figure = apps.get_model("orgs", "StaffFigure")
    figure.objects.filter(kind="active").delete()
    totals: Counter[tuple[int, datetime.date, int]] = Counter()
    wrote = event.objects.filter(actor__isnull=False).values_list("referral__organisation_id", "actor_id", "created_at")
    for organisation, user, moment in wrote.order_by().iterator(chunk_size=5000):
        totals[organisation, moment.astimezone(LONDON).date().replace(day=1), user] += 1
    figure.objects.bulk_create(
        [
            figure(organisation_id=organisation, month=month, kind="active", user_id=user, count=count)
            for (organisation, month, user), count in sorted(totals.items())
        ],
        batch_size=1000,
    )


def empty(apps: Any, schema_editor: Any) -> None:
    apps.get_model("orgs", "StaffFigure").objects.filter(kind="active").delete()


class Migration(migrations.Migration):
    dependencies = [("orgs", "0020_referral_search_prefix_again")]

    operations = [migrations.RunPython(fill, empty)]
