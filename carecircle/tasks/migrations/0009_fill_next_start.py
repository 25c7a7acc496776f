"""Mark tasks whose last occurrence has ended as having nothing to come.

Every other task keeps an empty next start, which the 48-hour scan works out a batch at a time
(tasks/help_soon.py); until then the scan treats it as possibly soon, so nothing is missed.
"""

import datetime

from django.db import migrations
from django.db.models.functions import Now

# The same far-off moment as carecircle.tasks.schedule.NEVER (app code is not imported here).
NEVER = datetime.datetime(9000, 1, 1, tzinfo=datetime.UTC)


def mark_ended(apps, schema_editor):
    Task = apps.get_model("tasks", "Task")
    Task.objects.filter(last_end_utc__lt=Now()).update(next_start_utc=NEVER)


def forget(apps, schema_editor):
    Task = apps.get_model("tasks", "Task")
    Task.objects.update(next_start_utc=None)


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0008_task_next_start"),
    ]

    operations = [
        migrations.RunPython(mark_ended, forget),
    ]
