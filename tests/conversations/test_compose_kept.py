"""The empty message form is drawn once per process and key, then given each request's CSRF token and client id.

conversations_tags.compose_form keeps the form's HTML under the language, the form's fields as the
process words them, the page's address and the button's label; the token and the client id are put
in per request. A form with errors or a reply is drawn as before; one a reader may no longer use is
not shown at all (the view gives no form).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from carecircle.accounts.services import user_update_profile
from carecircle.circles.models import Role
from carecircle.circles.permissions import effective_consent
from carecircle.circles.services import consent_update
from carecircle.conversations import services
from carecircle.conversations.models import Message
from carecircle.conversations.templatetags import conversations_tags
from tests.cast import Cast
from tests.conversations.conftest import family_of

pytestmark = pytest.mark.django_db


def _family(cast: Cast, query: str = "") -> str:
    return reverse("conversations:family", kwargs={"circle_id": cast.circle.pk}) + query


def _news(cast: Cast) -> str:
    return reverse("conversations:news", kwargs={"circle_id": cast.circle.pk})


def _form(html: str) -> str:
    found = re.search(
        r'<form method="post" action="[^"]*" enctype="multipart/form-data" id="message-form".*?</form>', html, re.S
    )
    assert found is not None
    return found.group(0)


def _value(form: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', form)
    assert found is not None, name
    return found.group(1)


def _masked(html: str) -> str:
    html = re.sub(r'name="(csrfmiddlewaretoken|client_id)" value="[^"]*"', r'name="\1" value=""', html)
    return re.sub(r'nonce="[^"]*"', 'nonce=""', html)


def _forget_kept_forms() -> None:
    conversations_tags._compose_kept.clear()


@pytest.mark.parametrize("language", ["en-gb", "cy", "pl"])
@pytest.mark.parametrize("page", ["family", "news"])
def test_a_kept_form_is_the_form_drawn_afresh(cast: Cast, as_user: Any, language: str, page: str) -> None:
    user = cast.helper
    user_update_profile(
        actor=user, display_name=user.display_name, phone=user.phone, time_zone=user.time_zone, language=language
    )
    client = as_user(user)
    address = _family(cast) if page == "family" else _news(cast)
    _forget_kept_forms()
    drawn = client.get(address).content.decode()
    kept = client.get(address).content.decode()
    assert conversations_tags._compose_kept, "the second page was served from a kept form"
    assert _masked(kept) == _masked(drawn)
    assert _value(_form(kept), "client_id") != _value(_form(drawn), "client_id")


def test_each_reader_gets_their_own_token_and_a_new_id_that_posts(cast: Cast) -> None:
    """Posted with CSRF checks on, the kept form's token is the reader's own; each page's id posts once."""
    _forget_kept_forms()
    bodies: list[str] = []
    for user in (cast.organiser, cast.helper, cast.helper):
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        form = _form(client.get(_family(cast)).content.decode())
        body = f"From {user.pk} number {len(bodies)}"
        response = client.post(
            _family(cast),
            {
                "csrfmiddlewaretoken": _value(form, "csrfmiddlewaretoken"),
                "client_id": _value(form, "client_id"),
                "body": body,
            },
        )
        assert response.status_code == 302, response.content[:500]
        bodies.append(body)
    assert sorted(Message.objects.filter(body__in=bodies).values_list("body", flat=True)) == sorted(bodies)


def test_a_reply_and_a_form_with_errors_are_drawn_for_the_request(cast: Cast, as_user: Any) -> None:
    client = as_user(cast.helper)
    client.get(_family(cast))  # The empty form is kept.
    posted = client.post(_family(cast), {"body": "x" * 20_000, "client_id": ""})
    form = _form(posted.content.decode())
    assert "x" * 100 in form
    assert "error-message" in form
    message = services.message_post(
        actor=cast.organiser, where=family_of(cast, cast.organiser), body="Lunch at one"
    ).message
    replying = _form(client.get(_family(cast, f"?reply_to={message.pk}")).content.decode())
    assert "data-replying" in replying
    assert f'name="reply_to" value="{message.pk}"' in replying
    again = _form(client.get(_family(cast)).content.decode())
    assert "data-replying" not in again
    assert "x" * 100 not in again
    assert 'name="reply_to"' in again
    assert f'name="reply_to" value="{message.pk}"' not in again


def test_a_reader_who_loses_writing_gets_no_kept_form(cast: Cast, as_user: Any) -> None:
    current = effective_consent(cast.circle.consent or {})[Role.WELL_WISHER]
    others = [key for key in current if not key.startswith("conversations.")]
    consent_update(
        actor=cast.person,
        circle=cast.circle,
        grants={Role.WELL_WISHER: [*others, "conversations.read", "conversations.post"]},
    )
    aunt = as_user(cast.well_wisher)
    assert 'id="message-form"' in aunt.get(_family(cast)).content.decode()
    cast.circle.refresh_from_db()
    consent_update(actor=cast.person, circle=cast.circle, grants={Role.WELL_WISHER: [*others, "conversations.read"]})
    page = aunt.get(_family(cast)).content.decode()
    assert 'id="message-form"' not in page
    assert 'name="client_id"' not in page
