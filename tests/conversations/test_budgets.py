"""The conversation pages fit the first network round trip (14 KB compressed) with a full page of messages."""

from __future__ import annotations

import gzip
from typing import Any

from django.urls import reverse

from carecircle.conversations import services
from tests.cast import Cast
from tests.conversations.conftest import family_of, news_of
from tests.web.test_budgets import FIRST_HTML_BUDGET, THIRD_PARTY


def test_a_full_page_of_messages_with_reactions_fits_14_kb(cast: Cast, as_user: Any) -> None:
    family, news = family_of(cast, cast.helper), news_of(cast, cast.organiser)
    for number in range(60):
        chat = services.message_post(
            actor=cast.helper, where=family, body=f"Message {number}: Dad had soup and watched the cricket today."
        ).message
        services.reaction_set(actor=cast.helper, where=family, message=chat, kind="heart", on=True)
        update = services.message_post(
            actor=cast.organiser, where=news, title=f"Week {number}", body="He is eating well and sleeping better."
        ).message
        services.reaction_set(actor=cast.organiser, where=news, message=update, kind="hug", on=True)
    client = as_user(cast.organiser)
    for name in ("conversations:family", "conversations:news", "conversations:checkins", "conversations:search"):
        url = reverse(name, kwargs={"circle_id": cast.circle.pk})
        response = client.get(url, headers={"accept-encoding": "gzip"})
        assert response.status_code == 200, url
        assert len(response.content) <= FIRST_HTML_BUDGET, f"{url}: {len(response.content)} bytes compressed"
        assert not THIRD_PARTY.search(gzip.decompress(response.content)), url
