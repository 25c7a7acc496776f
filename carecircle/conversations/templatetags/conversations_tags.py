"""The circle home page's "Keeping in touch" section: what's new since the member last looked, in one query."""

from __future__ import annotations

from typing import Any

from django import template

from carecircle.circles.access import CircleAccess
from carecircle.conversations.formatting import plain_text
from carecircle.conversations.models import Message
from carecircle.conversations.selectors import home_summary, unread_text

register = template.Library()


def summary_context(access: CircleAccess) -> dict[str, Any]:
    summary = home_summary(access=access)
    return {
        "circle": access.circle,
        "capabilities": access.capabilities,
        "summary": summary,
        "family_unread": unread_text(summary.family_unread),
        "news_unread": unread_text(summary.news_unread),
    }


@register.inclusion_tag("conversations/home_section_live.html", takes_context=True)
def keeping_in_touch(context: dict[str, Any]) -> dict[str, Any]:
    return summary_context(context["access"])


@register.inclusion_tag("conversations/thread_include.html", takes_context=True)
def comment_thread(context: dict[str, Any], thread: dict[str, Any]) -> dict[str, Any]:
    """A comment thread on another app's page; `thread` comes from conversations.pages.thread_context."""
    return {**thread, "csrf_token": context.get("csrf_token"), "csp_nonce": context.get("csp_nonce")}


@register.filter
def message_text(message: Message) -> str:
    """A message's words as people read them (no `**` or other markup), for a quote or a preview."""
    return plain_text(message.body_html) if message.body_html else message.body
