"""One helper for text people type (lib/text.py): NUL refused, single lines folded, limits kept."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carecircle.lib.text import TextRefused, is_single_line, multi_line, single_line

ROOT = Path(__file__).resolve().parents[2] / "carecircle"
# The only modules that look for NUL themselves: the helper, and the middleware refusing addresses.
CHECKS_NUL_ITSELF = {"lib/text.py"}


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Dad\nSmith", "Dad Smith"),
        ("Dad \r\n Smith", "Dad Smith"),
        ("\tJo\u2028Bloggs\x1b[31m ", "Jo Bloggs [31m"),
        ("  Plain name  ", "Plain name"),
    ],
)
def test_a_single_line_folds_line_breaks_and_control_characters(typed, stored):
    assert single_line(typed, limit=80) == stored


def test_nul_is_refused_in_both_kinds_of_text():
    with pytest.raises(TextRefused, match="null character from the name"):
        single_line("a\x00b", limit=80, what="name")
    with pytest.raises(TextRefused, match="null character"):
        multi_line("a\x00b", limit=80)


def test_limits_apply_after_folding():
    assert single_line("a\n" * 5, limit=9) == "a a a a a"
    with pytest.raises(TextRefused, match="at most 8 characters"):
        single_line("a\n" * 5, limit=8)


def test_multi_line_text_keeps_its_lines():
    assert multi_line(" First line\nSecond line\n", limit=100) == "First line\nSecond line"


@given(st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=60))
def test_a_single_line_never_keeps_a_control_character(text):
    assert is_single_line(single_line(text, limit=1000))


def test_no_module_keeps_its_own_copy_of_the_nul_check():
    copies = [
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.py")
        if "migrations" not in path.parts
        and str(path.relative_to(ROOT)) not in CHECKS_NUL_ITSELF
        and re.search(r'"\\x00"\s+(not\s+)?in\b', path.read_text())
    ]

    assert copies == []
