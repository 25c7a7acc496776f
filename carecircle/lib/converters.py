"""The `<id:…>` path converter: a database id, refused (404) when too large for a 64-bit column.

Django's `<int:…>` accepts any number of digits; a number beyond 2^63 - 1 then reaches the
database, where SQLite raises OverflowError (a 500) instead of finding nothing.
"""

from __future__ import annotations

from django.urls import register_converter
from django.urls.converters import get_converters

LARGEST_ID = 2**63 - 1


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > LARGEST_ID:
            # A ValueError tells the resolver this pattern doesn't match: 404.
            raise ValueError("Too large to be an id.")
        return number

    def to_url(self, value: int) -> str:
        return str(int(value))


def ensure_id_converter() -> None:
    """Register `<id:…>` once; each URL module that uses it calls this first."""
    if "id" not in get_converters():
        register_converter(IdConverter, "id")
