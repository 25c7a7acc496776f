"""The `DATABASES["default"]` setting, built from DATABASE_URL and the pool variables.

SQLite (one box) gets WAL mode, `IMMEDIATE` transactions and connections kept per thread.
PostgreSQL gets psycopg's connection pool by default: each app process holds at most
`DATABASE_POOL_SIZE` connections and a request that finds them all busy waits for one (up to
`DATABASE_POOL_TIMEOUT` seconds) instead of opening another. Without a pool, a burst of requests
opens one connection per request thread and PostgreSQL answers "too many clients" once
`max_connections` (100 by default) is reached.

Sizing: processes times `DATABASE_POOL_SIZE` + workers + administration must stay under PostgreSQL's
`max_connections`. With the default of 12 per process, 6 app processes and a worker use at most
6 x 12 + 12 = 84 of 100 (docs/architecture/serving.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dj_database_url

from carecircle.lib.env import ConfigurationError

# 12 per process: enough for the request threads of one WSGI process (serving.md) and small
# enough that several processes fit under PostgreSQL's default max_connections of 100.
DEFAULT_POOL_SIZE = 12
DEFAULT_POOL_MIN_SIZE = 2
# A request waits this long for a free connection before failing with a clear error.
DEFAULT_POOL_TIMEOUT_SECONDS = 10


def database_setting(
    url: str,
    *,
    var_dir: Path,
    pool: bool = True,
    pool_size: int = DEFAULT_POOL_SIZE,
    pool_timeout: int = DEFAULT_POOL_TIMEOUT_SECONDS,
    conn_max_age: int = 0,
) -> dict[str, Any]:
    """Django's settings for the default database at `url`; pooled on PostgreSQL unless `pool` is False.

    `conn_max_age` applies only to PostgreSQL without the pool; SQLite's connections are always kept.
    """
    database: dict[str, Any] = dict(dj_database_url.parse(url))
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
            "transaction_mode": "IMMEDIATE",
        }
        # A file (not memory) so that server processes started by tests share the test database.
        database["TEST"] = {"NAME": str(var_dir / "test.sqlite3")}
        # Kept for the life of the request thread: opening one (with the PRAGMAs above) cost more CPU
        # than the rest of a signed-in one-query page (docs/architecture/serving.md, "Connections").
        # A kept SQLite connection holds only a file handle, and between requests no transaction.
        database["CONN_MAX_AGE"] = None
        return database
    database["TEST"] = {"NAME": f"test_{database['NAME']}"}
    if pool:
        if pool_size < 1:
            raise ConfigurationError(f"DATABASE_POOL_SIZE must be at least 1, not {pool_size}.")
        # Django refuses a pool together with persistent connections: the pool keeps them.
        database["CONN_MAX_AGE"] = 0
        database["OPTIONS"] = {
            **database.get("OPTIONS", {}),
            "pool": {
                "min_size": min(DEFAULT_POOL_MIN_SIZE, pool_size),
                "max_size": pool_size,
                "timeout": pool_timeout,
            },
        }
    else:
        database["CONN_MAX_AGE"] = conn_max_age
    return database
