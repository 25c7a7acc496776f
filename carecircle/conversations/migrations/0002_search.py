"""Full-text search of messages: an FTS5 table kept by triggers on SQLite, a GIN expression index on PostgreSQL."""

from __future__ import annotations

from typing import Any

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE conversations_message_fts USING fts5("
    "title, body, content='conversations_message', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER conversations_message_fts_insert AFTER INSERT ON conversations_message BEGIN "
    "INSERT INTO conversations_message_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER conversations_message_fts_delete AFTER DELETE ON conversations_message BEGIN "
    "INSERT INTO conversations_message_fts(conversations_message_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER conversations_message_fts_update AFTER UPDATE OF title, body ON conversations_message BEGIN "
    "INSERT INTO conversations_message_fts(conversations_message_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO conversations_message_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    # Messages written before this migration.
    "INSERT INTO conversations_message_fts(conversations_message_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS conversations_message_fts_update",
    "DROP TRIGGER IF EXISTS conversations_message_fts_delete",
    "DROP TRIGGER IF EXISTS conversations_message_fts_insert",
    "DROP TABLE IF EXISTS conversations_message_fts",
]
POSTGRES_FORWARD = [
    "CREATE INDEX conversations_message_search ON conversations_message "
    "USING gin (to_tsvector('simple'::regconfig, coalesce(title, '') || ' ' || body))",
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS conversations_message_search"]


def _run(schema_editor: Any, statements: dict[str, list[str]]) -> None:
    for statement in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def forward(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, {"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD})


def backward(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, {"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD})


class Migration(migrations.Migration):
    dependencies = [("conversations", "0001_models")]

    operations = [migrations.RunPython(forward, backward)]
