from __future__ import annotations

import io

import pytest
from PIL import Image

from carecircle.lib.pictures import NotAPicture, read_picture


def _png(size: tuple[int, int] = (6, 4)) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGBA", size, (10, 20, 30, 128)).save(buffer, "PNG")
    buffer.seek(0)
    return buffer


def test_a_real_picture_comes_back_loaded_with_its_format() -> None:
    picture, found = read_picture(_png())
    assert (picture.size, found) == ((6, 4), "PNG")


def test_a_picture_of_a_format_not_allowed_is_refused_for_its_format() -> None:
    with pytest.raises(NotAPicture) as refused:
        read_picture(_png(), formats={"JPEG"})
    assert refused.value.reason == "format"


def test_text_pretending_to_be_a_picture_is_unreadable() -> None:
    with pytest.raises(NotAPicture) as refused:
        read_picture(io.BytesIO(b"<svg onload=alert(1)></svg>"))
    assert refused.value.reason == "unreadable"


def test_a_decompression_bomb_is_refused_not_opened(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10)
    with pytest.raises(NotAPicture):
        read_picture(_png((6, 4)))
