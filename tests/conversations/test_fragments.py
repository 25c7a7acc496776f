"""Each message's shared part is cached (conversations/fragments.py): it never shows anything old or someone else's."""

from __future__ import annotations

import datetime
from typing import Any

import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation

from carecircle.accounts.models import User
from carecircle.accounts.services import user_update_profile
from carecircle.circles.models import Membership
from carecircle.circles.services import membership_remove
from carecircle.conversations import fragments, services
from carecircle.conversations.models import Message
from tests.cast import Cast
from tests.circles.conftest import text_of
from tests.conversations.conftest import family_of, news_of

# A summer morning, so Warsaw is two hours ahead of UTC whatever the day the suite runs.
MORNING = datetime.datetime(2026, 6, 10, 10, 30, tzinfo=datetime.UTC)


def _family(cast: Cast) -> str:
    return reverse("conversations:family", kwargs={"circle_id": cast.circle.pk})


def _news(cast: Cast) -> str:
    return reverse("conversations:news", kwargs={"circle_id": cast.circle.pk})


def _profile(user: User, *, time_zone: str, language: str, name: str = "") -> None:
    user_update_profile(
        actor=user, display_name=name or user.display_name, phone=user.phone, time_zone=time_zone, language=language
    )


def _cached_parts(message: Message) -> list[str]:
    """What the cache holds for this message, under every key a page in English/UTC would use."""
    message = Message.objects.select_related("author", "reply_to__author").get(pk=message.pk)
    with translation.override("en-gb"), timezone.override(datetime.UTC):
        key = fragments.fragment_key(message=message, photos=[], this_year=timezone.localdate().year)
    found = cache.get(key)
    return [] if found is None else [found]


def test_a_viewed_message_is_served_from_the_cache_without_anything_per_viewer(cast: Cast, as_user: Any) -> None:
    with time_machine.travel(MORNING, tick=False):
        _profile(cast.helper, time_zone="UTC", language="en-gb")
        posted = services.message_post(actor=cast.helper, where=family_of(cast, cast.helper), body="Soup at six")
        services.reaction_set(
            actor=cast.helper, where=family_of(cast, cast.helper), message=posted.message, kind="heart", on=True
        )
        assert "Soup at six" in text_of(as_user(cast.helper).get(_family(cast)))

        [stored] = _cached_parts(posted.message)
    assert "Soup at six" in stored
    # Reactions, links for the author, and the CSRF token are drawn per request, never stored.
    assert "csrfmiddlewaretoken" not in stored
    assert "reaction" not in stored
    assert "/edit/" not in stored
    assert "reply_to" not in stored


def test_an_edit_shows_at_once_after_the_page_was_cached(cast: Cast, as_user: Any) -> None:
    where = family_of(cast, cast.helper)
    posted = services.message_post(actor=cast.helper, where=where, body="See you at 5")
    reader = as_user(cast.organiser)
    assert "See you at 5" in text_of(reader.get(_family(cast)))

    services.message_edit(actor=cast.helper, where=where, message=posted.message, body="See you at 6")

    page = text_of(reader.get(_family(cast)))
    assert "See you at 6" in page
    assert "See you at 5" not in page
    assert "edited" in page


def test_a_quote_follows_an_edit_of_the_message_it_quotes(cast: Cast, as_user: Any) -> None:
    where = family_of(cast, cast.helper)
    first = services.message_post(actor=cast.helper, where=where, body="Bring the blue bag")
    services.message_post(
        actor=cast.organiser, where=family_of(cast, cast.organiser), body="Yes", reply_to=first.message
    )
    reader = as_user(cast.organiser)
    assert text_of(reader.get(_family(cast))).count("Bring the blue bag") == 2

    services.message_edit(actor=cast.helper, where=where, message=first.message, body="Bring the red bag")

    page = text_of(reader.get(_family(cast)))
    assert "Bring the blue bag" not in page
    assert page.count("Bring the red bag") == 2


def test_a_new_name_shows_at_once_on_cached_messages(cast: Cast, as_user: Any) -> None:
    services.message_post(actor=cast.helper, where=family_of(cast, cast.helper), body="Hello all")
    reader = as_user(cast.organiser)
    reader.get(_family(cast))

    _profile(cast.helper, time_zone=cast.helper.time_zone, language=cast.helper.language, name="Harriet Newname")

    assert "Harriet Newname" in text_of(reader.get(_family(cast)))


def test_a_reaction_shows_at_once_and_only_its_giver_sees_it_as_theirs(cast: Cast, as_user: Any) -> None:
    update = services.message_post(actor=cast.organiser, where=news_of(cast, cast.organiser), title="Out", body="Park")
    giver, other = as_user(cast.well_wisher), as_user(cast.helper)
    giver.get(_news(cast))
    other.get(_news(cast))

    services.reaction_set(
        actor=cast.well_wisher, where=news_of(cast, cast.well_wisher), message=update.message, kind="hug", on=True
    )

    giver_page = giver.get(_news(cast)).content.decode()
    other_page = other.get(_news(cast)).content.decode()
    assert "🤗 1" in text_of(giver.get(_news(cast)))
    assert 'class="reaction reaction-mine">🤗 1' in giver_page  # Shown as theirs.
    assert "🤗 1" in text_of(other.get(_news(cast)))
    assert '<span class="reaction">🤗 1' in other_page
    assert 'reaction-mine">' not in other_page


def test_a_removed_message_disappears_from_a_cached_page(cast: Cast, as_user: Any) -> None:
    posted = services.message_post(actor=cast.helper, where=family_of(cast, cast.helper), body="Rude words")
    reader = as_user(cast.helper)
    assert "Rude words" in text_of(reader.get(_family(cast)))

    services.message_remove(actor=cast.organiser, where=family_of(cast, cast.organiser), message=posted.message)

    page = text_of(reader.get(_family(cast)))
    assert "Rude words" not in page
    assert "This message was removed by an organiser." in page


def test_a_member_who_lost_access_gets_nothing_of_a_cached_message(cast: Cast, as_user: Any) -> None:
    posted = services.message_post(
        actor=cast.organiser, where=family_of(cast, cast.organiser), body="Key under the pot"
    )
    client = as_user(cast.helper)
    assert "Key under the pot" in text_of(client.get(_family(cast)))
    one_message = reverse(
        "conversations:message",
        kwargs={
            "circle_id": cast.circle.pk,
            "conversation_id": posted.message.conversation_id,
            "message_id": posted.message.pk,
        },
    )

    membership_remove(actor=cast.organiser, member=Membership.objects.get(circle=cast.circle, user=cast.helper))

    for response in (client.get(_family(cast)), client.get(one_message, headers={"X-Requested-With": "fetch"})):
        assert response.status_code == 404
        assert "Key under the pot" not in response.content.decode()


def test_readers_in_other_languages_and_time_zones_get_their_own(cast: Cast, as_user: Any) -> None:
    with time_machine.travel(MORNING, tick=False):
        _profile(cast.organiser, time_zone="UTC", language="en-gb")
        _profile(cast.helper, time_zone="Europe/Warsaw", language="cy")
        where = family_of(cast, cast.person)
        posted = services.message_post(actor=cast.person, where=where, body="Tea")
        services.message_edit(actor=cast.person, where=where, message=posted.message, body="Tea and toast")

        english = text_of(as_user(cast.organiser).get(_family(cast)))
        welsh = text_of(as_user(cast.helper).get(_family(cast)))
        # The Welsh page was rendered after the English one: the English reader still gets English.
        english_again = text_of(as_user(cast.organiser).get(_family(cast)))

    assert "10:30" in english
    assert "edited" in english
    assert "12:30" in welsh
    assert "wedi'i golygu" in welsh
    assert "10:30" not in welsh
    assert "10:30" in english_again
    assert "wedi'i golygu" not in english_again
