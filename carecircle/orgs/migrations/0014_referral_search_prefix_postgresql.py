"""Referral search on PostgreSQL: pattern btree indexes, so "starts with" searches read a range.

The list's search (orgs/referral_selectors.py) matches the start of the person's name, their
postcode or the referrer's name. Django writes `istartswith` on PostgreSQL as
`UPPER("column"::text) LIKE UPPER('words%')`. A plain btree can't answer a LIKE unless the
database's collation is C (this project's databases are C.UTF-8 or en_GB.UTF-8, which PostgreSQL
does not treat as C), and the trigram indexes of migration 0009 match a prefix that every name
shares ("Person …", "Mary …") by reading most of the table. A btree with `text_pattern_ops` on the
same expression compares byte by byte, so PostgreSQL turns the prefix into a range on it. The
referrer's reference is matched exactly and already has a btree (0009). SQLite has its own
indexes (0013) and is left as it is. Going back drops the indexes.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

PREFIX_COLUMNS = {
    "orgs_referral_name_prefix": "person_name",
    "orgs_referral_postcode_prefix": "person_postcode",
    "orgs_referral_referrer_prefix": "referrer_name",
}


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in PREFIX_COLUMNS.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON orgs_referral (UPPER("{column}"::text) text_pattern_ops)'
        )


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in PREFIX_COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("orgs", "0013_referral_search_prefix")]

    operations = [migrations.RunPython(forwards, backwards)]
