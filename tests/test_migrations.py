"""Migrations apply from nothing, reverse to nothing, and apply again (CONVENTIONS: reversible)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ["tasks", "records", "conversations", "notifications", "realtime", "audit", "orgs", "circles", "accounts"]


def carecircle(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "carecircle"), *args]
    # A guard against a hang, not a speed budget: migrating every app from zero took over 120 s on
    # this 2-core machine at load average 16 while nothing was wrong.
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="runs on a throwaway SQLite file; the PostgreSQL run builds its schema through the same migrations",
)
def test_every_migration_reverses_and_reapplies(tmp_path: Path) -> None:
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")},
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'migrations.sqlite3'}",
        "CARECIRCLE_VAR_DIR": str(tmp_path),
    }
    env.pop("REDIS_URL", None)
    forward = carecircle("migrate", "--no-input", env=env)
    assert forward.returncode == 0, forward.stderr
    for app in APPS:
        backward = carecircle("migrate", app, "zero", "--no-input", env=env)
        assert backward.returncode == 0, f"{app} does not reverse:\n{backward.stderr}"
    again = carecircle("migrate", "--no-input", env=env)
    assert again.returncode == 0, again.stderr
    shown = carecircle("showmigrations", "--plan", env=env)
    assert "[ ]" not in shown.stdout
