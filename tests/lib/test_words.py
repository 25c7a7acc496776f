"""The a/an and plural helpers that keep sentences grammatical."""

from __future__ import annotations

import pytest

from carecircle.lib.words import article_for, count_of, joined, with_article


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("allergy", "an allergy"),
        ("medication", "a medication"),
        ("condition", "a condition"),
        ("emergency contact", "an emergency contact"),
        ("important note", "an important note"),
        ("hour", "an hour"),
        ("honest answer", "an honest answer"),
        ("house", "a house"),
        ("user", "a user"),
        ("unit of insulin", "a unit of insulin"),
        ("umbrella", "an umbrella"),
        ("one-off task", "a one-off task"),
        ("European card", "a European card"),
        ("NHS number", "an NHS number"),
        ("GP", "a GP"),
        ("MRI scan", "an MRI scan"),
        ("  document ", "a document"),
        ("Outpatient visit", "an Outpatient visit"),
    ],
)
def test_it_chooses_the_article_by_sound(word: str, expected: str) -> None:
    assert with_article(word) == expected


def test_it_falls_back_to_a_for_empty_text() -> None:
    assert article_for("") == "a"


@pytest.mark.parametrize(
    ("number", "expected"),
    [(0, "0 tasks"), (1, "1 task"), (2, "2 tasks"), (1200, "1,200 tasks")],
)
def test_it_counts_with_a_regular_plural(number: int, expected: str) -> None:
    assert count_of(number, "task") == expected


def test_it_uses_an_irregular_plural_when_given() -> None:
    assert count_of(1, "person", "people") == "1 person"
    assert count_of(4, "person", "people") == "4 people"


@pytest.mark.parametrize(
    ("names", "expected"),
    [([], ""), (["Ann"], "Ann"), (["Ann", "Bob"], "Ann and Bob"), (["Ann", "Bob", "Cy"], "Ann, Bob and Cy")],
)
def test_it_joins_names_as_they_are_said(names: list[str], expected: str) -> None:
    assert joined(names) == expected
