"""The longest message or update the forms accept keeps every page within the first round trip.

Lists show a long message shortened with a link to its own page; that page shows it in parts
(docs/architecture/conversations.md, "Long messages").
"""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse

from carecircle.conversations import services
from carecircle.conversations.formatting import plain_text
from carecircle.conversations.parts import body_parts
from carecircle.conversations.services import MESSAGE_MAX_CHARACTERS, TITLE_MAX_CHARACTERS, UPDATE_MAX_CHARACTERS
from tests.cast import Cast
from tests.conversations.conftest import family_of, news_of
from tests.conversations.test_budgets import UNCOMPRESSED_BUDGET

# The costliest words per character: escaped (5 bytes), 2-byte and 4-byte letters, formatting and links.
LONGEST = {
    "ampersands": "&" * MESSAGE_MAX_CHARACTERS,
    "polish letters": ("Źdźbło żółte " * 400)[:MESSAGE_MAX_CHARACTERS],
    "emoji": "\U0001f600" * MESSAGE_MAX_CHARACTERS,
    "bold and links": ("**Tak** https://example.org/a&b " * 200)[:MESSAGE_MAX_CHARACTERS],
    "one long link": "https://example.org/" + "a&" * ((MESSAGE_MAX_CHARACTERS - 20) // 2),
}
LANGUAGES = ("en-gb", "cy", "pl")


def _size_and_text(client: Any, url: str, language: str) -> tuple[int, str]:
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.content.decode()
    assert f'<html lang="{language}">' in page
    return len(response.content), page


def _body_of(page: str, message_id: int) -> str:
    found = re.search(rf'id="m-{message_id}".*?<div class="msg-body">(.*?)</div>', page, re.S)
    assert found, "no message body on the page"
    return found.group(1)


def test_the_longest_messages_fit_every_page_and_every_part_in_every_language(cast: Cast, as_user: Any) -> None:
    family = family_of(cast, cast.helper)
    client = as_user(cast.organiser)
    circle = cast.circle.pk
    for label, body in LONGEST.items():
        message = services.message_post(actor=cast.helper, where=family, body=body).message
        answer = services.message_post(actor=cast.helper, where=family, body=body, reply_to=message).message
        for language in LANGUAGES:
            cast.organiser.language = language
            cast.organiser.save(update_fields=["language"])
            pages = {
                "family": reverse("conversations:family", args=[circle]),
                "replying": reverse("conversations:family", args=[circle]) + f"?reply_to={answer.pk}",
            }
            for name, url in pages.items():
                size, page = _size_and_text(client, url, language)
                assert size <= UNCOMPRESSED_BUDGET, (label, language, name, size)
                whole = reverse("conversations:message", args=[circle, family.conversation.pk, answer.pk])
                assert f'<a href="{whole}">' in page, (label, name, "no link to the whole message")
            # The message's own page, part by part, until it says there is no next part.
            url = reverse("conversations:message", args=[circle, family.conversation.pk, answer.pk])
            shown, parts = [], 0
            while url:
                size, page = _size_and_text(client, url, language)
                assert size <= UNCOMPRESSED_BUDGET, (label, language, url, size)
                shown.append(plain_text(_body_of(page, answer.pk)))
                parts += 1
                found = re.search(r'<a href="([^"]+)#part" rel="next">', page)
                url = found.group(1).replace("&amp;", "&") if found else ""
            # Nothing is lost between the parts.
            assert "".join(shown).replace(" ", "") == plain_text(answer.body_html).replace(" ", ""), label
            assert parts > 1, label


def test_the_longest_update_with_the_longest_headline_fits_its_pages(cast: Cast, as_user: Any) -> None:
    news = news_of(cast, cast.organiser)
    update = services.message_post(
        actor=cast.organiser, where=news, title="&" * TITLE_MAX_CHARACTERS, body="<" * UPDATE_MAX_CHARACTERS
    ).message
    client = as_user(cast.helper)
    circle = cast.circle.pk
    for language in LANGUAGES:
        cast.helper.language = language
        cast.helper.save(update_fields=["language"])
        size, _page = _size_and_text(client, reverse("conversations:news", args=[circle]), language)
        assert size <= UNCOMPRESSED_BUDGET, (language, "news", size)
        address = reverse("conversations:message", args=[circle, news.conversation.pk, update.pk])
        part = 1
        while True:
            url = address if part == 1 else f"{address}?part={part}"
            response = client.get(url)
            if response.status_code == 404:
                break
            assert len(response.content) <= UNCOMPRESSED_BUDGET, (language, part, len(response.content))
            part += 1
        assert part > 10, "10,000 escaped characters take many parts"


def test_a_short_message_shows_whole_in_the_list_without_parts(cast: Cast, as_user: Any) -> None:
    family = family_of(cast, cast.helper)
    message = services.message_post(actor=cast.helper, where=family, body="Dad had **soup** today.").message
    client = as_user(cast.organiser)
    page = client.get(reverse("conversations:family", args=[cast.circle.pk])).content.decode()
    assert "<strong>soup</strong>" in page
    assert "Read the whole message" not in page
    own = client.get(reverse("conversations:message", args=[cast.circle.pk, family.conversation.pk, message.pk]))
    assert "Part 1 of" not in own.content.decode()


def test_a_part_that_does_not_exist_is_a_404(cast: Cast, as_user: Any) -> None:
    family = family_of(cast, cast.helper)
    message = services.message_post(actor=cast.helper, where=family, body="Word " * 1000).message
    client = as_user(cast.organiser)
    address = reverse("conversations:message", args=[cast.circle.pk, family.conversation.pk, message.pk])
    count = len(body_parts(message.body_html))
    assert f"Part 1 of {count}" in client.get(address).content.decode()
    assert client.get(f"{address}?part={count}").status_code == 200
    for wrong in ("0", str(count + 1), "x", "9" * 30):
        response = client.get(f"{address}?part={wrong}")
        assert response.status_code == 404, wrong
