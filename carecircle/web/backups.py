"""Backups and restores: the database and every uploaded file in one tar file, consistent while the app runs.

- SQLite: Python's online backup API copies a consistent snapshot page by page while others write.
- PostgreSQL: `pg_dump --format=custom` (Debian's postgresql-client) reads one snapshot; `pg_restore
  --clean --if-exists` puts it back. The client's major version must be at least the server's.
- Documents and photos (MEDIA_ROOT) are copied after the database snapshot. A file uploaded after
  the snapshot is harmless (nothing points at it); a file deleted in between is listed as missing.

The archive holds `manifest.json` (what, when, which engine, a SHA-256 of every part), `database.*`
and `media/…`. Restore checks the manifest and every hash before it changes anything.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections
from django.utils import timezone

FORMAT_VERSION = 1


class BackupError(Exception):
    """A backup or restore that can't be done; the message says why and what to do."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    engine: str
    files: int
    bytes: int


def _engine() -> str:
    engine = str(connections["default"].settings_dict["ENGINE"])
    if "sqlite" in engine:
        return "sqlite"
    if "postgresql" in engine:
        return "postgresql"
    raise BackupError(f"Backups support SQLite and PostgreSQL, not {engine}.")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def _pg_env() -> tuple[list[str], dict[str, str]]:
    database = connections["default"].settings_dict
    args = ["--host", str(database.get("HOST") or "127.0.0.1"), "--port", str(database.get("PORT") or 5432)]
    args += ["--username", str(database.get("USER") or "postgres"), "--dbname", str(database["NAME"])]
    env = dict(os.environ)
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = str(database["PASSWORD"])
    return args, env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} isn't installed. On Debian or Ubuntu: apt-get install postgresql-client")
    return found


def _dump_database(target: Path) -> Path:
    if _engine() == "sqlite":
        out = target / "database.sqlite3"
        source = sqlite3.connect(str(connections["default"].settings_dict["NAME"]))
        destination = sqlite3.connect(str(out))
        try:
            with destination:
                # One step: a consistent snapshot even while others write (WAL readers don't block writers).
                source.backup(destination, pages=-1)
        finally:
            destination.close()
            source.close()
        return out
    out = target / "database.pgdump"
    args, env = _pg_env()
    command = [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(out), *args]
    finished = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if finished.returncode != 0:
        raise BackupError(f"pg_dump failed: {finished.stderr.strip()[:500]}")
    return out


def backup_create(*, output: Path) -> BackupResult:
    """Write a backup archive to `output` (a .tar file); returns what it holds."""
    engine = _engine()
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        database = _dump_database(scratch)
        manifest: dict[str, Any] = {
            "format": FORMAT_VERSION,
            "created_at": timezone.now().isoformat(),
            "engine": engine,
            "database": {"name": database.name, "sha256": _sha256(database)},
            "media": {},
        }
        media_files = sorted(path for path in media_root.rglob("*") if path.is_file()) if media_root.exists() else []
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_suffix(output.suffix + ".partial")
        total = database.stat().st_size
        with tarfile.open(partial, "w") as archive:
            archive.add(database, arcname=database.name)
            for path in media_files:
                relative = path.relative_to(media_root).as_posix()
                try:
                    manifest["media"][relative] = _sha256(path)
                    archive.add(path, arcname=f"media/{relative}")
                    total += path.stat().st_size
                except FileNotFoundError:
                    manifest["media"].pop(relative, None)
            body = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(body)
            info.mtime = int(timezone.now().timestamp())
            archive.addfile(info, io.BytesIO(body))
        partial.replace(output)
    return BackupResult(path=output, engine=engine, files=len(manifest["media"]), bytes=total)


def _safe_members(archive: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = []
    for member in archive.getmembers():
        name = Path(member.name)
        if name.is_absolute() or ".." in name.parts or not (member.isfile() or member.isdir()):
            raise BackupError(f"The backup contains an unsafe path ({member.name}); it was not restored.")
        members.append(member)
    return members


def backup_check(*, archive_path: Path, into: Path) -> dict[str, Any]:
    """Unpack and verify a backup into a scratch folder; returns its manifest."""
    if not archive_path.is_file():
        raise BackupError(f"There's no backup at {archive_path}.")
    with tarfile.open(archive_path, "r") as archive:
        archive.extractall(into, members=_safe_members(archive), filter="data")
    manifest_path = into / "manifest.json"
    if not manifest_path.exists():
        raise BackupError("This isn't a CareCircle backup: it has no manifest.json.")
    manifest: dict[str, Any] = json.loads(manifest_path.read_text())
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"This backup's format ({manifest.get('format')}) isn't one this version can restore.")
    if manifest["engine"] != _engine():
        raise BackupError(f"This backup is of a {manifest['engine']} database, but this site uses {_engine()}.")
    if _sha256(into / manifest["database"]["name"]) != manifest["database"]["sha256"]:
        raise BackupError("The database in this backup is damaged (its checksum doesn't match).")
    for relative, digest in manifest["media"].items():
        if _sha256(into / "media" / relative) != digest:
            raise BackupError(f"The file {relative} in this backup is damaged (its checksum doesn't match).")
    return manifest


def _restore_database(source: Path) -> None:
    connections.close_all()
    if _engine() == "sqlite":
        backup = sqlite3.connect(str(source))
        live = sqlite3.connect(str(connections["default"].settings_dict["NAME"]))
        try:
            with live:
                backup.backup(live)
        finally:
            live.close()
            backup.close()
        return
    args, env = _pg_env()
    command = [
        _tool("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        *args,
        str(source),
    ]
    finished = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if finished.returncode != 0:
        raise BackupError(f"pg_restore failed: {finished.stderr.strip()[:500]}")


def backup_restore(*, archive_path: Path) -> dict[str, Any]:
    """Replace the database and MEDIA_ROOT with a verified backup. Stop the app servers and workers first."""
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        manifest = backup_check(archive_path=archive_path, into=scratch)
        _restore_database(scratch / manifest["database"]["name"])
        restored_media = scratch / "media"
        if media_root.exists():
            shutil.rmtree(media_root)
        if restored_media.exists():
            shutil.copytree(restored_media, media_root)
        else:
            media_root.mkdir(parents=True, exist_ok=True)
    return manifest
