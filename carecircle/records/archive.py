"""The full export: the circle's record as JSON and CSV, with every document, streamed as one zip.

The zip is written into a small in-memory sink that is emptied after every write, so memory stays
flat however big the circle is, and the download starts at once (the browser shows its progress as
bytes arrive). Entries, versions and documents are read in chunks with a fixed number of queries.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Sum
from django.utils import timezone

from carecircle.audit.display import entry_sentence
from carecircle.audit.models import AuditEntry
from carecircle.circles import registries
from carecircle.circles.models import Circle, Membership
from carecircle.lib.spreadsheet import safe_cells
from carecircle.records.models import RecordDocument, RecordEntry, RecordVersion, RecordView, ShareLink
from carecircle.records.sections import SECTIONS

CHUNK = 500


class _Sink(io.RawIOBase):
    """A write-only, unseekable file whose bytes are taken out after each write (zipfile streams into it)."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._chunks.append(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def take(self) -> bytes:
        out = b"".join(self._chunks)
        self._chunks.clear()
        return out


def _csv_line(values: list[Any]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(safe_cells(values))
    return buffer.getvalue().encode()


def _entry_json(entry: RecordEntry, versions: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "section": entry.section,
        "audience": entry.audience,
        "values": entry.data,
        "version": entry.version,
        "created_at": entry.created_at.isoformat(),
        "updated_at": entry.updated_at.isoformat(),
        "updated_by": entry.updated_by_name,
        "deleted_at": entry.deleted_at.isoformat() if entry.deleted_at else None,
        "versions": versions,
    }


def _record_json(circle: Circle) -> Iterator[bytes]:
    """The record as JSON, written piece by piece: entries with their versions, read in chunks."""
    yield (
        json.dumps({"person_name": circle.person_name, "exported_at": timezone.now().isoformat()})[:-1].encode()
        + b', "entries": ['
    )
    versions = RecordVersion.objects.filter(entry__circle=circle).order_by("entry_id", "number").iterator(CHUNK)
    pending = next(versions, None)
    first = True
    for entry in RecordEntry.objects.filter(circle=circle).order_by("id").iterator(CHUNK):
        history: list[dict[str, Any]] = []
        while pending is not None and pending.entry_id <= entry.pk:
            if pending.entry_id == entry.pk:
                history.append(
                    {
                        "number": pending.number,
                        "change": pending.change,
                        "by": pending.author_name,
                        "at": pending.created_at.isoformat(),
                        "values": pending.data,
                        "audience": pending.audience,
                    }
                )
            pending = next(versions, None)
        yield (b"" if first else b",") + json.dumps(_entry_json(entry, history)).encode()
        first = False
    yield b"]}"


def _section_csv(circle: Circle, key: str) -> Iterator[bytes]:
    section = next(s for s in SECTIONS if s.key == key)
    names = [field.name for field in section.fields]
    yield _csv_line(["id", *names, "audience", "updated_at", "updated_by"])
    entries = RecordEntry.objects.filter(circle=circle, section=key, deleted_at__isnull=True).order_by("id")
    for entry in entries.iterator(CHUNK):
        row = [entry.pk, *[entry.data.get(name, "") for name in names]]
        yield _csv_line([*row, entry.audience, entry.updated_at.isoformat(), entry.updated_by_name])


def _members_csv(circle: Circle) -> Iterator[bytes]:
    yield _csv_line(["name", "email", "role", "relationship", "joined_at"])
    members = Membership.objects.filter(circle=circle).select_related("user").order_by("id")
    for member in members.iterator(CHUNK):
        yield _csv_line(
            [
                member.user.display_name,
                member.user.email,
                member.role,
                member.relationship,
                member.joined_at.isoformat(),
            ]
        )


def _views_csv(circle: Circle) -> Iterator[bytes]:
    yield _csv_line(["when", "who", "kind", "what"])
    for view in RecordView.objects.filter(circle=circle).order_by("id").iterator(CHUNK):
        yield _csv_line([view.created_at.isoformat(), view.viewer_name, view.viewer_kind, view.what])


def _shares_csv(circle: Circle) -> Iterator[bytes]:
    yield _csv_line(["recipient", "sections", "created_by", "created_at", "expires_at", "revoked_at"])
    for link in ShareLink.objects.filter(circle=circle).order_by("id").iterator(CHUNK):
        yield _csv_line(
            [
                link.recipient,
                " ".join(link.sections),
                link.created_by_name,
                link.created_at.isoformat(),
                link.expires_at.isoformat(),
                link.revoked_at.isoformat() if link.revoked_at else "",
            ]
        )


def _activity_csv(circle: Circle) -> Iterator[bytes]:
    yield _csv_line(["when", "what"])
    for entry in AuditEntry.objects.filter(circle=circle).order_by("id").iterator(CHUNK):
        yield _csv_line([entry.created_at.isoformat(), entry_sentence(entry)])


@dataclass(frozen=True)
class ExportSize:
    entries: int
    documents: int
    approximate_bytes: int


# An upper bound: an entry with three versions of everyday text is under 1 KB of JSON and CSV before
# compression (the zip compresses it a lot). Documents are already compressed and dominate the size.
BYTES_PER_ENTRY = 1024


def export_size(circle: Circle) -> ExportSize:
    """Two queries: about how big the zip will be at most, so people can follow the download bar."""
    entries = RecordEntry.objects.filter(circle=circle).count()
    documents = RecordDocument.objects.filter(entry__circle=circle, entry__deleted_at__isnull=True).aggregate(
        count=Count("id"), size=Sum("size")
    )
    return ExportSize(
        entries=entries,
        documents=documents["count"],
        approximate_bytes=entries * BYTES_PER_ENTRY + (documents["size"] or 0),
    )


def export_stream(circle: Circle) -> Iterator[bytes]:
    """The zip, chunk by chunk."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        members: list[tuple[str, Iterator[bytes]]] = [
            ("record.json", _record_json(circle)),
            *[(f"csv/{section.key}.csv", _section_csv(circle, section.key)) for section in SECTIONS],
            ("csv/people.csv", _members_csv(circle)),
            ("csv/who-looked.csv", _views_csv(circle)),
            ("csv/share-links.csv", _shares_csv(circle)),
            ("csv/activity.csv", _activity_csv(circle)),
            *[(name, iter(part(circle))) for name, part in registries.EXPORT_PARTS],
        ]
        for name, pieces in members:
            with archive.open(name, "w", force_zip64=True) as member:
                for piece in pieces:
                    member.write(piece)
                    if sink.tell():
                        yield sink.take()
            yield sink.take()
        documents = RecordDocument.objects.filter(entry__circle=circle, entry__deleted_at__isnull=True).order_by("id")
        for document in documents.iterator(CHUNK):
            try:
                handle = document.file.open("rb")
            except FileNotFoundError:
                continue
            with handle, archive.open(f"documents/{document.entry_id}-{document.filename}", "w") as member:
                while block := handle.read(256 * 1024):
                    member.write(block)
                    yield sink.take()
            yield sink.take()
    yield sink.take()
