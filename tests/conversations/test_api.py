"""The conversations API: idempotent posting, cursor pages, reactions, read markers, check-ins, errors."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from carecircle.conversations import services
from carecircle.conversations.models import Message
from tests.api.conftest import API, token_client
from tests.cast import Cast
from tests.conversations.conftest import family_of


def _messages_url(cast: Cast) -> str:
    conversation = services.family_conversation(circle=cast.circle)
    return f"{API}/circles/{cast.circle.pk}/conversations/{conversation.pk}/messages"


def test_posting_with_a_client_id_answers_201_then_200_with_the_same_message(cast: Cast) -> None:
    client = token_client(cast.helper)
    body = {"body": "Leaving now", "client_id": str(uuid.uuid4())}
    first = client.post(_messages_url(cast), body, content_type="application/json")
    again = client.post(_messages_url(cast), body, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["client_id"] == body["client_id"]
    assert Message.objects.count() == 1


def test_pages_go_back_with_before_and_forward_with_after(cast: Cast) -> None:
    where = family_of(cast, cast.helper)
    ids = [services.message_post(actor=cast.helper, where=where, body=f"m{n}").message.pk for n in range(5)]
    client = token_client(cast.organiser)
    newest = client.get(_messages_url(cast), {"limit": 2}).json()
    assert [m["id"] for m in newest["messages"]] == ids[3:]
    assert newest["has_more"]
    older = client.get(_messages_url(cast), {"limit": 2, "before": ids[3]}).json()
    assert [m["id"] for m in older["messages"]] == ids[1:3]
    newer = client.get(_messages_url(cast), {"after": ids[1]}).json()
    assert [m["id"] for m in newer["messages"]] == ids[2:]
    assert not newer["has_more"]


def test_the_message_list_needs_the_same_queries_for_5_or_50_messages(cast: Cast) -> None:
    where = family_of(cast, cast.helper)
    for number in range(5):
        services.message_post(actor=cast.helper, where=where, body=f"m{number}")
    client = token_client(cast.organiser)
    client.get(_messages_url(cast))
    with CaptureQueriesContext(connection) as few:
        client.get(_messages_url(cast))
    for number in range(45):
        posted = services.message_post(actor=cast.helper, where=where, body=f"more {number}").message
        services.reaction_set(
            actor=cast.organiser, where=family_of(cast, cast.organiser), message=posted, kind="hug", on=True
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(_messages_url(cast))
    assert len(response.json()["messages"]) == 50
    assert len(many) == len(few)


def test_bad_messages_get_field_errors(cast: Cast) -> None:
    client = token_client(cast.helper)
    for body in ({"body": ""}, {"body": "x" * 5001}, {"body": "a\x00b"}, {"body": 42}, {"text": "hi"}):
        response = client.post(_messages_url(cast), body, content_type="application/json")
        assert response.status_code == 422, body
        assert response.json()["errors"], body
    not_json = client.post(_messages_url(cast), b"\xff\xfe", content_type="application/json")
    assert not_json.status_code in (400, 422)


def test_a_removed_message_keeps_its_place_but_not_its_words(cast: Cast) -> None:
    posted = services.message_post(actor=cast.helper, where=family_of(cast, cast.helper), body="Oops").message
    client = token_client(cast.helper)
    assert client.delete(f"{_messages_url(cast)}/{posted.pk}").status_code == 204
    shown = client.get(f"{_messages_url(cast)}/{posted.pk}").json()
    assert shown["removed"] is True
    assert shown["body"] == ""


def test_a_reaction_outside_the_fixed_set_is_refused(cast: Cast) -> None:
    posted = services.message_post(actor=cast.helper, where=family_of(cast, cast.helper), body="Hi").message
    client = token_client(cast.organiser)
    assert client.put(f"{_messages_url(cast)}/{posted.pk}/reactions/confetti").status_code == 422
    assert client.put(f"{_messages_url(cast)}/{posted.pk}/reactions/heart").status_code == 204
    assert client.get(f"{_messages_url(cast)}/{posted.pk}").json()["reactions"] == [
        {"kind": "heart", "count": 1, "mine": True}
    ]


def test_unread_counts_follow_the_read_marker(cast: Cast) -> None:
    where = family_of(cast, cast.organiser)
    last = [services.message_post(actor=cast.organiser, where=where, body=str(n)).message.pk for n in range(3)][-1]
    client = token_client(cast.helper)
    listed = {c["kind"]: c for c in client.get(f"{API}/circles/{cast.circle.pk}/conversations").json()}
    assert listed["circle"]["unread"] == 3
    marker = client.put(
        f"{API}/circles/{cast.circle.pk}/conversations/{where.conversation.pk}/read",
        {"last_read_id": last},
        content_type="application/json",
    )
    assert marker.json() == {"last_read_id": last}
    listed = {c["kind"]: c for c in client.get(f"{API}/circles/{cast.circle.pk}/conversations").json()}
    assert listed["circle"]["unread"] == 0


def test_a_well_wisher_lists_the_news_but_not_the_family_conversation(cast: Cast) -> None:
    kinds = [
        c["kind"] for c in token_client(cast.well_wisher).get(f"{API}/circles/{cast.circle.pk}/conversations").json()
    ]
    assert kinds == ["news"]
    assert token_client(cast.professional).get(_messages_url(cast)).status_code == 403


def test_updates_and_checkins_through_the_api(cast: Cast, as_user: Any) -> None:
    helper = token_client(cast.helper)
    created = helper.post(
        f"{API}/circles/{cast.circle.pk}/updates",
        {"title": "Good day", "body": "Walked"},
        content_type="application/json",
    )
    assert created.status_code == 201
    assert created.json()["kind"] == "update"
    assert [
        u["title"]
        for u in token_client(cast.well_wisher).get(f"{API}/circles/{cast.circle.pk}/updates").json()["messages"]
    ] == ["Good day"]
    checkin = helper.post(
        f"{API}/circles/{cast.circle.pk}/checkins",
        {"feeling": 1, "note": "Worn out", "audience": "organisers"},
        content_type="application/json",
    )
    assert checkin.status_code == 201
    assert token_client(cast.organiser).get(f"{API}/circles/{cast.circle.pk}/checkins").json()[0]["note"] == "Worn out"
    assert token_client(cast.well_wisher).get(f"{API}/circles/{cast.circle.pk}/checkins").json() == []
    bad = helper.post(
        f"{API}/circles/{cast.circle.pk}/checkins", {"feeling": 9, "audience": "x"}, content_type="application/json"
    )
    assert bad.status_code == 422


def test_messages_say_how_they_arrived_and_via_cannot_be_sent(cast: Cast) -> None:
    where = family_of(cast, cast.helper)
    by_text = services.message_post(actor=cast.helper, where=where, body="On my way", via="sms").message
    client = token_client(cast.organiser)
    listed = {m["id"]: m["via"] for m in client.get(_messages_url(cast)).json()["messages"]}
    assert listed[by_text.pk] == "sms"

    sent = client.post(_messages_url(cast), {"body": "Thanks", "via": "sms"}, content_type="application/json")
    assert sent.status_code == 422
    posted = token_client(cast.organiser).post(_messages_url(cast), {"body": "Thanks"}, content_type="application/json")
    assert posted.json()["via"] == ""


def test_the_schema_shows_via_as_a_field_of_messages_only_answers_carry() -> None:
    from carecircle.api.api import api

    schemas = api.get_openapi_schema()["components"]["schemas"]
    assert "via" in schemas["MessageOut"]["properties"]
    assert "via" in schemas["MessageOut"]["required"]
    assert "via" not in schemas["MessageCreateIn"]["properties"]
