"""Checking an uploaded document from its content: one place for the record's documents and referrals' attachments.

A PDF is recognised by its first bytes and kept as it is; anything else must open as a picture
with Pillow and is saved again in its own format (a PNG stays a PNG: a screenshot of a
prescription must stay sharp), which drops EXIF (location, camera) and anything hidden after the
image data. SVG, HTML and every other type are refused. The name people gave the file is kept,
with its extension set from what the content is, and without paths, control or direction
characters, or anything a shell or browser reads specially. Each caller passes its size limit.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_lazy

from carecircle.lib.pictures import NotAPicture, read_picture

# Pictures are for reading letters and forms on a phone: this keeps them sharp and small.
LARGEST_SIDE = 2400
# Each picture format kept: its content type and file extension.
PICTURE_TYPES = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
}
ALLOWED_PICTURES = set(PICTURE_TYPES)
# Room for the rest of a multipart form (title, description, boundaries) beside the file itself.
FORM_ALLOWANCE = 64 * 1024
NOT_READABLE = gettext_lazy("This file isn't a PDF or a picture we can read. Upload a PDF, JPEG, PNG, GIF or WebP.")


class UploadRefused(ValueError):
    """The upload isn't a document we keep; the message says what to do."""


@dataclass(frozen=True)
class CleanUpload:
    content: bytes
    content_type: str
    filename: str


def too_big_message(limit: int) -> str:
    megabytes = limit / (1024 * 1024)
    return gettext("This file is too big. Upload one smaller than %(megabytes)s MB.") % {
        "megabytes": number_format(megabytes, decimal_pos=0 if megabytes == int(megabytes) else 1)
    }


def announced_too_big(request: Any, *, limit: int) -> bool:
    """Whether a request announces a body far beyond the limit (the form's other fields are small)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > limit + FORM_ALLOWANCE


def safe_filename(name: str, extension: str) -> str:
    """The name people gave the file, in any language, without paths, control or direction characters,
    or anything a shell or browser would read specially; its extension says what the content is."""
    base = unicodedata.normalize("NFKC", name).rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    base = base.rsplit(".", 1)[0] if "." in base else base
    # Letters and digits of any script, spaces, "-", "_" and brackets; everything else goes.
    base = "".join(c for c in base if c.isalnum() or c in " -_()" or unicodedata.category(c) in {"Mn", "Mc"})
    base = re.sub(r"\s+", " ", base).strip(" .-_")[:80].strip() or "document"
    return f"{base}.{extension}"


def _picture(content: bytes) -> tuple[bytes, str, str]:
    try:
        upright, found = read_picture(io.BytesIO(content), formats=ALLOWED_PICTURES)
    except NotAPicture as refused:
        if refused.reason == "damaged":
            raise UploadRefused(gettext("This picture is damaged. Try saving it again, or upload a PDF.")) from None
        raise UploadRefused(str(NOT_READABLE)) from None
    upright.thumbnail((LARGEST_SIDE, LARGEST_SIDE))
    # Nothing from the original but its pixels (and which colour is transparent): no EXIF, XMP,
    # text chunks or comments, whatever the format.
    upright.info = {key: value for key, value in upright.info.items() if key == "transparency"}
    output = io.BytesIO()
    if found == "JPEG":
        upright.convert("RGB").save(output, format="JPEG", quality=85, optimize=True)
    elif found == "WEBP":
        upright.save(output, format="WEBP", quality=85)
    elif found == "GIF":
        upright.save(output, format="GIF", optimize=True)
    else:
        upright.save(output, format="PNG", optimize=True)
    content_type, extension = PICTURE_TYPES[found]
    return output.getvalue(), content_type, extension


def clean_upload(upload: Any, *, name: str, limit: int) -> CleanUpload:
    """The content to store, its type as found from the bytes, and a safe name; raises UploadRefused."""
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise UploadRefused(too_big_message(limit))
    upload.seek(0)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise UploadRefused(too_big_message(limit))
    if not content:
        raise UploadRefused(gettext("This file is empty. Choose another one."))
    if content.startswith(b"%PDF-"):
        return CleanUpload(content=content, content_type="application/pdf", filename=safe_filename(name, "pdf"))
    data, content_type, extension = _picture(content)
    return CleanUpload(content=data, content_type=content_type, filename=safe_filename(name, extension))
