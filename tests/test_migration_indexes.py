"""No index made by hand in a migration is silently lost on SQLite.

SQLite can't alter most things in place, so Django rebuilds a table (copies its rows into a new
one) for an added or changed column, and the copy has only the indexes Django knows of. An index a
migration made with `RunSQL` or `RunPython` (orgs 0013's `COLLATE NOCASE` search indexes) is gone
after such a rebuild, with no error: the search still answers, only slowly. orgs 0017 did exactly
that and 0020 had to build them again.

This test applies every migration to a new SQLite file one at a time, lists the indexes after each,
and fails when an index a migration made by hand is missing at the end without a migration having
dropped it by name. The fix it asks for is a migration like orgs 0020 after the rebuild.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TypedDict

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Django's own operations: the indexes they make are known to Django and rebuilt with the table.
KNOWN_TO_DJANGO = {"AddIndex", "AddConstraint", "RenameIndex"}
BY_HAND = {"RunSQL", "RunPython"}


class Step(TypedDict):
    migration: str
    kinds: list[str]
    named: list[str]
    sql: str
    indexes: list[str]


def _walk_migrations() -> list[Step]:
    """Run in a fresh process: apply every migration, noting the SQLite indexes after each."""
    import django

    django.setup()
    from django.db import connection
    from django.db.migrations import Migration, RunSQL
    from django.db.migrations.executor import MigrationExecutor

    def indexes() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex%'")
            return sorted(row[0] for row in cursor.fetchall())

    steps: list[Step] = []

    def progress(action: str, migration: Migration | None = None, fake: bool | None = False, /) -> None:
        if action != "apply_success" or migration is None:
            return
        operations = list(migration.operations)
        steps.append(
            {
                "migration": f"{migration.app_label}.{migration.name}",
                "kinds": sorted({type(operation).__name__ for operation in operations}),
                "named": sorted(
                    str(name)
                    for operation in operations
                    for name in (
                        getattr(operation, "name", None) if type(operation).__name__ == "RemoveIndex" else None,
                        getattr(getattr(operation, "index", None), "name", None),
                        getattr(getattr(operation, "constraint", None), "name", None),
                        getattr(operation, "new_name", None) if type(operation).__name__ == "RenameIndex" else None,
                    )
                    if name
                ),
                "sql": " ".join(
                    str(part)
                    for operation in operations
                    if isinstance(operation, RunSQL)
                    for part in (operation.sql if isinstance(operation.sql, list | tuple) else [operation.sql])
                ).lower(),
                "indexes": indexes(),
            }
        )

    executor = MigrationExecutor(connection, progress)
    executor.migrate(executor.loader.graph.leaf_nodes())
    return steps


def lost_indexes(steps: list[Step]) -> dict[str, str]:
    """Each index made by hand that is missing at the end, with the migration it was lost in."""
    made_by_hand: set[str] = set()
    lost: dict[str, str] = {}
    before: set[str] = set()
    for step in steps:
        now = set(step["indexes"])
        kinds = set(step["kinds"])
        if kinds & BY_HAND:
            made_by_hand |= (now - before) - set(step["named"])
        for name in (before - now) & made_by_hand:
            if f"drop index if exists {name}" in step["sql"] or f"drop index {name}" in step["sql"]:
                made_by_hand.discard(name)  # dropped on purpose, by name
            else:
                lost[name] = step["migration"]
        before = now
    return {name: where for name, where in lost.items() if name not in before}


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="PostgreSQL alters tables in place and keeps their indexes; only SQLite rebuilds them",
)
def test_no_index_made_by_hand_is_lost_by_a_table_rebuild(tmp_path: Path) -> None:
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")},
        "DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "carecircle.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'indexes.sqlite3'}",
        "CARECIRCLE_VAR_DIR": str(tmp_path),
    }
    env.pop("REDIS_URL", None)
    walked = subprocess.run(
        [sys.executable, __file__],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert walked.returncode == 0, walked.stderr
    steps: list[Step] = json.loads(walked.stdout.strip().splitlines()[-1])
    made = {name for step in steps for name in step["indexes"]}
    # The walk saw orgs 0013's indexes, so it can see the kind of loss it guards against.
    assert "orgs_referral_name_nocase" in made
    lost = lost_indexes(steps)
    assert not lost, (
        "These indexes, made by hand in a migration, were lost when SQLite rebuilt their table and "
        "nothing built them again; add a migration that does (see orgs 0020): "
        + ", ".join(f"{name} (lost in {where})" for name, where in sorted(lost.items()))
    )


def test_the_check_sees_a_rebuild_that_loses_an_index() -> None:
    steps: list[Step] = [
        {"migration": "a.0001", "kinds": ["CreateModel"], "named": [], "sql": "", "indexes": ["a_fk"]},
        {
            "migration": "a.0002",
            "kinds": ["RunSQL"],
            "named": [],
            "sql": "create index a_nocase",
            "indexes": ["a_fk", "a_nocase"],
        },
        {"migration": "a.0003", "kinds": ["AddField"], "named": [], "sql": "", "indexes": ["a_fk"]},
    ]
    assert lost_indexes(steps) == {"a_nocase": "a.0003"}
    rebuilt: list[Step] = [
        *steps,
        {"migration": "a.0004", "kinds": ["RunPython"], "named": [], "sql": "", "indexes": ["a_fk", "a_nocase"]},
    ]
    assert lost_indexes(rebuilt) == {}
    dropped: list[Step] = [
        *steps[:2],
        {
            "migration": "a.0003",
            "kinds": ["RunSQL"],
            "named": [],
            "sql": "drop index if exists a_nocase",
            "indexes": ["a_fk"],
        },
    ]
    assert lost_indexes(dropped) == {}
    removed_by_django: list[Step] = [
        steps[0],
        {"migration": "a.0002", "kinds": ["RemoveIndex"], "named": ["a_fk"], "sql": "", "indexes": []},
    ]
    assert lost_indexes(removed_by_django) == {}


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.stdout.write(json.dumps(_walk_migrations()) + "\n")
