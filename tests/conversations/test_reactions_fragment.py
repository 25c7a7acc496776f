"""Reacting from chat.js: the small reactions fragment, the refusal's words for the script (and the
page's message without it), and the script's own words (Django's JavaScript catalog)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import polib
from django.urls import reverse

from carecircle.conversations import services
from carecircle.conversations.models import Message
from tests.cast import Cast
from tests.circles.conftest import text_of
from tests.conversations.conftest import family_of

FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}
APP = Path(__file__).resolve().parents[2] / "carecircle" / "conversations"


def _message(cast: Cast) -> Message:
    return services.message_post(actor=cast.helper, where=family_of(cast, cast.helper), body="Dad slept well").message


def _url(name: str, message: Message) -> str:
    return reverse(
        f"conversations:{name}",
        kwargs={
            "circle_id": message.conversation.circle_id,
            "conversation_id": message.conversation_id,
            "message_id": message.pk,
        },
    )


def test_the_fragment_is_the_reaction_form_and_its_rules_only(cast: Cast, as_user: Any) -> None:
    message = _message(cast)
    response = as_user(cast.organiser).get(_url("message_reactions", message))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("<form") == 1
    assert "data-react" in body
    assert "<html" not in body
    assert len(response.content) < 3_000
    assert response["Cache-Control"] == "private, no-store"


def test_the_fragment_of_a_removed_message_is_404(cast: Cast, as_user: Any) -> None:
    message = _message(cast)
    services.message_remove(actor=cast.helper, where=family_of(cast, cast.helper), message=message)
    assert as_user(cast.organiser).get(_url("message_reactions", message)).status_code == 404


def test_a_refused_reaction_tells_the_script_why_and_the_page_without_it(cast: Cast, as_user: Any) -> None:
    message = _message(cast)
    services.message_remove(actor=cast.helper, where=family_of(cast, cast.helper), message=message)
    client = as_user(cast.organiser)
    refused = client.post(_url("react", message), {"reaction": "hug:1"}, **FETCH)
    assert refused.status_code == 409
    assert refused["Content-Type"].startswith("text/plain")
    assert refused.content.decode() == "This message was removed, so it can't take reactions."

    # Without JavaScript the form posts, comes back to the conversation, and the reason shows there.
    page = client.post(_url("react", message), {"reaction": "hug:1"}, follow=True)
    assert page.redirect_chain[0][1] == 302
    assert "This message was removed, so it can't take reactions." in text_of(page)


def test_bad_reactions_are_400_with_or_without_the_script(cast: Cast, as_user: Any) -> None:
    message = _message(cast)
    client = as_user(cast.organiser)
    for data in ({"reaction": "confetti:1"}, {"reaction": "hug:7"}, {"reaction": ""}, {}):
        for extra in ({}, FETCH):
            response = client.post(_url("react", message), data, **extra)
            assert response.status_code == 400, (data, extra)
            assert response["Content-Type"].startswith("text/plain")


def test_the_scripts_words_come_in_welsh_and_polish_and_english_otherwise(client: Any) -> None:
    url = reverse("conversations:strings")
    welsh = client.get(url, {"l": "cy"})
    assert welsh.status_code == 200
    assert "Ysgrifennwch neges cyn anfon." in welsh.content.decode()
    assert "Przed wys" in client.get(url, {"l": "pl"}).content.decode()
    for odd in ("xx", "", "../../etc", "cy" * 200):
        english = client.get(url, {"l": odd})
        assert english.status_code == 200
        assert "Ysgrifennwch" not in english.content.decode()


def test_the_scripts_words_are_kept_an_hour_then_cost_a_304(client: Any) -> None:
    url = reverse("conversations:strings")
    first = client.get(url, {"l": "cy"})
    assert first["Cache-Control"] == "public, max-age=3600"
    again = client.get(url, {"l": "cy"}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    weak = client.get(url, {"l": "cy"}, HTTP_IF_NONE_MATCH="W/" + first["ETag"].removeprefix("W/"))
    assert weak.status_code == 304
    assert client.get(url, {"l": "pl"}, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_every_word_of_chat_js_is_translated_in_welsh_and_polish() -> None:
    script = (APP / "static" / "conversations" / "chat.js").read_text()
    asked = set(re.findall(r'\bgettext\("((?:[^"\\]|\\.)*)"\)', script))
    asked |= set(re.findall(r'\bngettext\("((?:[^"\\]|\\.)*)",', script))
    assert "Write a message before sending." in asked
    for language in ("cy", "pl"):
        catalog = polib.pofile(str(APP / "locale" / language / "LC_MESSAGES" / "djangojs.po"))
        translated = {entry.msgid for entry in catalog if entry.translated() and not entry.obsolete}
        assert asked <= translated, (language, asked - translated)
