"""`{% extends %}` finding the root template's `{% block %}`s once per compiled template, not per render.

Each time a page that extends `base.html` is drawn, Django's `ExtendsNode` walks every node of the
root template (the whole frame: head, header, footer, every `{% if %}` and `{% for %}` inside them)
to list its `{% block %}`s, then draws the root. The list is the same each time: a compiled
template's nodes never change after it is read. Settings add this module to TEMPLATES' `builtins`,
so its `extends` replaces Django's in every template of the project's engine. Its node is Django's
`ExtendsNode` with one change: the root's blocks are listed once and kept on the compiled root
template itself, so they live exactly as long as it (the cached loader's copy until the process
ends; with DEBUG on, templates are read anew for each page and so are their blocks). Everything
else (finding the parent, the block context, drawing) is Django's, and pages are byte-identical
(docs/architecture/serving.md, "Blocks listed once per template").
"""

from __future__ import annotations

from typing import cast

from django import template
from django.template.base import Parser, Template, TextNode, Token
from django.template.loader_tags import BLOCK_CONTEXT_KEY, BlockContext, BlockNode, ExtendsNode, do_extends

register = template.Library()

# The attribute of a compiled root template holding its blocks by name, once listed.
_KEPT = "_carecircle_root_blocks"


class KeptExtendsNode(ExtendsNode):
    """An `ExtendsNode` that lists a root template's blocks once, on that template."""

    def render(self, context: template.Context) -> str:
        parent = self.get_parent(context)
        if BLOCK_CONTEXT_KEY not in context.render_context:
            context.render_context[BLOCK_CONTEXT_KEY] = BlockContext()
        block_context = context.render_context[BLOCK_CONTEXT_KEY]
        block_context.add_blocks(self.blocks)
        # A parent whose first node (text aside) isn't another `{% extends %}` is the root: its own
        # blocks are the last to be overridden. Django lists them here on every render.
        for node in parent.nodelist:
            if isinstance(node, TextNode):
                continue
            if not isinstance(node, ExtendsNode):
                block_context.add_blocks(root_blocks(parent))
            break
        with context.render_context.push_state(parent, isolated_context=False):
            # As Django's node does: `_render`, so the parser's context stays.
            return cast(str, parent._render(context))  # type: ignore[attr-defined]


def root_blocks(parent: Template) -> dict[str, BlockNode]:
    """The template's `{% block %}`s by name, listed on first use and kept on the template."""
    blocks: dict[str, BlockNode] | None = parent.__dict__.get(_KEPT)
    if blocks is None:
        blocks = {
            node.name: node for node in parent.nodelist.get_nodes_by_type(BlockNode) if isinstance(node, BlockNode)
        }
        setattr(parent, _KEPT, blocks)
    return blocks


@register.tag
def extends(parser: Parser, token: Token) -> KeptExtendsNode:
    """Django's `{% extends %}` (same syntax, same checks), with a node that keeps the root's blocks."""
    node = do_extends(parser, token)
    return KeptExtendsNode(node.nodelist, node.parent_name, node.template_dirs)
