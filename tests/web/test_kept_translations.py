"""`{% translate "a fixed text" %}` drawn once per language (web/templatetags/kept_translations.py)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from django.template import Context, engines
from django.template.base import Node, Template
from django.template.utils import get_app_template_dirs
from django.templatetags.i18n import BlockTranslateNode, TranslateNode
from django.utils import translation
from django.utils.translation import trans_real

from carecircle.web.templatetags.kept_translations import KeptBlockTranslateNode, KeptTranslateNode

STATEMENT = {"en-gb": "Accessibility statement", "cy": "Datganiad hygyrchedd", "pl": "Deklaracja dostępności"}


def render(source: str, language: str, **context: object) -> str:
    template = engines["django"].from_string(source)
    with translation.override(language):
        return template.render(context)


def translate_nodes(source: str, kind: type[Node] = TranslateNode) -> list[Any]:
    """The nodes of `kind` in the compiled template (Django's `{% translate %}` nodes by default)."""
    template = engines["django"].from_string(source).template  # type: ignore[attr-defined]
    return list(template.nodelist.get_nodes_by_type(kind))


def test_load_i18n_gives_the_kept_tag_for_a_fixed_text_and_django_s_for_anything_else() -> None:
    nodes = translate_nodes(
        '{% load i18n %}{% translate "Accessibility statement" %}{% trans "Accessibility statement" %}'
        '{% translate "May" context "month name" %}{% translate text %}{% translate "Sign in"|upper %}'
        "{% translate 'May' context kind %}"
    )
    assert [type(node) for node in nodes] == [KeptTranslateNode] * 3 + [TranslateNode] * 3


def test_each_language_gets_its_own_text_whatever_was_drawn_first() -> None:
    template = engines["django"].from_string('{% load i18n %}{% translate "Accessibility statement" %}')
    for language in ["cy", "en-gb", "pl", "cy", "pl", "en-gb"]:
        with translation.override(language):
            assert template.render({}) == STATEMENT[language]


def test_as_a_variable_it_is_set_on_every_render() -> None:
    template = engines["django"].from_string(
        '{% load i18n %}{% translate "Accessibility statement" as label %}[{{ label }}]'
    )
    for language in ["pl", "pl", "cy"]:
        with translation.override(language):
            assert template.render({}) == f"[{STATEMENT[language]}]"


def test_a_variable_text_is_not_kept() -> None:
    source = "{% load i18n %}{% translate text %}"
    assert render(source, "cy", text="Accessibility statement") == STATEMENT["cy"]
    assert render(source, "cy", text="Sign in") != STATEMENT["cy"]


def test_escaping_on_and_off_are_kept_apart() -> None:
    [node] = translate_nodes('{% load i18n %}{% translate "Tom & Jerry" %}')
    with translation.override("en-gb"):
        assert node.render(Context({}, autoescape=False)) == "Tom & Jerry"
        assert node.render(Context({}, autoescape=True)) == "Tom & Jerry"  # Django: fixed texts are safe.
    assert isinstance(node, KeptTranslateNode)
    assert set(node.kept) == {("en-gb", False), ("en-gb", True)}


def test_kept_texts_are_dropped_when_django_loads_its_catalogues_again(monkeypatch: pytest.MonkeyPatch) -> None:
    [node] = translate_nodes('{% load i18n %}{% translate "Accessibility statement" %}')
    assert isinstance(node, KeptTranslateNode)
    with translation.override("cy"):
        assert node.render(Context({})) == STATEMENT["cy"]
        node.kept[("cy", True)] = "stale"
        assert node.render(Context({})) == "stale"  # What is kept is what is served...
        monkeypatch.setattr(trans_real, "_translations", {})
        assert node.render(Context({})) == STATEMENT["cy"]  # ...until the catalogues are loaded again.


def test_i18n_is_the_only_template_library_name_given_twice() -> None:
    """Settings silence Django's warning about a library name given twice (templates.W003) for i18n's sake."""
    warnings = [warning for warning in engines["django"].check() if warning.id == "templates.W003"]
    assert [str(warning.msg).split("'")[1] for warning in warnings] == ["i18n"]


PREPARED = {
    "en-gb": "This statement was prepared on 1 May. It was last reviewed on &lt;2 May&gt;.",
    "cy": "Paratowyd y datganiad hwn ar 1 May. Cafodd ei adolygu ddiwethaf ar &lt;2 May&gt;.",
}
PREPARED_SOURCE = (
    "{% load i18n %}{% blocktranslate trimmed with prepared=first %}\n  This statement was prepared on\n"
    "  {{ prepared }}. It was last reviewed on {{ reviewed }}.\n{% endblocktranslate %}"
)


def test_blocktranslate_is_kept_without_a_plural_or_a_variable_context() -> None:
    nodes = translate_nodes(
        "{% load i18n %}{% blocktranslate %}Hello {{ name }}{% endblocktranslate %}"
        "{% blocktrans trimmed with a=b %} Hi {{ a }} {% endblocktrans %}"
        '{% blocktranslate context "a stay\'s days" %}{{ first }} to {{ last }}{% endblocktranslate %}'
        "{% blocktranslate asvar said %}Said{% endblocktranslate %}"
        "{% blocktranslate count n=items %}One{% plural %}{{ n }} items{% endblocktranslate %}"
        "{% blocktranslate context kind %}Hello{% endblocktranslate %}",
        BlockTranslateNode,
    )
    assert [type(node) for node in nodes] == [KeptBlockTranslateNode] * 4 + [BlockTranslateNode] * 2


def test_blocktranslate_each_language_gets_its_own_text_and_the_variables_of_each_render() -> None:
    template = engines["django"].from_string(PREPARED_SOURCE)
    for language, first in [("cy", "1 May"), ("en-gb", "1 May"), ("cy", "3 May"), ("en-gb", "3 May")]:
        with translation.override(language):
            drawn = template.render({"first": first, "reviewed": "<2 May>"})
        assert drawn == PREPARED[language].replace("1 May", first)  # Escaped, as Django does.


def drawn(render: Callable[[Context], str], compiled: Template, values: dict[str, str]) -> str:
    context = Context(values)
    context.template = compiled
    try:
        return render(context)
    except Exception as error:  # A filter given a text where it wants a date fails the same both ways.
        return f"{type(error).__name__}: {error}"


def test_blocktranslate_draws_what_django_s_node_draws_for_every_template_of_the_project() -> None:
    """Every kept `{% blocktranslate %}` in the project's templates, in each language, against Django's own render."""
    backend = engines["django"]
    engine = backend.engine  # type: ignore[attr-defined]
    names = sorted(
        str(path.relative_to(directory))
        for directory in get_app_template_dirs("templates")
        if "carecircle" in str(directory)
        for path in Path(directory).rglob("*.*")
        if path.suffix in {".html", ".txt"}
    )
    kept = 0
    for name in set(names):
        compiled = engine.get_template(name)
        for node in compiled.nodelist.get_nodes_by_type(BlockTranslateNode):
            if not isinstance(node, KeptBlockTranslateNode):
                continue
            kept += 1
            for language in ["en-gb", "cy", "pl"]:
                values = {variable: f"<{variable}>" for variable in node.variables}
                with translation.override(language):
                    ours = drawn(node.render, compiled, values)
                    node.kept.clear()
                    django_s = drawn(partial(BlockTranslateNode.render, node), compiled, values)
                assert ours == django_s, (name, language)
    assert kept > 50


def test_blocktranslate_as_a_variable_is_set_on_every_render() -> None:
    template = engines["django"].from_string(
        "{% load i18n %}{% blocktranslate asvar said with who=name %}Hi {{ who }}{% endblocktranslate %}[{{ said }}]"
    )
    assert template.render({"name": "Ann"}) == "[Hi Ann]"
    assert template.render({"name": "<Bo>"}) == "[Hi &lt;Bo&gt;]"


def prepared_node() -> tuple[Template, KeptBlockTranslateNode]:
    """The compiled PREPARED_SOURCE and its one (kept) blocktranslate node."""
    compiled = engines["django"].from_string(PREPARED_SOURCE).template  # type: ignore[attr-defined]
    [node] = compiled.nodelist.get_nodes_by_type(BlockTranslateNode)
    assert isinstance(node, KeptBlockTranslateNode)
    return compiled, node


def test_blocktranslate_a_translation_that_does_not_fit_gets_django_s_source_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    compiled, node = prepared_node()
    welsh = translation.gettext

    def broken(message: str) -> str:
        return "%(somebody_else)s" if translation.get_language() == "cy" else welsh(message)

    monkeypatch.setattr(translation, "gettext", broken)
    with translation.override("cy"):
        output = drawn(node.render, compiled, {"first": "1 May", "reviewed": "2 May"})
    assert node.kept["cy"] == "%(somebody_else)s"
    assert output == "This statement was prepared on 1 May. It was last reviewed on 2 May."


def test_blocktranslate_kept_texts_are_dropped_when_django_loads_its_catalogues_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    compiled, node = prepared_node()
    context = {"first": "1 May", "reviewed": "<2 May>"}
    with translation.override("cy"):
        assert drawn(node.render, compiled, context) == PREPARED["cy"]
        node.kept["cy"] = "stale %(prepared)s"
        assert drawn(node.render, compiled, context) == "stale 1 May"  # What is kept is what is served...
        monkeypatch.setattr(trans_real, "_translations", {})
        assert drawn(node.render, compiled, context) == PREPARED["cy"]  # ...until the catalogues are loaded again.
