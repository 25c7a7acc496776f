"""Keep the reports' "sent to a local service" counts per organisation and month (orgs/figures.py).

The table, then its figures for the signpostings already there: each counts in the month (UK time)
it was made, once as "sent", under its service's id ("" when the service is gone), under its
referral's state now (and outcome once closed) and under whether they used it. A data migration
keeps its own copy of the rule, as migrations must not import app code; `signposting_figures_rebuild`
in orgs/figures.py is the same and recounts at any time. Going back drops the table.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections import Counter
from typing import Any

import django.db.models.deletion
from django.db import migrations, models

LONDON = zoneinfo.ZoneInfo("Europe/London")


def fill(apps: Any, schema_editor: Any) -> None:
    signposting = apps.get_model("orgs", "Signposting")
    figure = apps.get_model("orgs", "SignpostingFigure")
    totals: Counter[tuple[int, datetime.date, str, str]] = Counter()
    found = signposting.objects.order_by().values_list(
        "referral__organisation_id", "created_at", "service_id", "use", "referral__status", "referral__outcome"
    )
    for organisation, moment, service, use, status, outcome in found.iterator(chunk_size=5000):
        month = moment.astimezone(LONDON).date().replace(day=1)
        closed_as = outcome if status == "closed" else ""
        for kind, key in (("sent", ""), ("service", str(service or "")), ("referral", f"{status}:{closed_as}"), ("use", use)):
            totals[organisation, month, kind, key] += 1
    figure.objects.bulk_create(
        [
            figure(organisation_id=organisation, month=month, kind=kind, key=key, count=count)
            for (organisation, month, kind, key), count in sorted(totals.items())
        ],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [("orgs", "0028_signposting_use")]

    operations = [
        migrations.CreateModel(
            name="SignpostingFigure",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "month",
                    models.DateField(help_text="The first day of the month (UK time) the signpostings were made in."),
                ),
                ("kind", models.CharField(max_length=8)),
                ("key", models.CharField(blank=True, max_length=40)),
                ("count", models.BigIntegerField(default=0)),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="orgs.organisation"
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organisation", "month", "kind", "key"), name="orgs_signposting_figure_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
