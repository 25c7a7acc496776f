"""The circle home page's "Keeping in touch" section: what's new since the member last looked, in one query."""

from __future__ import annotations

import weakref
from typing import Any

from django import template
from django.template.base import Template
from django.template.loader import get_template
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from carecircle.circles.access import CircleAccess
from carecircle.circles.fragments import CSRF_PLACEHOLDER
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


COMPOSE_TEMPLATE = "conversations/compose_form.html"
# At most this many message forms kept per process: each circle's page address and language is one.
_MOST_COMPOSE_KEPT = 512
# Per template as loaded (a changed template, with DEBUG on, is a new one): (language, form class,
# address, next, send label, fields' labels and hints) → (HTML, the client id drawn in it).
_compose_kept: weakref.WeakKeyDictionary[Template, dict[tuple[object, ...], tuple[str, str]]] = (
    weakref.WeakKeyDictionary()
)


def _compose_key(context: template.Context) -> tuple[object, ...] | None:
    """What an empty message form's HTML depends on, or None when this form must be drawn for this request.

    A bound form (redrawn with its errors and the words typed) or a reply (the quoted message) is
    drawn every time; so is a form without a CSRF token to put in.
    """
    form = context.get("form")
    token = context.get("csrf_token")
    if form is None or form.is_bound or context.get("reply_to") or form.initial.get("reply_to"):
        return None
    if not token or str(token) == "NOTPROVIDED" or set(form.initial) != {"client_id"}:
        return None
    return (
        translation.get_language() or "",
        type(form),
        form.auto_id,
        str(context.get("page_url", "")),
        str(context.get("next_url", "")),
        str(context.get("send_label", "")),
        tuple(
            (name, str(field.label), str(field.help_text), field.required, type(field.widget), repr(field.widget.attrs))
            for name, field in form.fields.items()
        ),
    )


def _compose_drawn(drawing: Template, context: template.Context) -> str:
    # Spaceless strips its output; the file's closing newline isn't part of the form.
    return drawing.render(context).strip()


@register.simple_tag(takes_context=True)
def compose_form(context: template.Context) -> SafeString:
    """The form to write a message: an empty one drawn once per process and kept, then given this request's secrets.

    Drawing it (five fields through Django's widget templates) was a quarter of the family page's
    work. An empty form shows the same HTML to everyone with the same key (_compose_key: the
    language, the form's fields as this process words them, the page's address, the label), except
    its CSRF token, drawn as CSRF_PLACEHOLDER, and its client id (a fresh one each time it is drawn,
    so submitting one form twice posts once), which are put in for each request. A form with
    errors, a reply, or anything the key doesn't name is drawn as before.
    """
    drawing: Template = get_template(COMPOSE_TEMPLATE).template  # type: ignore[attr-defined]
    key = _compose_key(context)
    if key is None:
        return mark_safe(_compose_drawn(drawing, context))  # noqa: S308 (rendered by the template engine, escaped there)
    client_id = str(context["form"].initial["client_id"])
    kept = _compose_kept.setdefault(drawing, {})
    found = kept.get(key)
    if found is None:
        with context.push(csrf_token=CSRF_PLACEHOLDER):
            html = _compose_drawn(drawing, context)
        if html.count(client_id) != 1 or html.count(CSRF_PLACEHOLDER) != 1 or "nonce=" in html:
            # Not the shape expected (the address holds a placeholder, or a template changed): drawn as before.
            return mark_safe(_compose_drawn(drawing, context))  # noqa: S308
        if len(kept) >= _MOST_COMPOSE_KEPT:
            kept.clear()
        found = kept[key] = (html, client_id)
    html, drawn_id = found
    # Both are letters, digits and dashes: nothing to escape. The token comes last, so no id can make one.
    served = html.replace(drawn_id, client_id).replace(CSRF_PLACEHOLDER, str(context["csrf_token"]))
    return mark_safe(served)  # noqa: S308 (rendered by the template engine, escaped there)


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
