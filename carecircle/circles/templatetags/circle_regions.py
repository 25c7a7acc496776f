"""`{% region "name" part… %}…{% endregion %}`: a section of a circle page rendered once and shared.

The section is kept under circles.fragments.region_key (the release, the circle and its event
sequence, the viewer's role and capability set, time zone, language and today's date there) and
the parts given, so everyone in the same position gets the same HTML without rendering it, and any
change recorded as a circle event, or any change of rights, draws it again. The section must show
nothing else: per-viewer state (an unread count, "you're going") goes in as a part. HTML holding a
CSRF token or a CSP nonce is served but never kept. Needs `access` (a CircleAccess) in the context;
with `kept_regions` (a circles.fragments.KeptRegions for that access) too, the section comes from
what the page read ahead in one round trip.
"""

from __future__ import annotations

from django import template
from django.template.base import FilterExpression, NodeList, Parser, Token

from carecircle.circles.fragments import KeptRegions, cached_region

register = template.Library()


class RegionNode(template.Node):
    def __init__(self, name: FilterExpression, parts: list[FilterExpression], nodelist: NodeList) -> None:
        self.name = name
        self.parts = parts
        self.nodelist = nodelist

    def render(self, context: template.Context) -> str:
        access = context.get("access")
        if access is None:
            return self.nodelist.render(context)
        parts = [str(part.resolve(context)) for part in self.parts]
        name = str(self.name.resolve(context))
        kept = context.get("kept_regions")
        if isinstance(kept, KeptRegions) and kept.access is access:
            return kept.region(name, parts, lambda: self.nodelist.render(context))
        return cached_region(access, name, parts, lambda: self.nodelist.render(context))


@register.tag
def region(parser: Parser, token: Token) -> RegionNode:
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError('Use {% region "name" part… %}…{% endregion %}.')
    nodelist = parser.parse(("endregion",))
    parser.delete_first_token()
    return RegionNode(parser.compile_filter(bits[1]), [parser.compile_filter(bit) for bit in bits[2:]], nodelist)


@register.filter
def get(mapping: dict[str, str], key: str) -> str:
    """A value of a dict whose keys aren't names (the home's per-viewer state: "read markers")."""
    return mapping.get(key, "")
