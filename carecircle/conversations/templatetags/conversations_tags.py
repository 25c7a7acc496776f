"""The circle home page's "Keeping in touch" section: what's new since the member last looked, in one query."""

from __future__ import annotations

from typing import Any

from django import template

from carecircle.circles.access import CircleAccess
from carecircle.conversations.selectors import home_summary, unread_text

register = template.Library()


@register.inclusion_tag("conversations/home_summary.html", takes_context=True)
def keeping_in_touch(context: dict[str, Any]) -> dict[str, Any]:
    access: CircleAccess = context["access"]
    summary = home_summary(access=access)
    return {
        "circle": access.circle,
        "capabilities": access.capabilities,
        "summary": summary,
        "family_unread": unread_text(summary.family_unread),
        "news_unread": unread_text(summary.news_unread),
    }
