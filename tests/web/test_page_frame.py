"""The page frame's kept pieces (`{% frame %}`): shared per language and state, never per viewer."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Engine, Template, TemplateSyntaxError
from django.urls import reverse
from django.utils import translation

from carecircle.accounts.models import User
from tests.cast import Cast
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

ENGINE = Engine(libraries={"page_frame": "carecircle.web.templatetags.page_frame"})


def frame_template(body: str) -> Template:
    return ENGINE.from_string("{% load page_frame %}" + body)


@pytest.mark.parametrize(
    "body",
    [
        "{% frame %}<form>{% csrf_token %}</form>{% endframe %}",
        '{% frame %}<style nonce="{{ csp_nonce }}">{% endframe %}',
        "{% frame %}{{ user.display_name }}{% endframe %}",
        "{% frame nav %}{% if user.is_authenticated %}in{% endif %}{% endframe %}",
        "{% frame %}{{ request.get_full_path }}{% endframe %}",
        "{% frame %}{% block title %}{% endblock %}{% endframe %}",
    ],
)
def test_a_piece_holding_anything_of_the_viewer_is_refused_when_read(body: str) -> None:
    with pytest.raises(TemplateSyntaxError):
        frame_template(body)


def test_a_piece_is_kept_per_language_and_per_part() -> None:
    template = frame_template("{% frame signed_in %}{{ word }}{% if signed_in %} in{% endif %}{% endframe %}")

    with translation.override("en"):
        assert template.render(Context({"word": "first", "signed_in": True})) == "first in"
        # Kept: the same language and parts give the first drawing, whatever else the context holds.
        assert template.render(Context({"word": "second", "signed_in": True})) == "first in"
        assert template.render(Context({"word": "third", "signed_in": False})) == "third"
    with translation.override("cy"):
        assert template.render(Context({"word": "Welsh", "signed_in": True})) == "Welsh in"


def _without_secrets(html: str) -> str:
    html = re.sub(r'nonce="[^"]*"', "", html)
    html = re.sub(r'data-reader="[^"]*"', "", html)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def test_each_visitor_gets_their_own_tokens_around_the_kept_pieces(cast: Cast) -> None:
    organiser, helper = client_for(cast.organiser), client_for(cast.helper)
    page = reverse("web:accessibility")

    first, second = organiser.get(page), helper.get(page)

    tokens = [re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', r.text) for r in (first, second)]
    nonces = [set(re.findall(r'nonce="([^"]+)"', r.text)) for r in (first, second)]
    assert tokens[0]
    assert tokens[1]
    assert tokens[0] != tokens[1]
    assert len(nonces[0]) == 1
    assert nonces[0] != nonces[1]
    # The nonce in the header is the one the policy allows, on every response.
    for response, nonce in zip((first, second), nonces, strict=True):
        assert f"'nonce-{next(iter(nonce))}'" in response["Content-Security-Policy"]
    assert _without_secrets(first.text) == _without_secrets(second.text)
    assert first.text.count('data-reader="') == 1
    assert first.text != second.text


def test_signed_in_and_signed_out_pages_each_keep_their_own_frame(cast: Cast) -> None:
    page = reverse("web:accessibility")
    signed_in = client_for(cast.helper).get(page).text
    signed_out = client_for(None).get(page).text
    again = client_for(cast.organiser).get(page).text

    assert "Sign out" in signed_in
    assert "Sign out" in again
    assert "Sign out" not in signed_out
    assert "Sign in" in signed_out
    assert 'name="next" value="/accessibility/"' in signed_out


def test_the_current_navigation_item_and_language_follow_each_page(cast: Cast) -> None:
    client = client_for(cast.helper)
    circles = client.get(reverse("circles:list")).text
    profile = client.get(reverse("accounts:profile")).text
    assert re.search(r'href="/circles/" aria-current="page"', circles)
    assert not re.search(r'href="/circles/" aria-current="page"', profile)

    User.objects.filter(pk=cast.helper.pk).update(language="cy")
    welsh = client.get(reverse("circles:list")).text
    assert 'lang="cy"' in welsh
    assert "Skip to main content" not in welsh
