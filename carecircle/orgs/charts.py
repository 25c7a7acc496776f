"""A report table as its accessible SVG bar chart with the data table beside it, written in Python.

The same markup `orgs/_chart.html` used to give, built as one string: the template engine spent
most of a 36-month report's CPU on this (a variable lookup, a localisation and an escape per
number, a `truncatechars` that looked up its translated ellipsis for every label; see
docs/performance.md). Only what the table already holds is drawn: suppressed cells read "not shown"
with no bar, exactly as in the table, so the chart tells nothing the table doesn't.
Every text is escaped; the numbers are the page's own integers (no thousands separator, as the
template's localisation gave them with `USE_THOUSAND_SEPARATOR` off).
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext

from carecircle.orgs.reports import BAR_WIDTH, Table, hidden

LONGEST_LABEL = 28  # characters drawn beside a bar, ellipsis included (the table has the whole label)


def _label(text: str) -> str:
    """The label as drawn beside its bar: cut to 28 characters as `truncatechars` does."""
    return escape(text if len(text) <= LONGEST_LABEL else Truncator(text).chars(LONGEST_LABEL))


def chart_html(table: Table, unit: str, *, total: bool = True) -> SafeString:
    """The table's section: heading, SVG bar chart and data table (with its total unless `total` is False)."""
    # The fixed words come from the catalogue unescaped, as `{% translate %}` gave them; data is escaped.
    key, title, not_shown = escape(table.key), escape(table.title), hidden()
    height = table.height
    described = gettext("Bar chart; the same figures are in the table below.")
    total_word = gettext("Total")
    parts = [
        f'<section aria-labelledby="t-{key}">\n<h2 id="t-{key}">{title}</h2>\n'
        f'<svg role="img" aria-labelledby="t-{key} d-{key}" width="100%" height="{height}" '
        f'viewBox="0 0 640 {height}" preserveAspectRatio="none" class="chart">\n'
        f'<desc id="d-{key}">{described}</desc>\n'
    ]
    largest = table.largest
    for index, cell in enumerate(table.cells):
        # The geometry `Table.bars` gives: a row every 28 units, bars up to BAR_WIDTH for the largest shown.
        text_y = index * 28 + 17
        parts.append(f'<text x="0" y="{text_y}" font-size="13" fill="#1a1a1a">{_label(str(cell.label))}</text>')
        if cell.suppressed:
            parts.append(f'<text x="230" y="{text_y}" font-size="13" fill="#4a4a4a">{not_shown}</text>\n')
            continue
        width = round(BAR_WIDTH * cell.value / largest)
        parts.append(
            f'<rect x="230" y="{index * 28 + 4}" width="{width}" height="18" fill="#1d5a8c"></rect>'
            f'<text x="{236 + width}" y="{text_y}" font-size="13" fill="#1a1a1a">{int(cell.value)}</text>\n'
        )
    parts.append(
        f'</svg>\n<table>\n<caption class="visually-hidden">{title}</caption>\n'
        f'<thead><tr><th scope="col">{title}</th><th scope="col">{escape(unit)}</th></tr></thead>\n<tbody>'
    )
    parts.extend(f"<tr><td>{escape(str(cell.label))}</td><td>{escape(cell.shown)}</td></tr>" for cell in table.cells)
    if total:
        shown = not_shown if table.suppressed_total else str(int(table.total))
        parts.append(f'\n<tr><th scope="row">{total_word}</th><td>{shown}</td></tr>')
    parts.append("</tbody>\n</table>\n</section>\n")
    return mark_safe("".join(parts))  # noqa: S308 - data is escaped, the rest are our own words and integers
