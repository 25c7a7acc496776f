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


BIG_CIRCLE = 60
UNCOMPRESSED_BUDGET = 14_336
LONG_WORDS = "Dad had soup, watched the cricket and asked after everyone in the garden club again. " * 4


def _big_circle_talking(cast: Cast) -> dict[str, str]:
    """60 members, each writing long messages with reactions and replies; the addresses of every conversation page."""
    from carecircle.circles.access import access_circle
    from carecircle.conversations import selectors
    from tests.circles.conftest import add_members

    members = add_members(
        circle=cast.circle, actor=cast.organiser, how_many=BIG_CIRCLE - cast.circle.memberships.count()
    )
    family, news = family_of(cast, cast.helper), news_of(cast, cast.organiser)
    previous = None
    for number, member in enumerate(members[:30]):
        where = selectors.conversation_access_for(
            access_circle(user=member.user, circle_id=cast.circle.pk), family.conversation
        )
        previous = services.message_post(
            actor=member.user, where=where, body=f"{number} {LONG_WORDS}", reply_to=previous
        ).message
        services.reaction_set(actor=cast.helper, where=family, message=previous, kind="heart", on=True)
    update = None
    for number in range(30):
        update = services.message_post(
            actor=cast.organiser, where=news, title=f"Week {number}", body=LONG_WORDS
        ).message
        services.reaction_set(actor=cast.organiser, where=news, message=update, kind="hug", on=True)
    assert update is not None
    assert previous is not None
    replies = services.thread_conversation(circle=cast.circle, subject_kind="update", subject_id=update.pk)
    organiser = access_circle(user=cast.organiser, circle_id=cast.circle.pk)
    for member in members[:40]:
        services.direct_conversation(circle=cast.circle, user_id=cast.organiser.pk, other_user_id=member.user_id)
    direct = services.direct_conversation(circle=cast.circle, user_id=cast.organiser.pk, other_user_id=cast.helper.pk)
    for number in range(30):
        for where in (
            selectors.conversation_access_for(organiser, replies),
            selectors.conversation_access_for(organiser, direct),
        ):
            services.message_post(actor=cast.organiser, where=where, body=f"{number} {LONG_WORDS}")
    circle = cast.circle.pk
    return {
        "family": reverse("conversations:family", args=[circle]),
        "family, older": reverse("conversations:family", args=[circle]) + f"?before={previous.pk}",
        "family, replying": reverse("conversations:family", args=[circle]) + f"?reply_to={previous.pk}",
        "news": reverse("conversations:news", args=[circle]),
        "thread": reverse("conversations:thread", args=[circle, "update", update.pk]),
        "direct": reverse("conversations:conversation", args=[circle, direct.pk]),
        "direct list": reverse("conversations:direct_list", args=[circle]),
        "one message": reverse("conversations:message", args=[circle, previous.conversation_id, previous.pk]),
    }


def test_a_big_circles_conversation_pages_fit_14_kb_uncompressed_in_every_language(cast: Cast, as_user: Any) -> None:
    pages = _big_circle_talking(cast)
    client = as_user(cast.organiser)
    sizes = {}
    for language in ("en-gb", "cy", "pl"):
        cast.organiser.language = language
        cast.organiser.save(update_fields=["language"])
        for label, url in pages.items():
            response = client.get(url)
            assert response.status_code == 200, (label, language)
            # The page is really in that language (the member's own choice, accounts/middleware.py).
            assert f'<html lang="{language}">' in response.content.decode(), (label, language)
            sizes[f"{label} ({language})"] = len(response.content)
            if label.startswith(("family", "news", "thread", "direct")) and label != "direct list":
                assert "?before=" in response.content.decode(), f"{label}: no link to older messages"
    over = {page: size for page, size in sizes.items() if size > UNCOMPRESSED_BUDGET}
    assert not over, f"over {UNCOMPRESSED_BUDGET:,} bytes uncompressed: {over} (all: {sizes})"
