"""Photos shared in conversations: checked from their content, re-encoded without EXIF, with a thumbnail."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from carecircle.lib.pictures import NotAPicture, read_picture

# Big enough for a phone screen at full width; larger originals are shrunk, never stored.
LARGEST_SIDE = 1600
THUMBNAIL_SIDE = 320
QUALITY = 82
MAX_PHOTOS_PER_MESSAGE = 4


class PhotoError(ValueError):
    """A file that can't be used as a photo; the message says what to do."""


@dataclass(frozen=True)
class Photo:
    image: bytes
    thumbnail: bytes
    width: int
    height: int


def max_bytes() -> int:
    limit: int = settings.CIRCLE_PHOTO_MAX_BYTES
    return limit


def size_text(size: int) -> str:
    return _("%(megabytes)s MB") % {"megabytes": f"{size / (1024 * 1024):g}"}


def _jpeg(picture: Image.Image) -> bytes:
    output = io.BytesIO()
    # Saving without exif= writes no EXIF block, so no location, camera or time travels with it.
    picture.save(output, format="JPEG", quality=QUALITY, optimize=True)
    return output.getvalue()


def photo_reencode(upload: IO[bytes], *, size: int | None) -> Photo:
    """A JPEG (at most LARGEST_SIDE wide or tall) and a thumbnail, made from the picture's pixels only.

    Raises PhotoError for a file that isn't a picture, is too big, or would unpack to a huge image.
    """
    limit = max_bytes()
    if size is not None and size > limit:
        raise PhotoError(_("This photo is too big. Choose one smaller than %(size)s.") % {"size": size_text(limit)})
    not_a_picture = PhotoError(
        _("This file isn't a picture we can read. Choose a photo saved as JPEG, PNG, GIF or WebP.")
    )
    try:
        picture, _format = read_picture(upload)
    except NotAPicture:
        raise not_a_picture from None
    upright = picture.convert("RGB")
    full = upright.copy()
    full.thumbnail((LARGEST_SIDE, LARGEST_SIDE), Image.Resampling.LANCZOS)
    small = ImageOps.fit(upright, (THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    return Photo(image=_jpeg(full), thumbnail=_jpeg(small), width=full.width, height=full.height)
