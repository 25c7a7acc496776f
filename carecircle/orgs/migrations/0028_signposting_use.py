"""Whether someone used a service they were sent to, and the day it was known (issue 11).

Every existing signposting starts as "not known yet" (""). Reverses by removing the columns.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0027_signposting_made_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="signposting",
            name="use",
            field=models.CharField(
                blank=True,
                choices=[("", "Not known yet"), ("used", "Used it"), ("not_used", "Didn't use it")],
                default="",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="signposting",
            name="used_on",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="signposting",
            name="use_recorded_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="signposting",
            name="use_recorded_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
