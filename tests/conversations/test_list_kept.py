"""A conversation's page of messages is kept once per circle event and reader's position, and shared.

The list is kept as data under circles.fragments.region_key (the circle's event sequence, the reader's
role and capability set, time zone, language and today's date) with the conversation and the page
(conversations/fragments.py): each message's shared part and the facts each reader's part is drawn
from. Which reactions are the reader's own, what they may do with each message, and whether "Undo"
still shows (by the clock, not by an event) are worked out on every request. A private redis-server
(tests/servers.py) is the cache where commands are counted.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from carecircle.accounts.data_rights import account_erase
from carecircle.accounts.models import User
from carecircle.circles.models import Role
from carecircle.circles.services import membership_change
from carecircle.conversations import services
from carecircle.conversations.models import Message
from carecircle.conversations.selectors import UNDO_MINUTES
from tests.cast import Cast, invite_and_join, make_user
from tests.circles.conftest import text_of
from tests.circles.test_home_redis import redis_cache  # noqa: F401 (a fixture)
from tests.conftest import client_for, signed_in
from tests.conversations.conftest import family_of
from tests.redis_commands import counting_redis_commands

pytestmark = pytest.mark.django_db

# The roles that read the family conversation by default.
READERS = ["person", "organiser", "helper"]


def family(cast: Cast, query: str = "") -> str:
    return reverse("conversations:family", kwargs={"circle_id": cast.circle.pk}) + query


def page(client: Client, cast: Cast, query: str = "") -> str:
    response = client.get(family(cast, query))
    assert response.status_code == 200
    return text_of(response)  # type: ignore[arg-type]


def without_secrets(text: str) -> str:
    """The page without what differs per request: the CSRF token, the CSP nonce and the form's new client id."""
    text = re.sub(r'name="(csrfmiddlewaretoken|client_id)" value="[^"]*"', r'name="\1" value=""', text)
    return re.sub(r'nonce="[^"]*"', 'nonce=""', text)


def message_reads(queries: CaptureQueriesContext) -> list[str]:
    """The queries that read messages themselves (not the "Undo" count the page state asks with the conversation)."""
    return [query["sql"] for query in queries if query["sql"].startswith('SELECT "conversations_message".')]


def item(text: str, message: Message) -> str:
    """One message's list item as served."""
    found = re.search(rf'<li class="msg[^"]*" id="m-{message.pk}".*?</li>', text, re.S)
    assert found is not None, message.body
    return found.group(0)


def post(cast: Cast, role: str, body: str) -> Message:
    return services.message_post(actor=cast.user(role), where=family_of(cast, cast.user(role)), body=body).message


@pytest.mark.usefixtures("redis_cache")
@pytest.mark.parametrize("role", READERS)
def test_a_kept_list_costs_one_cache_read_and_no_message_query(cast: Cast, role: str) -> None:
    for number in range(5):
        post(cast, "helper", f"Soup at {number}")
    client = signed_in(cast, role)
    first = page(client, cast)

    with counting_redis_commands() as counted, CaptureQueriesContext(connection) as queries:
        again = page(client, cast)

    # The session (cached_db), then the kept list: no query for the messages, their photos or reactions.
    assert counted.names == ["GET", "GET"]
    assert counted.round_trips == 2
    assert message_reads(queries) == []
    assert not [query for query in queries if "conversations_reaction" in query["sql"]]
    assert "Soup at 4" in again
    assert without_secrets(again) == without_secrets(first)


@pytest.mark.parametrize("role", READERS)
def test_the_kept_list_is_the_list_drawn_afresh(cast: Cast, settings: Any, role: str) -> None:
    with time_machine.travel(timezone.now(), tick=False):
        mine = post(cast, role, "My own words")
        theirs = post(cast, "organiser" if role != "organiser" else "helper", "Someone else's words")
        services.message_post(actor=cast.helper, where=family_of(cast, cast.helper), body="A reply", reply_to=theirs)
        services.reaction_set(
            actor=cast.user(role), where=family_of(cast, cast.user(role)), message=theirs, kind="heart", on=True
        )
        services.reaction_set(actor=cast.helper, where=family_of(cast, cast.helper), message=mine, kind="hug", on=True)
        gone = post(cast, role, "Taken back")
        services.message_remove(actor=cast.user(role), where=family_of(cast, cast.user(role)), message=gone)
        client = client_for(cast.user(role))
        page(client, cast)
        kept = page(client, cast)

        settings.FRAGMENT_CACHE_SECONDS = 0
        assert without_secrets(kept) == without_secrets(page(client, cast))
    assert "Undo" in item(kept, gone)
    assert 'class="reaction reaction-mine"' in item(kept, theirs)
    assert "/edit/" in item(kept, mine)


def test_a_change_by_anyone_shows_at_once_to_every_reader(cast: Cast) -> None:
    first = post(cast, "organiser", "Lunch at one")
    clients = {role: signed_in(cast, role) for role in READERS}
    for client in clients.values():
        page(client, cast)
        page(client, cast)

    added = post(cast, "helper", "Back by five")
    for role, client in clients.items():
        assert "Back by five" in page(client, cast), role

    services.reaction_set(actor=cast.person, where=family_of(cast, cast.person), message=first, kind="heart", on=True)
    for role, client in clients.items():
        assert re.search(r"reaction[^>]*>\S+ 1<", item(page(client, cast), first)), role

    services.message_edit(
        actor=cast.helper, where=family_of(cast, cast.helper), message=added, body="Back by six", title=""
    )
    for role, client in clients.items():
        text = page(client, cast)
        assert "Back by six" in text, role
        assert "Back by five" not in text, role

    services.message_remove(actor=cast.helper, where=family_of(cast, cast.helper), message=added)
    for role, client in clients.items():
        assert "Back by six" not in page(client, cast), role


def test_undo_ends_with_its_window_though_the_list_is_still_kept(cast: Cast) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        gone = post(cast, "helper", "Wrong day, sorry")
        services.message_remove(actor=cast.helper, where=family_of(cast, cast.helper), message=gone)
        helper, organiser = client_for(cast.helper), client_for(cast.organiser)
        assert "Undo" in item(page(helper, cast), gone)
        # The organiser shares the helper's kept list, but didn't remove the message.
        assert "Undo" not in item(page(organiser, cast), gone)
    with time_machine.travel(start + datetime.timedelta(minutes=UNDO_MINUTES - 1), tick=False):
        assert "Undo" in item(page(helper, cast), gone)
    with time_machine.travel(start + datetime.timedelta(minutes=UNDO_MINUTES, seconds=1), tick=False):
        with CaptureQueriesContext(connection) as queries:
            later = page(helper, cast)
        assert message_reads(queries) == []  # No circle event since: the same kept list.
    assert "Wrong day, sorry" not in later
    assert "Undo" not in item(later, gone)


def test_each_reader_gets_their_own_reactions_and_links_from_one_kept_list(cast: Cast) -> None:
    helper_two = make_user("helper_two", display_name="Hana Helper")
    invite_and_join(inviter=cast.organiser, circle=cast.circle, user=helper_two, role=Role.HELPER)
    with time_machine.travel(timezone.now(), tick=False):
        own = post(cast, "helper", "I'll bring the shopping")
        other = post(cast, "organiser", "Thank you all")
        services.reaction_set(
            actor=cast.helper, where=family_of(cast, cast.helper), message=other, kind="heart", on=True
        )
        page(client_for(cast.helper), cast)
        second = client_for(helper_two)
        with CaptureQueriesContext(connection) as queries:
            text = page(second, cast)
    assert message_reads(queries) == []  # The first helper's kept list, shared.
    assert "reaction-mine" not in item(text, other)
    assert '<span class="reaction">❤️ 1</span>' in item(text, other)
    assert "/edit/" not in item(text, own)
    assert "/remove/" not in item(text, own)
    assert "Reply" in item(text, own)


def test_a_reader_who_lost_a_right_is_never_served_the_kept_list(cast: Cast) -> None:
    post(cast, "organiser", "Visiting on Sunday")
    helper_two = make_user("helper_two", display_name="Hana Helper")
    membership = invite_and_join(inviter=cast.organiser, circle=cast.circle, user=helper_two, role=Role.HELPER)
    client = client_for(helper_two)
    assert "Visiting on Sunday" in page(client, cast)
    assert "Visiting on Sunday" in page(client, cast)

    membership_change(actor=cast.organiser, member=membership, role=Role.PAID_CARER)
    assert client.get(family(cast)).status_code == 403
    assert client.get(family(cast, "?before=999999")).status_code == 403


def test_a_list_kept_for_an_organiser_gives_no_one_else_the_organisers_links(cast: Cast) -> None:
    message = post(cast, "person", "Feeling better today")
    organiser = page(signed_in(cast, "organiser"), cast)
    assert "/remove/" in item(organiser, message)  # Organisers may remove anyone's message.

    for role in ["helper"]:
        text = page(signed_in(cast, role), cast)
        assert "Feeling better today" in text, role
        assert "/remove/" not in item(text, message), role
        assert "/edit/" not in item(text, message), role


def test_an_erased_account_shows_as_a_former_member_at_once(cast: Cast) -> None:
    words = post(cast, "helper", "Happy to help on Fridays")
    other = post(cast, "organiser", "Thanks, everyone")
    services.reaction_set(actor=cast.helper, where=family_of(cast, cast.helper), message=other, kind="heart", on=True)
    client = signed_in(cast, "organiser")
    page(client, cast)
    assert cast.helper.display_name in item(page(client, cast), words)

    account_erase(actor=User.objects.get(pk=cast.helper.pk))
    text = page(client, cast)
    assert cast.helper.display_name not in item(text, words)
    assert "Former member" in item(text, words)
    assert not re.search(r'class="reaction[^"]*"[^>]*>\S+ 1<', item(text, other))
