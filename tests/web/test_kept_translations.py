"""`{% translate "a fixed text" %}` drawn once per language (web/templatetags/kept_translations.py)."""

from __future__ import annotations

import pytest
from django.template import Context, engines
from django.templatetags.i18n import TranslateNode
from django.utils import translation
from django.utils.translation import trans_real

from carecircle.web.templatetags.kept_translations import KeptTranslateNode

STATEMENT = {"en-gb": "Accessibility statement", "cy": "Datganiad hygyrchedd", "pl": "Deklaracja dostępności"}


def render(source: str, language: str, **context: object) -> str:
    template = engines["django"].from_string(source)
    with translation.override(language):
        return template.render(context)


def translate_nodes(source: str) -> list[TranslateNode]:
    template = engines["django"].from_string(source).template  # type: ignore[attr-defined]
    return list(template.nodelist.get_nodes_by_type(TranslateNode))


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
