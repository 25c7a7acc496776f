"""Template tags of the record: the circle home's summary, and reading a dict by key."""

from __future__ import annotations

import datetime
from typing import Any

from django import template

from carecircle.audit.display import when_text
from carecircle.circles.access import CircleAccess
from carecircle.records.access import Reader, member_reader
from carecircle.records.sections import Section
from carecircle.records.selectors import SectionCount, section_counts

register = template.Library()


@register.simple_tag
def record_summary(access: CircleAccess) -> list[SectionCount]:
    """One query: how many entries each section the viewer may read has."""
    return section_counts(member_reader(access))


@register.filter
def may_delete(reader: Reader, section: Section) -> bool:
    """Whether the reader may delete entries of the section (the capability map decides)."""
    return reader.can_delete(section)


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key)


@register.filter
def when(moment: datetime.datetime | None) -> str:
    """ "Tue 12 Mar, 10:30" in the viewer's time zone, with the year only when it isn't this year."""
    return when_text(moment) if moment else ""
