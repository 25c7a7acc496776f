"""Reading an uploaded picture safely: one place for what every upload of a photo needs.

Pillow reads only real pictures of the allowed formats, refuses decompression bombs (a tiny file
that unpacks to a huge image) instead of opening them, and the picture comes back turned upright
from its EXIF orientation. Callers re-encode it, which leaves every EXIF block (location, camera)
behind.
"""

from __future__ import annotations

import warnings
from collections.abc import Collection
from typing import IO

from PIL import Image, ImageOps, UnidentifiedImageError


class NotAPicture(ValueError):
    """The upload isn't a picture that may be read: `reason` is "unreadable", "format" or "damaged"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def read_picture(upload: IO[bytes], *, formats: Collection[str] | None = None) -> tuple[Image.Image, str]:
    """The picture, upright and fully loaded, with its format ("JPEG", "PNG" ...); or NotAPicture."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload) as probe:
                found = probe.format or ""
                if formats is not None and found not in formats:
                    raise NotAPicture("format")
                probe.verify()
            upload.seek(0)
            with Image.open(upload) as picture:
                picture.load()
                return ImageOps.exif_transpose(picture), found
    except NotAPicture:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning, OSError, ValueError):
        raise NotAPicture("unreadable") from None
    except SyntaxError:
        # Pillow reports some damaged files this way.
        raise NotAPicture("damaged") from None
