"""Referral search on SQLite: case-insensitive indexes, so "starts with" searches stop reading every referral.

The list's search (orgs/referral_selectors.py) matches the start of the person's name, their
postcode or the referrer's name, or the referrer's reference exactly. Django writes those on
SQLite as `column LIKE 'words%' ESCAPE '\'`, which SQLite answers from an index only when the
index compares case-insensitively (COLLATE NOCASE); one index per column lets it combine them
(MULTI-INDEX OR). PostgreSQL already answers the same searches from the trigram indexes of
migration 0009 and is left as it is. Going back drops the indexes.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

PREFIX_COLUMNS = {
    "orgs_referral_name_nocase": "person_name",
    "orgs_referral_postcode_nocase": "person_postcode",
    "orgs_referral_referrer_nocase": "referrer_name",
    "orgs_referral_reference_nocase": "referrer_reference",
}


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    for name, column in PREFIX_COLUMNS.items():
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS {name} ON orgs_referral ("{column}" COLLATE NOCASE)')


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    for name in PREFIX_COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("orgs", "0012_fill_referral_figures")]

    operations = [migrations.RunPython(forwards, backwards)]
