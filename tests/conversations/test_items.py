"""Each reader's part of a message (conversations/items.py): drawn per request, so never stale or someone else's.

The pages here are viewed first, so every message's shared part is in the cache when the change
happens; what each reader may do must still follow the change at once.
"""

from __future__ import annotations

import datetime
from typing import Any

import time_machine
from django.urls import reverse

from carecircle.circles.models import Membership, Role
from carecircle.circles.permissions import effective_consent
from carecircle.circles.services import consent_update, membership_change
from carecircle.conversations import services
from tests.cast import Cast
from tests.circles.conftest import text_of
from tests.conversations.conftest import family_of

MORNING = datetime.datetime(2026, 6, 10, 10, 30, tzinfo=datetime.UTC)


def _family(cast: Cast) -> str:
    return reverse("conversations:family", kwargs={"circle_id": cast.circle.pk})


def _grant_well_wishers(cast: Cast, *capabilities: str) -> None:
    current = effective_consent(cast.circle.consent or {})[Role.WELL_WISHER]
    kept = [key for key in current if not key.startswith("conversations.")]
    cast.circle.refresh_from_db()
    consent_update(actor=cast.person, circle=cast.circle, grants={Role.WELL_WISHER: [*kept, *capabilities]})


def _item(page: str, message_id: int) -> str:
    """One message's `<li>` in a page."""
    start = page.index(f'<li class="msg" id="m-{message_id}"')
    return page[start : page.index("</li>", start)]


def test_a_reader_who_loses_writing_loses_reply_and_reactions_at_once(cast: Cast, as_user: Any) -> None:
    posted = services.message_post(actor=cast.organiser, where=family_of(cast, cast.organiser), body="Lunch at one")
    services.reaction_set(
        actor=cast.helper, where=family_of(cast, cast.helper), message=posted.message, kind="heart", on=True
    )
    _grant_well_wishers(cast, "conversations.read", "conversations.post")
    aunt = as_user(cast.well_wisher)
    item = _item(aunt.get(_family(cast)).content.decode(), posted.message.pk)
    message_page = f"/messages/{posted.message.pk}/"
    assert f"?reply_to={posted.message.pk}" in item
    assert f'{message_page}">React' in item  # The reaction buttons are on the message's own page.
    one = aunt.get(
        reverse("conversations:message", args=[cast.circle.pk, posted.message.conversation_id, posted.message.pk])
    )
    assert one.status_code == 200
    assert "data-react" in _item(one.content.decode(), posted.message.pk)
    assert 'value="heart:1"' in _item(one.content.decode(), posted.message.pk)

    _grant_well_wishers(cast, "conversations.read")

    item = _item(aunt.get(_family(cast)).content.decode(), posted.message.pk)
    assert "Lunch at one" in item
    assert "reply_to" not in item
    assert f'{message_page}">React' not in item
    assert "<form" not in item
    assert "csrfmiddlewaretoken" not in item
    assert '<span class="reaction">❤️ 1</span>' in item  # Still sees the reaction, without a button.
    assert "post a message" not in text_of(aunt.get(_family(cast))).lower()


def test_an_organiser_made_helper_loses_remove_on_other_peoples_messages(cast: Cast, as_user: Any) -> None:
    theirs = services.message_post(actor=cast.organiser, where=family_of(cast, cast.organiser), body="Keys are here")
    own = services.message_post(actor=cast.helper, where=family_of(cast, cast.helper), body="On my way")
    membership = Membership.objects.get(circle=cast.circle, user=cast.helper)
    membership_change(actor=cast.person, member=membership, role=Role.ORGANISER)
    client = as_user(cast.helper)
    page = client.get(_family(cast)).content.decode()
    assert f"/messages/{theirs.message.pk}/remove/" in _item(page, theirs.message.pk)

    membership_change(actor=cast.person, member=membership, role=Role.HELPER)

    page = client.get(_family(cast)).content.decode()
    assert "/remove/" not in _item(page, theirs.message.pk)
    assert "/edit/" not in _item(page, theirs.message.pk)
    # Their own message keeps its links: the author may always change and remove it.
    assert f"/messages/{own.message.pk}/remove/" in _item(page, own.message.pk)
    assert f"/messages/{own.message.pk}/edit/" in _item(page, own.message.pk)


def test_undo_shows_only_to_the_remover_and_only_while_it_can_be_used(cast: Cast, as_user: Any) -> None:
    with time_machine.travel(MORNING, tick=False) as traveller:
        posted = services.message_post(actor=cast.helper, where=family_of(cast, cast.helper), body="Wrong day")
        remover, other = as_user(cast.organiser), as_user(cast.helper)
        remover.get(_family(cast))
        other.get(_family(cast))

        services.message_remove(actor=cast.organiser, where=family_of(cast, cast.organiser), message=posted.message)

        restore = f"/messages/{posted.message.pk}/restore/"
        assert restore in remover.get(_family(cast)).content.decode()
        assert restore not in other.get(_family(cast)).content.decode()
        traveller.shift(datetime.timedelta(minutes=11))
        assert restore not in remover.get(_family(cast)).content.decode()


def test_an_edit_reaction_and_removal_show_at_once_to_every_reader(cast: Cast, as_user: Any) -> None:
    where = family_of(cast, cast.helper)
    posted = services.message_post(actor=cast.helper, where=where, body="Tea at four")
    readers = {user.pk: as_user(user) for user in (cast.person, cast.organiser, cast.helper)}
    for client in readers.values():
        assert "Tea at four" in text_of(client.get(_family(cast)))

    services.message_edit(actor=cast.helper, where=where, message=posted.message, body="Tea at five")
    services.reaction_set(
        actor=cast.person, where=family_of(cast, cast.person), message=posted.message, kind="hug", on=True
    )
    for user_id, client in readers.items():
        page = client.get(_family(cast)).content.decode()
        item = _item(page, posted.message.pk)
        assert "Tea at five" in item
        assert "🤗 1" in item
        assert ('class="reaction reaction-mine">🤗 1' in item) == (user_id == cast.person.pk)

    services.message_remove(actor=cast.helper, where=where, message=posted.message)
    for client in readers.values():
        page = client.get(_family(cast)).content.decode()
        assert "Tea at five" not in page
        assert "🤗" not in page.split(f'id="m-{posted.message.pk}"', 1)[1].split("</li>", 1)[0]


def test_a_lists_words_follow_the_readers_language_though_translated_once() -> None:
    """The words are kept per process for each language (items._translated): never another language's."""
    from django.utils import translation
    from django.utils.translation import gettext

    from carecircle.conversations import items

    def words() -> items.ListWords:
        return items.list_words(
            conversation_url="/c/1/", page_url="/c/1/talk/", reaction_choices=[("heart", "❤️")], csrf_field=str
        )

    seen = {}
    for language in ["en", "cy", "pl", "en", "cy"]:
        with translation.override(language):
            got = words()
            assert (got.reply, got.remove, got.undo) == (gettext("Reply"), gettext("Remove"), gettext("Undo"))
            assert gettext("React") in got.react_menu
            seen[language] = got.reply
    assert len(set(seen.values())) == 3
