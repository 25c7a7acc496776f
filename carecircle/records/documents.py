"""The record's documents: the shared upload checks (lib/uploads.py) with the record's size limit.

A PDF is kept as it is; a picture is saved again without EXIF; everything else is refused; the
name people gave the file is kept safely (lib/uploads.py says how).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from carecircle.lib.uploads import CleanUpload, UploadRefused, announced_too_big, clean_upload, safe_filename

DEFAULT_LIMIT = 10 * 1024 * 1024
# The record's names for the shared ones, used across records.
DocumentRefused = UploadRefused
CleanDocument = CleanUpload
__all__ = ["CleanDocument", "DocumentRefused", "clean_document", "document_limit", "safe_filename", "upload_too_big"]


def document_limit() -> int:
    return int(getattr(settings, "RECORDS_DOCUMENT_MAX_BYTES", DEFAULT_LIMIT))


def upload_too_big(request: Any) -> bool:
    """Whether a request announces a body far beyond the document limit (the form's other fields are small)."""
    return announced_too_big(request, limit=document_limit())


def clean_document(upload: Any, *, name: str) -> CleanUpload:
    """The content to store, its type as found from the bytes, and a safe name; raises DocumentRefused."""
    return clean_upload(upload, name=name, limit=document_limit())
