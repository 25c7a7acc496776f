from __future__ import annotations

from carecircle.lib.spreadsheet import safe_cells


def test_formula_like_text_gets_a_leading_quote_and_everything_else_is_unchanged() -> None:
    row = ["=1+1", "+44 113", "-5", "@SUM(A1)", "\tx", "plain", "", 3, None]
    assert safe_cells(row) == ["'=1+1", "'+44 113", "'-5", "'@SUM(A1)", "'\tx", "plain", "", 3, None]
