"""Count the referrals already there into the per-month figures (orgs/figures.py keeps them after this).

A data migration keeps its own copy of the counting rules, as migrations must not import app code;
`referral_figures_rebuild` in orgs/figures.py is the same and recounts at any time.
"""

import datetime
import math
import zoneinfo
from collections import Counter
from typing import Any

from django.db import migrations

LONDON = zoneinfo.ZoneInfo("Europe/London")
NAMES = ("life_satisfaction", "worthwhile", "happy", "anxious")


def _tenths(later: datetime.datetime, earlier: datetime.datetime) -> str:
    return f"{max(0, math.ceil((later - earlier).total_seconds() / 8640)):07d}"


def fill(apps: Any, schema_editor: Any) -> None:
    Referral = apps.get_model("orgs", "Referral")
    Measure = apps.get_model("orgs", "WellbeingMeasure")
    Figure = apps.get_model("orgs", "ReferralFigure")
    measures: dict[int, dict[str, Any]] = {}
    for measure in Measure.objects.all():
        measures.setdefault(measure.referral_id, {})[measure.stage] = measure
    totals: Counter[tuple[int, datetime.date, str, str]] = Counter()
    for referral in Referral.objects.filter(merged_into__isnull=True).order_by("pk").iterator(chunk_size=2000):
        month = referral.created_at.astimezone(LONDON).date().replace(day=1)
        found: Counter[tuple[str, str]] = Counter()
        found["received", ""] += 1
        found["state", referral.status] += 1
        found["source", referral.source] += 1
        for need in set(referral.needs or []):
            found["need", str(need)] += 1
        if referral.status == "closed" and referral.outcome:
            found["outcome", referral.outcome] += 1
        if referral.first_contact_at is not None:
            found["contact", _tenths(referral.first_contact_at, referral.created_at)] += 1
        if referral.closed_at is not None:
            found["close", _tenths(referral.closed_at, referral.created_at)] += 1
        stages = measures.get(referral.pk, {})
        start, close = stages.get("start"), stages.get("close")
        if start is not None and close is not None:
            found["wellbeing", "people"] += 1
            for name in NAMES:
                found["wellbeing", f"{name}_start"] += getattr(start, name)
                found["wellbeing", f"{name}_change"] += getattr(close, name) - getattr(start, name)
        for (kind, key), count in found.items():
            totals[referral.organisation_id, month, kind, key] += count
    Figure.objects.bulk_create(
        [
            Figure(organisation_id=organisation, month=month, kind=kind, key=key, count=count)
            for (organisation, month, kind, key), count in totals.items()
            if count
        ],
        batch_size=1000,
    )


def empty(apps: Any, schema_editor: Any) -> None:
    apps.get_model("orgs", "ReferralFigure").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("orgs", "0011_referral_figures")]

    operations = [migrations.RunPython(fill, empty)]
