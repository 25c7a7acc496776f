"""Template tags of the record: the circle home's summary, and reading a dict by key."""

from __future__ import annotations

from typing import Any

from django import template

from carecircle.circles.access import CircleAccess
from carecircle.records.access import member_reader
from carecircle.records.selectors import SectionCount, section_counts

register = template.Library()


@register.simple_tag
def record_summary(access: CircleAccess) -> list[SectionCount]:
    """One query: how many entries each section the viewer may read has."""
    return section_counts(member_reader(access))


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key)
