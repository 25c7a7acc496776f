"""Index the requests still waiting for an address, and only those (a partial index).

Read on every circles page of an account with a confirmed address and when an address is confirmed
(orgs/circle_links.py). Declared on the model (`Meta.indexes`), not made by hand, so a SQLite table
rebuild makes it again (tests/test_migration_indexes.py). Reverses by dropping it.
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('circles', '0003_consent_records_delete'),
        ('orgs', '0024_directory_reasons_to_codes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='circlelinkrequest',
            index=models.Index(condition=models.Q(('status', 'pending')), fields=['email'], name='orgs_link_pending_email'),
        ),
    ]
