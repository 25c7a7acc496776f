"""`{% chart table unit %}`: a report table as its SVG bar chart and data table (orgs/charts.py)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from carecircle.orgs.charts import chart_html
from carecircle.orgs.reports import Table

register = template.Library()


@register.simple_tag
def chart(table: Table, unit: str, no_total: bool = False) -> SafeString:
    """The table's section, with its total row unless `no_total`."""
    return chart_html(table, str(unit), total=not no_total)
