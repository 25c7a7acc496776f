"""CSV cells that are safe to open in a spreadsheet."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# A cell starting with one of these runs as a formula in Excel, LibreOffice or Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cells(values: Iterable[Any]) -> list[Any]:
    """The row with text cells that would run as formulas kept as text by a leading quote."""
    return [f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value for value in values]
