"""The reports' bar charts (orgs/charts.py): what the table shows, escaped, nothing a suppressed cell hides."""

from __future__ import annotations

import re

from django.utils import translation

from carecircle.orgs.charts import chart_html
from carecircle.orgs.reports import Cell, Table, _table


def test_a_suppressed_cell_has_no_bar_and_no_number_in_the_chart() -> None:
    table = _table("sources", "Who referred them", [("GP surgery", 9), ("The person themselves", 1), ("Other", 0)])
    html = str(chart_html(table, "Referrals"))
    chart, data = html.split("</svg>")
    # 9 and 1 are both hidden (1 alone could be worked out from the total of 10): no bar, no number.
    assert chart.count("<rect") == 1  # only "Other"'s empty bar
    assert ">9<" not in chart
    assert ">1<" not in chart
    assert chart.count(">not shown</text>") == 2
    assert "<td>GP surgery</td><td>not shown</td>" in data
    assert '<th scope="row">Total</th><td>10</td>' in data


def test_bars_are_sized_by_the_largest_shown_value_and_labels_cut_to_28_characters() -> None:
    long_name = "No longer listed in the directory"
    table = Table(key="needs", title="Needs", cells=[Cell("Money", 40), Cell(long_name, 20)], total=60)
    html = str(chart_html(table, "Referrals", total=False))
    assert re.findall(r'<rect x="230" y="(\d+)" width="(\d+)"', html) == [("4", "340"), ("32", "170")]
    assert ">No longer listed in the dir…</text>" in html
    assert f"<td>{long_name}</td><td>20</td>" in html  # the table keeps the whole label
    assert "Total" not in html


def test_data_is_escaped_and_the_words_are_the_readers() -> None:
    table = _table("organisations", "Referrals received, by organisation", [("<b>Helpers & Co</b>", 12)])
    with translation.override("cy"):
        html = str(chart_html(table, "Atgyfeiriadau"))
    assert "<b>" not in html
    assert "&lt;b&gt;Helpers &amp; Co&lt;/b&gt;" in html
    assert "Siart bar; mae'r un ffigurau yn y tabl isod." in html
    assert '<th scope="row">Cyfanswm</th><td>12</td>' in html
