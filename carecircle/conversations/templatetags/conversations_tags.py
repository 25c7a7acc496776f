"""The circle home page's "Keeping in touch" section: what's new since the member last looked, in one query."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import mark_safe

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


class CaptureNode(template.Node):
    def __init__(self, nodelist: template.NodeList, name: str) -> None:
        self.nodelist = nodelist
        self.name = name

    def render(self, context: template.Context) -> str:
        context[self.name] = mark_safe(self.nodelist.render(context))  # noqa: S308 (rendered, so escaped, here)
        return ""


@register.tag
def capture(parser: template.base.Parser, token: template.base.Token) -> CaptureNode:
    """`{% capture name %}…{% endcapture %}`: render once into `name`, to repeat in a loop without re-rendering."""
    bits = token.split_contents()
    if len(bits) != 2 or not bits[1].isidentifier():
        raise template.TemplateSyntaxError("Use {% capture name %}…{% endcapture %}.")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, bits[1])


@register.filter
def message_text(message: Message) -> str:
    """A message's words as people read them (no `**` or other markup), for a quote or a preview."""
    return plain_text(message.body_html) if message.body_html else message.body
