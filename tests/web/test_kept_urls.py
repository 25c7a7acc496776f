"""`{% url %}` keeps each address it reversed, under all that reversing reads (web/templatetags/kept_urls.py).

The circle pages are drawn with the kept addresses (and the root template's blocks listed once,
web/templatetags/kept_blocks.py, tested in test_kept_blocks.py) and compared, byte for byte, with
the same pages drawn by Django's own `{% url %}` and `{% extends %}` (and Django's own readers of the
language, time zone, URLconf and script prefix, web/context_reads.py), for viewers with different
roles, languages and circles; the tag's own tests check a kept address is never another circle's,
another mount point's or another URLconf's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.template import engines
from django.template.defaulttags import URLNode
from django.template.loader_tags import ExtendsNode
from django.test import Client
from django.urls import NoReverseMatch, clear_url_caches, get_resolver, reverse, set_script_prefix
from django.utils import translation

from carecircle.accounts.models import User
from carecircle.accounts.services import user_update_profile
from carecircle.web import context_reads
from carecircle.web.templatetags.kept_blocks import KeptExtendsNode
from carecircle.web.templatetags.kept_urls import KeptURLNode
from tests.cast import Cast
from tests.conftest import client_for

PAGES = [
    "circles:home",
    "tasks:agenda",
    "tasks:week",
    "tasks:month",
    "tasks:needs_help",
    "conversations:family",
    "records:index",
]


def page(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return re.sub(r'(nonce|value)="[^"]*"', r'\1=""', response.content.decode())


def addresses(circle_id: int) -> list[str]:
    paths = [reverse(name, kwargs={"circle_id": circle_id}) for name in PAGES]
    return [*paths, reverse("records:section", kwargs={"circle_id": circle_id, "section": "medications"})]


def settle(user: User, language: str, time_zone: str = "") -> None:
    user_update_profile(
        actor=user,
        display_name=user.display_name,
        phone=user.phone,
        time_zone=time_zone or user.time_zone,
        language=language,
    )


def drawn_by_django(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on every `{% url %}` and `{% extends %}` is drawn by Django's own node, and the language,
    time zone, URLconf and script prefix read by Django's own functions (not web/context_reads.py's): the
    reference."""
    monkeypatch.setattr(KeptURLNode, "render", URLNode.render)
    monkeypatch.setattr(KeptExtendsNode, "render", ExtendsNode.render)
    for owner, name, _reader in context_reads.places():
        monkeypatch.setattr(owner, name, context_reads.DJANGO_S[name])
    assert not context_reads.installed()


@pytest.mark.django_db
def test_circle_pages_with_kept_addresses_and_blocks_equal_django_s_for_every_viewer_circle_and_language(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two circles, roles with different links, three languages and time zones: each page as Django's
    `{% url %}` and `{% extends %}` draw it (the root's blocks kept by web/templatetags/kept_blocks.py),
    with Django's own readers of the language, time zone, URLconf and script prefix."""
    settle(cast.helper, "cy", "America/New_York")
    settle(cast.well_wisher, "pl", "Europe/Warsaw")
    settle(cast.organiser, "en-gb", "Europe/London")
    viewers = [(cast.organiser, cast.circle), (cast.helper, cast.circle), (cast.well_wisher, cast.circle)]
    viewers += [(cast.professional, cast.circle), (cast.outsider, cast.other_circle)]
    kept: dict[tuple[int, str], str] = {}
    for _ in range(2):  # The second round is drawn from what the first kept.
        for viewer, circle in viewers:
            client = client_for(viewer)
            client.raise_request_exception = False  # A page this role may not open is a 403, left out.
            for path in addresses(circle.pk):
                response = client.get(path)
                if response.status_code == 200:
                    kept[viewer.pk, path] = page(client, path)
    assert len(kept) >= 25, "most pages are open to these viewers"
    other = f"/circles/{cast.other_circle.pk}/"
    for (viewer_id, _path), text in kept.items():
        if viewer_id != cast.outsider.pk:
            assert other not in text, "no address of another circle"
    drawn_by_django(monkeypatch)
    for (viewer_id, path), text in kept.items():
        assert text == page(client_for(User.objects.get(pk=viewer_id)), path), path


def render(source: str, **context: Any) -> str:
    return engines["django"].from_string("{% load i18n %}" + source).render(context)


def test_the_project_s_url_tag_is_the_kept_one() -> None:
    template = engines["django"].from_string("{% url 'circles:home' 1 %}").template  # type: ignore[attr-defined]
    assert [type(node) for node in template.nodelist] == [KeptURLNode]


def test_each_circle_gets_its_own_address_whichever_was_drawn_first() -> None:
    template = engines["django"].from_string("{% url 'circles:home' circle_id %}")
    for circle_id in [7, 8, 7, 9, 8, "7"]:
        assert template.render({"circle_id": circle_id}) == f"/circles/{circle_id}/"
    assert len(template.template.nodelist[0].kept) == 4  # type: ignore[attr-defined]


def test_a_script_prefix_is_followed() -> None:
    template = engines["django"].from_string("{% url 'circles:home' 7 %}")
    assert template.render({}) == "/circles/7/"
    set_script_prefix("/care/")
    try:
        assert template.render({}) == "/care/circles/7/"
    finally:
        set_script_prefix("/")
    assert template.render({}) == "/circles/7/"


def test_keyword_arguments_as_variables_and_escaping_are_django_s(monkeypatch: pytest.MonkeyPatch) -> None:
    sources = [
        "{% url 'records:section' circle_id=3 section=name %}",
        "{% url 'records:section' 3 name as there %}<{{ there }}>",
        "{% url 'records:section' 3 name %}",
        "{% autoescape off %}{% url 'records:section' 3 name %}{% endautoescape %}",
        "{% url 'records:section' 3 name %}{% autoescape off %}{% url 'records:section' 3 name %}{% endautoescape %}",
    ]
    kept = [render(source, name="a&b") for source in sources for _ in range(2)]
    assert kept[0] == "/circles/3/record/a&amp;b/"
    assert kept[6] == "/circles/3/record/a&b/", "autoescape off: the address as reversed"
    drawn_by_django(monkeypatch)
    assert kept == [render(source, name="a&b") for source in sources for _ in range(2)]


def test_an_address_that_does_not_reverse_is_never_kept() -> None:
    with pytest.raises(NoReverseMatch):
        render("{% url 'circles:home' 'not-a-number' %}")
    template = engines["django"].from_string("{% url 'circles:home' id as there %}[{{ there }}]")
    assert template.render({"id": "x"}) == "[]"
    assert template.render({"id": 4}) == "[/circles/4/]"
    assert template.render({"id": "x"}) == "[]"


def test_other_arguments_are_reversed_every_time() -> None:
    """Anything but a number or a text (a float here, a model, a lazy text) isn't kept: reverse() runs each time."""
    template = engines["django"].from_string("{% url 'circles:home' circle %}")
    node = template.template.nodelist[0]  # type: ignore[attr-defined]
    assert template.render({"circle": 12}) == "/circles/12/"
    assert len(node.kept) == 1
    assert template.render({"circle": 13.0}) == "/circles/13/"
    assert len(node.kept) == 1, "a float is not kept"


@pytest.fixture
def resolver_rebuilt_after() -> Iterator[None]:
    yield
    clear_url_caches()


def test_a_new_url_resolver_drops_the_kept_addresses(resolver_rebuilt_after: None) -> None:
    template = engines["django"].from_string("{% url 'circles:home' 5 %}")
    node = template.template.nodelist[0]  # type: ignore[attr-defined]
    assert template.render({}) == "/circles/5/"
    assert all(key[-1] == translation.get_language() for key in node.kept), "kept per language"
    old = node.resolver
    node.kept = dict.fromkeys(node.kept, ("/stale/", "/stale/"))
    assert template.render({}) == "/stale/", "drawn from what the node keeps"
    clear_url_caches()
    assert template.render({}) == "/circles/5/"
    assert node.resolver is not old
    assert node.resolver is get_resolver()
