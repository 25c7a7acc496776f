"""Search in a circle's conversations and updates, limited to what the member may read."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from carecircle.circles.access import access_circle
from carecircle.conversations import services
from carecircle.conversations.search import message_search
from tests.cast import Cast
from tests.circles.conftest import text_of
from tests.conversations.conftest import family_of, news_of

pytestmark = pytest.mark.usefixtures("search_index")


def _post_both(cast: Cast) -> None:
    services.message_post(actor=cast.helper, where=family_of(cast, cast.helper), body="The hospital car is booked")
    services.message_post(
        actor=cast.organiser, where=news_of(cast, cast.organiser), title="Hospital visit", body="Dad is cheerful"
    )


def test_a_helper_finds_chat_and_updates_by_word_prefix(cast: Cast) -> None:
    _post_both(cast)
    found = message_search(access=access_circle(user=cast.helper, circle_id=cast.circle.pk), text="hosp")
    assert [message.body for message in found] == ["Dad is cheerful", "The hospital car is booked"]


def test_a_well_wishers_search_never_returns_chat(cast: Cast) -> None:
    _post_both(cast)
    found = message_search(access=access_circle(user=cast.well_wisher, circle_id=cast.circle.pk), text="hospital")
    assert [message.title for message in found] == ["Hospital visit"]


def test_removed_and_edited_messages_are_searched_as_they_are_now(cast: Cast) -> None:
    where = family_of(cast, cast.helper)
    kept = services.message_post(actor=cast.helper, where=where, body="Pharmacy at noon").message
    gone = services.message_post(actor=cast.helper, where=where, body="Pharmacy closed").message
    services.message_remove(actor=cast.helper, where=where, message=gone)
    services.message_edit(actor=cast.helper, where=where, message=kept, body="Chemist at noon")
    access = access_circle(user=cast.organiser, circle_id=cast.circle.pk)
    assert message_search(access=access, text="pharmacy") == []
    assert [m.pk for m in message_search(access=access, text="chemist")] == [kept.pk]


def test_search_syntax_is_treated_as_plain_words(cast: Cast) -> None:
    _post_both(cast)
    access = access_circle(user=cast.organiser, circle_id=cast.circle.pk)
    for text in ['"', "NEAR(car", "car OR *", "-- ;", "'); DROP TABLE x;--"]:
        message_search(access=access, text=text)
    assert len(message_search(access=access, text='car" OR "x')) == 0


def test_the_search_page_links_to_each_result(cast: Cast, as_user: Any) -> None:
    _post_both(cast)
    url = reverse("conversations:search", kwargs={"circle_id": cast.circle.pk})
    page = text_of(as_user(cast.well_wisher).get(url, {"q": "hospital"}))
    assert "Hospital visit" in page
    assert "hospital car" not in page
    assert as_user(cast.helper).get(url, {"q": "x" * 300}).status_code == 400
