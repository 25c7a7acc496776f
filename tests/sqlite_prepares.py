"""Which statements SQLite prepares: its authorizer is called only while it prepares one."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


@contextmanager
def statements_prepared() -> Iterator[list[int]]:
    """The authorizer's calls while the block runs (empty if nothing was prepared).

    Setting an authorizer expires every prepared statement, so the block's first run of a query is
    prepared again whatever the code does: clear the list after it.
    """
    raw = connection.connection
    compiled: list[int] = []

    def authorizer(action: int, *names: str | None) -> int:
        compiled.append(action)
        return sqlite3.SQLITE_OK

    raw.set_authorizer(authorizer)
    try:
        yield compiled
    finally:
        raw.set_authorizer(None)
