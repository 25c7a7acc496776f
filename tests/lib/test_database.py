"""The database setting: SQLite as before, PostgreSQL pooled unless DATABASE_POOL=false."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from carecircle.lib.database import DEFAULT_POOL_SIZE, database_setting
from carecircle.lib.env import ConfigurationError

POSTGRES_URL = "postgres://care:secret@db.example:5432/carecircle"


def test_it_pools_postgresql_connections_by_default(tmp_path: Path) -> None:
    database = database_setting(POSTGRES_URL, var_dir=tmp_path)

    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert database["OPTIONS"]["pool"] == {"min_size": 2, "max_size": DEFAULT_POOL_SIZE, "timeout": 10}
    assert database["CONN_MAX_AGE"] == 0
    assert database["TEST"] == {"NAME": "test_carecircle"}


def test_it_sizes_the_pool_and_its_wait_from_the_arguments(tmp_path: Path) -> None:
    database = database_setting(POSTGRES_URL, var_dir=tmp_path, pool_size=1, pool_timeout=3)

    assert database["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 1, "timeout": 3}


def test_it_keeps_persistent_connections_when_the_pool_is_off(tmp_path: Path) -> None:
    database = database_setting(POSTGRES_URL, var_dir=tmp_path, pool=False, conn_max_age=60)

    assert "pool" not in database.get("OPTIONS", {})
    assert database["CONN_MAX_AGE"] == 60


def test_it_refuses_an_empty_pool(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="DATABASE_POOL_SIZE must be at least 1"):
        database_setting(POSTGRES_URL, var_dir=tmp_path, pool_size=0)


def test_it_never_pools_sqlite(tmp_path: Path) -> None:
    database = database_setting(f"sqlite:///{tmp_path / 'db.sqlite3'}", var_dir=tmp_path)

    assert "pool" not in database["OPTIONS"]
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert database["TEST"] == {"NAME": str(tmp_path / "test.sqlite3")}


def _settings_pool(environment: dict[str, str]) -> str:
    """The pool the real settings module builds in a fresh interpreter with `environment`."""
    code = (
        "import django, json; from django.conf import settings; django.setup(); "
        "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {}).get('pool')))"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE", "CONN_MAX_AGE"))}
    env.update({"DJANGO_SETTINGS_MODULE": "carecircle.settings", "DATABASE_URL": POSTGRES_URL, **environment})
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return result.stdout.strip()


def test_the_settings_pool_postgresql_unless_told_not_to() -> None:
    assert _settings_pool({}) == '{"min_size": 2, "max_size": 12, "timeout": 10}'
    assert _settings_pool({"DATABASE_POOL_SIZE": "30"}) == '{"min_size": 2, "max_size": 30, "timeout": 10}'
    assert _settings_pool({"DATABASE_POOL": "false"}) == "null"


def test_it_keeps_sqlite_connections_whatever_conn_max_age_says(tmp_path: Path) -> None:
    """Opening an SQLite connection cost more than a signed-in page; a kept one holds only a file handle."""
    database = database_setting(f"sqlite:///{tmp_path / 'db.sqlite3'}", var_dir=tmp_path, conn_max_age=0)

    assert database["CONN_MAX_AGE"] is None
