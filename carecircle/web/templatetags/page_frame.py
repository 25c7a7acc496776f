"""`{% frame part… %}…{% endframe %}`: a piece of the page frame drawn once per process and language.

Every page draws the same frame around its content: the head's description and links, the inline
critical CSS, the header's navigation and the signed-in footer. Drawn anew it cost ≈ 40 translation
lookups and a dozen address reversals a page. A piece is kept, in the process, under the active
language and the parts given (whether someone is signed in, which navigation item is current), so
it must show nothing else: no CSRF token, no CSP nonce, nothing of the viewer or the request; the
tag refuses, when the template is read, a piece holding a `{% csrf_token %}` or naming `csp_nonce`,
`request` or `user` other than through its parts. Kept pieces live as long as the template, so a
new release (or, with DEBUG on, a changed template) draws them again (docs/architecture/serving.md).
"""

from __future__ import annotations

from django import template
from django.template.base import FilterExpression, NodeList, Parser, Token, VariableNode
from django.template.defaulttags import CsrfTokenNode, IfNode
from django.template.loader_tags import BlockNode
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# At most this many pieces per tag: languages, signed in or not, navigation items, with room.
_MOST_KEPT = 64
_PER_VIEWER = ("csp_nonce", "request", "user", "csrf_token", "messages")


class FrameNode(template.Node):
    # Django looks for {% block %}s through the whole parent template on every render of a page that
    # extends it; a piece holds none (refused below), so its nodes needn't be walked.
    child_nodelists = ()

    def __init__(self, parts: list[FilterExpression], nodelist: NodeList) -> None:
        self.parts = parts
        self.nodelist = nodelist
        self.kept: dict[tuple[str, ...], SafeString] = {}

    def render(self, context: template.Context) -> str:
        key = (translation.get_language() or "", *(str(part.resolve(context)) for part in self.parts))
        found = self.kept.get(key)
        if found is None:
            found = mark_safe(self.nodelist.render(context))  # noqa: S308 - rendered by the template engine, escaped there.
            if len(self.kept) >= _MOST_KEPT:
                self.kept.clear()
            self.kept[key] = found
        return found


def _names(node: template.Node) -> list[str]:
    """The variables a node reads by itself (not its children's)."""
    if isinstance(node, VariableNode):
        return [str(node.filter_expression.var)]
    if isinstance(node, IfNode):
        return [name for condition, _ in node.conditions_nodelists if condition for name in _literals(condition)]
    return []


def _literals(condition: object) -> list[str]:
    """The variables an `{% if %}` condition reads (its operators hold them as `first` and `second`)."""
    if condition is None:
        return []
    if hasattr(condition, "text"):
        return [str(condition.text)]
    return [name for side in ("first", "second") for name in _literals(getattr(condition, side, None))]


@register.tag
def frame(parser: Parser, token: Token) -> FrameNode:
    parts = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("endframe",))
    parser.delete_first_token()
    allowed = {token.contents.split()[index + 1] for index in range(len(parts))}
    if nodelist.get_nodes_by_type(CsrfTokenNode):
        raise template.TemplateSyntaxError("A {% frame %} piece is shared, so it can't hold a {% csrf_token %}.")
    if nodelist.get_nodes_by_type(BlockNode):
        raise template.TemplateSyntaxError("A {% frame %} piece is drawn once, so it can't hold a {% block %}.")
    for node in nodelist.get_nodes_by_type(template.Node):
        for name in _names(node):
            root = name.split(".", 1)[0].split("|", 1)[0].strip()
            if root in _PER_VIEWER and name not in allowed:
                raise template.TemplateSyntaxError(
                    f"A {{% frame %}} piece is shared, so it can't show {name!r}: give it as a part or draw it outside."
                )
    return FrameNode(parts, nodelist)
