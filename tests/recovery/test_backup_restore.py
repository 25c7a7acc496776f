"""`carecircle backup` and `carecircle restore`: a round trip gives back the same data and files."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections

from carecircle.audit.models import AuditEntry
from carecircle.conversations.models import Message
from carecircle.records.models import RecordDocument
from carecircle.records.services import document_add
from carecircle.web.backups import BackupError, backup_check, backup_create, backup_restore
from carecircle.web.demo import demo_load


def snapshot() -> dict[str, Any]:
    return {
        "messages": sorted(Message.objects.values_list("id", "body")),
        "audit": AuditEntry.objects.count(),
        "documents": sorted((document.filename, document.file.read()) for document in RecordDocument.objects.all()),
    }


def round_trip(tmp_path: Path) -> None:
    circle = demo_load().dad_circle
    from carecircle.accounts.models import User

    organiser = User.objects.get(email="organiser@demo.carecircle.test")
    document_add(
        actor=organiser,
        circle=circle,
        values={"title": "Care plan"},
        content=b"%PDF-1.4 care plan",
        content_type="application/pdf",
        filename="care-plan.pdf",
    )
    before = snapshot()
    archive = tmp_path / "backup.tar"
    call_command("backup", "--output", str(archive))

    # Things go wrong: messages deleted, a document file lost.
    Message.objects.all().delete()
    for document in RecordDocument.objects.all():
        Path(document.file.path).unlink()

    call_command("restore", str(archive), "--yes")

    assert snapshot() == before


def test_a_round_trip_on_sqlite_gives_back_the_data_and_files(transactional_db, tmp_path, settings):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite round trip; the PostgreSQL one is marked postgres")
    round_trip(tmp_path)


@pytest.mark.postgres
def test_a_round_trip_on_postgresql_gives_back_the_data_and_files(transactional_db, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (CI's PostgreSQL run)")
    round_trip(tmp_path)


def test_a_backup_taken_while_people_write_is_consistent(transactional_db, tmp_path):
    """Each message and its live event are written in one transaction: a snapshot has both or neither."""
    from carecircle.accounts.models import User
    from carecircle.conversations.models import Conversation
    from carecircle.conversations.selectors import access_conversation
    from carecircle.conversations.services import message_post

    circle = demo_load().dad_circle
    organiser = User.objects.get(email="organiser@demo.carecircle.test")
    conversation = Conversation.objects.filter(circle=circle, kind="circle").first()
    assert conversation is not None
    stop = threading.Event()
    written: list[int] = []

    def writer() -> None:
        try:
            while not stop.is_set() and len(written) < 400:
                where = access_conversation(user=organiser, circle_id=circle.pk, conversation_id=conversation.pk)
                written.append(message_post(actor=organiser, where=where, body=f"note {len(written)}").message.pk)
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 20:
            stop.wait(0.01)
        result = backup_create(output=tmp_path / "live.tar")
    finally:
        stop.set()
        thread.join()
    check = tmp_path / "check"
    manifest = backup_check(archive_path=result.path, into=check)
    if manifest["engine"] == "sqlite":
        import sqlite3

        copy = sqlite3.connect(check / manifest["database"]["name"])
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        notes = "SELECT id FROM conversations_message WHERE body LIKE 'note %'"
        events = "SELECT json_extract(data, '$.message') FROM realtime_circleevent WHERE type = 'message.posted'"
        messages = {row[0] for row in copy.execute(notes)}
        announced = {row[0] for row in copy.execute(events)} & set(written)
        copy.close()
        assert len(messages) >= 20
        # A message and its live event are one transaction: the snapshot has both or neither.
        assert messages == announced


def test_a_damaged_backup_is_refused_before_anything_changes(transactional_db, tmp_path):
    demo_load()
    archive = tmp_path / "backup.tar"
    backup_create(output=archive)
    data = bytearray(archive.read_bytes())
    data[len(data) // 3] ^= 0xFF
    damaged = tmp_path / "damaged.tar"
    damaged.write_bytes(bytes(data))
    count = Message.objects.count()

    with pytest.raises(BackupError):
        backup_restore(archive_path=damaged)
    assert Message.objects.count() == count


def test_restore_asks_for_confirmation(db, tmp_path):
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(tmp_path / "x.tar"))
