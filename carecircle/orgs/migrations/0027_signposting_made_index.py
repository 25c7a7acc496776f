"""Index when each signposting was made, for the reports' "Local support offered" tables.

The reports count the signpostings made in the months asked for (orgs/support_figures.py); without
this index PostgreSQL and SQLite read every signposting of the organisations' referrals, whatever
the range (docs/performance.md). Declared on the model (`Meta.indexes`), so a SQLite table rebuild
makes it again (tests/test_migration_indexes.py). Reverses by dropping it.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0026_organisation_event_seq"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="signposting",
            index=models.Index(fields=["created_at"], name="orgs_signposting_made"),
        ),
    ]
