"""Django's `i18n` template library, with `{% translate "a fixed text" %}` drawn once per language.

Settings map `{% load i18n %}` to this module (TEMPLATES' `libraries`), so every template gets it.
Every tag and filter is Django's; only `{% translate %}` (and its old name `{% trans %}`) of a
quoted text with no filter keeps what it drew, in the node, under the active language and whether
escaping is on: nothing else reaches its output (the text is fixed, and a translation neither
reads the context nor the viewer). A text given by a variable, with a filter or a variable
context, is Django's node untouched. Drawn anew, each fixed text cost a lazy string, a lookup
missing through every catalogue for English and an escape: ≈ 35 of them on a short page
(docs/architecture/serving.md, "Translations kept per node").

Kept answers are dropped when Django loads its catalogues again (a changed setting in a test, a
changed `.po` with DEBUG's autoreloader): it then replaces its dict of loaded translations, which
is what each node compares against. They live as long as the compiled template, like `{% frame %}`.

`{% blocktranslate %}` (and `{% blocktrans %}`) without `count`/`plural`, with no or a quoted
`context`, keeps only its *message*: the text with `%(name)s` for each variable, trimmed once when
the template is read (Django rebuilds and re-trims it on every render) and its translation kept per
language. The variables are read and escaped from the context on every render, as Django does, and a
translation that doesn't fit its variables goes to Django's own node (which answers the source
text). A plural, a variable context or a nested render is Django's node untouched.
"""

from __future__ import annotations

from django import template
from django.template.base import Parser, Token, Variable, render_value_in_context
from django.templatetags import i18n
from django.utils import translation
from django.utils.safestring import SafeString
from django.utils.translation import trans_real

register = template.Library()
register.tags.update(i18n.register.tags)
register.filters.update(i18n.register.filters)


class KeptTranslateNode(i18n.TranslateNode):
    """A `TranslateNode` of a fixed text, keeping its output per (language, autoescape)."""

    def __init__(self, node: i18n.TranslateNode) -> None:
        super().__init__(node.filter_expression, node.noop, node.asvar, node.message_context)
        self.kept: dict[tuple[str, bool], str] = {}
        self.catalogues: object = None

    def render(self, context: template.Context) -> str:
        loaded = trans_real._translations  # type: ignore[attr-defined]  # Django's dict of loaded catalogues.
        if loaded is not self.catalogues:
            self.kept = {}
            self.catalogues = loaded
        key = (translation.get_language() or "", bool(context.autoescape))
        value = self.kept.get(key)
        if value is None:
            drawn = super().render(context)
            value = context[self.asvar] if self.asvar else drawn
            self.kept[key] = value
        if self.asvar:
            context[self.asvar] = value
            return ""
        return value


class KeptBlockTranslateNode(i18n.BlockTranslateNode):
    """A `BlockTranslateNode` without a plural, its message built once and its translation kept per language."""

    def __init__(self, node: i18n.BlockTranslateNode) -> None:
        super().__init__(
            node.extra_context,
            node.singular,
            message_context=node.message_context,
            trimmed=node.trimmed,
            asvar=node.asvar,
            tag_name=getattr(node, "tag_name", "blocktranslate"),
        )
        # The tokens of a compiled template never change: the message and its variables are fixed.
        self.message, self.variables = self.render_token_list(self.singular)
        self.kept: dict[str, str] = {}
        self.catalogues: object = None

    def render(self, context: template.Context, nested: bool = False) -> str:
        if nested:
            return super().render(context, nested)
        loaded = trans_real._translations  # type: ignore[attr-defined]  # Django's dict of loaded catalogues.
        if loaded is not self.catalogues:
            self.kept = {}
            self.catalogues = loaded
        language = translation.get_language() or ""
        translated = self.kept.get(language)
        if translated is None:
            message_context = self.message_context.resolve(context) if self.message_context else None
            if message_context:
                translated = translation.pgettext(message_context, self.message)
            else:
                translated = translation.gettext(self.message)
            self.kept[language] = translated
        # From here as Django's node: the variables, read and escaped in this context.
        context.update({var: val.resolve(context) for var, val in self.extra_context.items()})
        default_value = context.template.engine.string_if_invalid  # type: ignore[union-attr]

        def render_value(key: str) -> str:
            if key not in context:
                return render_value_in_context(default_value % key if "%s" in default_value else default_value, context)
            return render_value_in_context(context[key], context)

        data = {name: render_value(name) for name in self.variables}
        context.pop()
        try:
            result = translated % data
        except (KeyError, ValueError):
            # A translation that doesn't fit its variables: Django's node draws the source text.
            return super().render(context)
        if self.asvar:
            context[self.asvar] = SafeString(result)
            return ""
        return result


def _fixed(expression: object) -> bool:
    """A quoted text with no filter: the same before any context."""
    var = getattr(expression, "var", None)
    literal = isinstance(var, str) or (isinstance(var, Variable) and var.literal is not None)
    return literal and not getattr(expression, "filters", True)


@register.tag("translate")
@register.tag("trans")
def do_translate(parser: Parser, token: Token) -> template.Node:
    node = i18n.do_translate(parser, token)
    if not isinstance(node, i18n.TranslateNode) or not _fixed(node.filter_expression):
        return node
    if node.message_context is not None and not _fixed(node.message_context):
        return node
    return KeptTranslateNode(node)


@register.tag("blocktranslate")
@register.tag("blocktrans")
def do_block_translate(parser: Parser, token: Token) -> template.Node:
    node = i18n.do_block_translate(parser, token)
    if not isinstance(node, i18n.BlockTranslateNode) or node.plural or node.countervar or node.counter:
        return node
    if node.message_context is not None and not _fixed(node.message_context):
        return node
    return KeptBlockTranslateNode(node)
