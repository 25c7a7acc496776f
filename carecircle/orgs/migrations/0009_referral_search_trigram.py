"""Referral search on PostgreSQL: trigram indexes, so "contains" searches stop reading every referral.

The list's search is `UPPER(column) LIKE UPPER('%words%')` over the name, postcode and referrer's
name, or the referrer's reference exactly, or the number: each branch of that OR needs an index for
PostgreSQL to combine them, so each gets one on the same expression Django writes. pg_trgm ships
with PostgreSQL and is a trusted extension (13+), so the database's owner can create it. SQLite
has no such index and is left as it is (docs/architecture/organisations.md). Going back drops the
indexes and leaves the extension, which other things may use.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

TRIGRAM_COLUMNS = {
    "orgs_referral_name_trgm": "person_name",
    "orgs_referral_postcode_trgm": "person_postcode",
    "orgs_referral_referrer_trgm": "referrer_name",
}


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in TRIGRAM_COLUMNS.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON orgs_referral USING gin (UPPER("{column}"::text) gin_trgm_ops)'
        )
    schema_editor.execute(
        'CREATE INDEX IF NOT EXISTS orgs_referral_reference_upper ON orgs_referral (UPPER("referrer_reference"::text))'
    )


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in [*TRIGRAM_COLUMNS, "orgs_referral_reference_upper"]:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("orgs", "0008_follow_ups_attachments")]

    operations = [migrations.RunPython(forwards, backwards)]
