"""`{% url %}` with each address reversed once and kept in its node, under everything it depends on.

Every circle page reverses a dozen or more addresses a request (the breadcrumbs, the circle's own
navigation, the calendar's views, the record's sections), the same ones for every viewer of a circle.
Settings add this module to TEMPLATES' `builtins`, so its `url` replaces Django's in every template.
Its node is Django's `URLNode` with one change: an address whose arguments are all plain numbers or
texts is kept, in the node, under the view's name, the arguments, the current application, the
script prefix, the URLconf and the active language: everything `reverse()` reads, so a kept address
can't be another circle's, another language's or another mount point's. The kept addresses are
dropped when the URL resolver is replaced (`clear_url_caches()`, a changed `ROOT_URLCONF` in a
test). Any other argument (a model, a lazy text), and an address that doesn't reverse, goes through
Django's `reverse()` every time. Output is byte-identical (docs/architecture/serving.md, "Addresses
kept per node").
"""

from __future__ import annotations

from typing import Any

from django import template, urls
from django.template import defaulttags
from django.template.base import Parser, Token
from django.urls import NoReverseMatch, get_resolver, reverse
from django.utils import translation
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString

register = template.Library()

# At most this many addresses per node: one per circle (or task, or section) viewed lately.
_MOST_KEPT = 512
# A quoted text in a template resolves to a SafeString.
_PLAIN = (int, str, SafeString)


class KeptURLNode(defaulttags.URLNode):
    """A `URLNode` keeping each address it reversed, and its escaped form, under what reversing read."""

    def __init__(self, node: defaulttags.URLNode) -> None:
        super().__init__(node.view_name, node.args, node.kwargs, node.asvar)
        self.kept: dict[tuple[Any, ...], tuple[str, str]] = {}
        self.resolver: object = None

    def render(self, context: template.Context) -> str:
        args = tuple(arg.resolve(context) for arg in self.args)
        kwargs = tuple((name, value.resolve(context)) for name, value in self.kwargs.items())
        view_name = self.view_name.resolve(context)
        current_app = _current_app(context)
        key: tuple[Any, ...] | None = None
        if type(view_name) in _PLAIN and all(type(value) in _PLAIN for value in args + tuple(v for _, v in kwargs)):
            # Looked up on the module on each call: the web app's `ready()` puts lock-free readers there.
            urlconf = urls.get_urlconf()
            resolver = get_resolver(urlconf)
            if resolver is not self.resolver:
                self.kept = {}
                self.resolver = resolver
            # The value's type is in the key: 5 and "5" may reverse alike, but needn't.
            key = (
                view_name,
                tuple((type(value), value) for value in args),
                tuple((name, type(value), value) for name, value in kwargs),
                current_app,
                urls.get_script_prefix(),
                urlconf,
                translation.get_language(),
            )
            found = self.kept.get(key)
            if found is not None:
                return self._give(context, found)
        try:
            url = reverse(view_name, args=list(args), kwargs=dict(kwargs), current_app=current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
            url = ""
            key = None
        drawn = (url, conditional_escape(url))
        if key is not None:
            if len(self.kept) >= _MOST_KEPT:
                self.kept = {}
            self.kept[key] = drawn
        return self._give(context, drawn)

    def _give(self, context: template.Context, drawn: tuple[str, str]) -> str:
        url, escaped = drawn
        if self.asvar:
            context[self.asvar] = url
            return ""
        return escaped if context.autoescape else url


def _current_app(context: template.Context) -> str | None:
    """The namespace Django's `{% url %}` prefers: the request's `current_app`, else the resolved view's."""
    try:
        return context.request.current_app  # type: ignore[attr-defined, no-any-return]
    except AttributeError:
        pass
    try:
        return context.request.resolver_match.namespace  # type: ignore[attr-defined, no-any-return]
    except AttributeError:
        return None


@register.tag
def url(parser: Parser, token: Token) -> KeptURLNode:
    """Django's `{% url %}` syntax, with a node that keeps what it reversed."""
    return KeptURLNode(defaulttags.url(parser, token))
