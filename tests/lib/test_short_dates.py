"""Short dates ("D j M") in Polish are lower case mid-sentence; English and Welsh keep their capitals.

docs/architecture/i18n.md, "Dates": the day through lib's catalog, the month through
lib.date_words.use_lower_case_months (Django's `M` always title-cases).
"""

from __future__ import annotations

import datetime

import pytest
from django.template import Context, Template
from django.utils import timezone, translation
from django.utils.formats import date_format

FRIDAY = datetime.datetime(2026, 12, 4, 10, 30)


@pytest.mark.parametrize(
    ("language", "expected"),
    [("pl", "pt 4 gru, 10:30"), ("cy", "Gwe 4 Rhag, 10:30"), ("en-gb", "Fri 4 Dec, 10:30")],
)
def test_a_short_date_is_written_as_the_language_writes_it(language: str, expected: str) -> None:
    with translation.override(language):
        assert date_format(FRIDAY, "D j M, H:i") == expected
        assert Template('{{ day|date:"D j M, H:i" }}').render(Context({"day": FRIDAY})) == expected


def test_every_polish_day_and_month_abbreviation_is_lower_case() -> None:
    days = [FRIDAY.date() + datetime.timedelta(days=offset) for offset in range(7)]
    months = [datetime.date(2026, month, 1) for month in range(1, 13)]
    with translation.override("pl"):
        names = [date_format(day, "D") for day in days] + [date_format(month, "M") for month in months]
    assert names == [name.lower() for name in names]
    assert "niedz" in names
    assert "sty" in names


def test_a_polish_heading_can_still_start_with_a_capital() -> None:
    with translation.override("pl"):
        assert Template('{{ day|date:"D j M"|capfirst }}').render(Context({"day": FRIDAY})) == "Pt 4 gru"


def test_the_visit_logs_heading_starts_with_a_capital_in_polish() -> None:
    from types import SimpleNamespace

    from django.template.loader import render_to_string

    log = SimpleNamespace(
        arrived_at=FRIDAY,
        left_at=FRIDAY + datetime.timedelta(hours=1),
        author=SimpleNamespace(display_name="Ann"),
        outcome="ok",
        notes="",
    )
    with translation.override("pl"), timezone.override("UTC"):
        heading = render_to_string("tasks/visit_log_item.html", {"log": log}).split("<h3>")[1].split("</h3>")[0]
    assert heading.startswith("Pt 4 gru, 10:30")
