"""Fingerprint of what `carecircle seed-scale` writes: one md5 per table for 5 circles at a fixed moment.

For proving a change to the seeder leaves its data alone (a split into modules, a faster writer):
run it on a fresh, migrated database before and after the change and diff the two outputs. Every
table is read in full, ordered by its rows' text, so the order rows were written in does not count;
django_migrations is left out (it holds the moment each migration ran).

    DEBUG=true DATABASE_URL=postgres://…/me_checksum .venv/bin/carecircle migrate
    DEBUG=true DATABASE_URL=postgres://…/me_checksum .venv/bin/carecircle shell < bench/seed_checksum.py > before.txt
"""

from __future__ import annotations

import datetime
import sys

import time_machine
from django.db import connection

from carecircle.web.scale_seed import seed_scale

MOMENT = datetime.datetime(2026, 3, 10, 12, tzinfo=datetime.UTC)


def fingerprint() -> None:
    if connection.vendor != "postgresql":
        raise SystemExit("seed_checksum reads rows as text with PostgreSQL's md5: point DATABASE_URL at PostgreSQL.")
    with time_machine.travel(MOMENT, tick=False):
        seed_scale(circles=5)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names()):
            if table == "django_migrations":
                continue
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, chr(10) ORDER BY t::text), '')) "
                f"FROM {quote(table)} t"
            )
            count, digest = cursor.fetchone()
            if count:
                sys.stdout.write(f"{table} {count} {digest}\n")


fingerprint()
