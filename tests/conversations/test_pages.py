"""The conversation pages without JavaScript: posting, replies, photos, paging, unread counts, bad input."""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from carecircle.circles.access import access_circle
from carecircle.conversations import selectors, services
from carecircle.conversations.models import Message, MessagePhoto, ReadMarker
from carecircle.realtime.events import circle_event_record
from tests.cast import Cast
from tests.circles.conftest import queries_for, text_of
from tests.conversations.conftest import family_of, jpeg_with_location, news_of


def _family(cast: Cast) -> str:
    return reverse("conversations:family", kwargs={"circle_id": cast.circle.pk})


def _news(cast: Cast) -> str:
    return reverse("conversations:news", kwargs={"circle_id": cast.circle.pk})


def test_it_posts_a_message_and_shows_it_escaped_after_the_reload(cast: Cast, as_user: Any) -> None:
    client = as_user(cast.helper)
    response = client.post(_family(cast), {"body": "<b>Home</b> by 5", "client_id": str(uuid.uuid4())})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "&lt;b&gt;Home&lt;/b&gt; by 5" in page.content.decode()


def test_a_repeated_form_submission_posts_once(cast: Cast, as_user: Any) -> None:
    client = as_user(cast.helper)
    data = {"body": "Only once", "client_id": str(uuid.uuid4())}
    client.post(_family(cast), data)
    client.post(_family(cast), data)
    assert Message.objects.filter(body="Only once").count() == 1


def test_the_script_gets_the_message_back_201_then_200_on_a_retry(cast: Cast, as_user: Any) -> None:
    client = as_user(cast.helper)
    data = {"body": "From the script", "client_id": str(uuid.uuid4())}
    first = client.post(_family(cast), data, headers={"X-Requested-With": "fetch"})
    retry = client.post(_family(cast), data, headers={"X-Requested-With": "fetch"})
    assert first.status_code == 201
    assert retry.status_code == 200
    message = Message.objects.get(body="From the script")
    assert f'id="m-{message.pk}"' in first.content.decode()
    assert f'id="m-{message.pk}"' in retry.content.decode()


def test_an_empty_message_gets_a_clear_message_and_keeps_the_form(cast: Cast, as_user: Any) -> None:
    response = as_user(cast.helper).post(_family(cast), {"body": "   "})
    assert response.status_code == 400
    assert "Write a message or add a photo before sending." in text_of(response)


def test_an_enormous_message_is_refused_and_kept_for_editing(cast: Cast, as_user: Any) -> None:
    response = as_user(cast.helper).post(_family(cast), {"body": "a" * 6000})
    assert response.status_code == 400
    assert "Keep it under 5,000 characters" in text_of(response)
    assert "a" * 6000 in response.content.decode()


def test_a_null_character_is_refused(cast: Cast, as_user: Any) -> None:
    response = as_user(cast.helper).post(_family(cast), {"body": "hi\x00there"})
    assert response.status_code == 400
    assert not Message.objects.exists()


def test_a_file_that_is_not_a_photo_gets_a_clear_message(cast: Cast, as_user: Any) -> None:
    fake = SimpleUploadedFile("dad.jpg", b"%PDF-1.4 not a picture at all", content_type="image/jpeg")
    response = as_user(cast.helper).post(_family(cast), {"body": "Look", "photos": fake})
    assert response.status_code == 400
    assert "isn't a picture we can read" in text_of(response)
    assert not Message.objects.exists()


def test_a_photo_is_stored_without_its_location_and_shown_only_to_readers(cast: Cast, as_user: Any) -> None:
    upload = SimpleUploadedFile("IMG_0001.jpg", jpeg_with_location(), content_type="image/jpeg")
    response = as_user(cast.helper).post(_family(cast), {"body": "", "photos": upload, "photo_description": "Dad"})
    assert response.status_code == 302
    photo = MessagePhoto.objects.get()
    url = reverse("conversations:photo", kwargs={"circle_id": cast.circle.pk, "photo_id": photo.pk})
    served = as_user(cast.organiser).get(url)
    content = b"".join(served.streaming_content)
    assert content.startswith(b"\xff\xd8")
    assert b"SpyCam" not in content
    assert as_user(cast.well_wisher).get(url).status_code == 403
    assert as_user(cast.outsider).get(url).status_code == 404


def test_a_reply_quotes_the_message_it_answers(cast: Cast, as_user: Any) -> None:
    first = services.message_post(actor=cast.organiser, where=family_of(cast, cast.organiser), body="Who can go?")
    client = as_user(cast.helper)
    client.post(_family(cast), {"body": "Me", "reply_to": first.message.pk})
    page = text_of(client.get(_family(cast)))
    assert "Replying to Olivia Organiser:</span> Who can go?</blockquote>" in page


def test_a_quote_reads_as_the_message_does_without_its_markup(cast: Cast, as_user: Any) -> None:
    body = "**Who** can go & _drive_?\nSay by Friday"
    first = services.message_post(actor=cast.organiser, where=family_of(cast, cast.organiser), body=body)
    client = as_user(cast.helper)
    replying = text_of(client.get(f"{_family(cast)}?reply_to={first.message.pk}"))
    assert "Replying to Olivia Organiser: Who can go & drive? Say by Friday <a" in replying
    client.post(_family(cast), {"body": "Me", "reply_to": first.message.pk})
    page = text_of(client.get(_family(cast)))
    assert "Replying to Olivia Organiser:</span> Who can go & drive? Say by Friday</blockquote>" in page
    assert "**" not in page
    assert b"Who can go &amp; drive?" in client.get(_family(cast)).content  # still escaped


def test_professionals_and_well_wishers_never_see_the_family_conversation(cast: Cast, as_user: Any) -> None:
    assert as_user(cast.professional).get(_family(cast)).status_code == 403
    assert as_user(cast.well_wisher).get(_family(cast)).status_code == 403
    assert as_user(cast.outsider).get(_family(cast)).status_code == 404


def test_a_well_wisher_sends_support_that_everyone_sees_on_the_news(cast: Cast, as_user: Any) -> None:
    response = as_user(cast.well_wisher).post(_news(cast), {"body": "Sending love to you all"})
    assert response.status_code == 302
    assert "Sending love to you all" in text_of(as_user(cast.paid_carer).get(_news(cast)))


def test_an_update_with_a_headline_is_posted_by_a_helper(cast: Cast, as_user: Any) -> None:
    response = as_user(cast.helper).post(_news(cast), {"form": "update", "title": "How Dad's doing", "body": "Better"})
    assert response.status_code == 302
    assert "How Dad's doing" in text_of(as_user(cast.well_wisher).get(_news(cast)))
    refused = as_user(cast.well_wisher).post(_news(cast), {"form": "update", "title": "Mine", "body": "x"})
    assert refused.status_code == 403


def test_the_page_needs_the_same_queries_with_a_hundred_thousand_messages(cast: Cast, as_user: Any) -> None:
    where = family_of(cast, cast.helper)
    for number in range(3):
        services.message_post(actor=cast.helper, where=where, body=f"Message {number}")
    client = as_user(cast.organiser)
    few = queries_for(client, _family(cast))
    Message.objects.bulk_create(
        Message(
            circle=cast.circle,
            conversation=where.conversation,
            author=cast.helper,
            body=f"Bulk {number}",
            body_html=f"Bulk {number}",
        )
        for number in range(100_000)
    )
    with transaction.atomic():
        # Written past the services: the circle event they record (which moves a kept list on) is added here.
        circle_event_record(circle=cast.circle, type="message.posted", conversation=where.conversation.pk)
    assert queries_for(client, _family(cast)) == few
    page = client.get(_family(cast)).content.decode()
    # The newest that fit the first round trip (pages.LIST_BYTES), and the rest one link away.
    assert "Bulk 99999" in page
    shown = re.findall(r"Bulk (\d+)<", page)
    assert 1 < len(shown) < 50
    oldest_shown = Message.objects.get(body=f"Bulk {min(shown, key=int)}").pk
    assert f"?before={oldest_shown}" in page
    older = client.get(f"{_family(cast)}?before={oldest_shown}").content.decode()
    assert f"Bulk {int(min(shown, key=int)) - 1}<" in older


def test_new_since_you_last_looked_shows_on_the_circle_home(cast: Cast, as_user: Any) -> None:
    home = reverse("circles:home", kwargs={"circle_id": cast.circle.pk})
    client = as_user(cast.helper)
    client.get(_family(cast))
    for number in range(3):
        services.message_post(actor=cast.organiser, where=family_of(cast, cast.organiser), body=f"News {number}")
    services.message_post(actor=cast.helper, where=family_of(cast, cast.helper), body="My own")
    assert "3 new since you last looked" in text_of(client.get(home))
    client.get(_family(cast))
    assert "new since you last looked" not in text_of(client.get(home))


def test_the_home_section_costs_one_query(cast: Cast, as_user: Any, django_assert_num_queries: Any) -> None:
    from carecircle.circles.access import access_circle

    access = access_circle(user=cast.helper, circle_id=cast.circle.pk)
    services.message_post(actor=cast.organiser, where=news_of(cast, cast.organiser), body="hello")
    with django_assert_num_queries(1):
        summary = selectors.home_summary(access=access)
    assert summary.news_unread == 1


def test_direct_messages_are_only_for_their_two_people(cast: Cast, as_user: Any) -> None:
    start = reverse("conversations:direct_list", kwargs={"circle_id": cast.circle.pk})
    response = as_user(cast.helper).post(start, {"member": cast.organiser.pk})
    assert response.status_code == 302
    url = response["Location"]
    as_user(cast.helper).post(url, {"body": "Just between us"})
    assert "Just between us" in text_of(as_user(cast.organiser).get(url))
    assert as_user(cast.person).get(url).status_code == 404


def test_an_organiser_removes_a_message_and_everyone_sees_it_was_removed(cast: Cast, as_user: Any) -> None:
    posted = services.message_post(actor=cast.helper, where=family_of(cast, cast.helper), body="Rude words")
    url = reverse(
        "conversations:message_remove",
        kwargs={
            "circle_id": cast.circle.pk,
            "conversation_id": posted.message.conversation_id,
            "message_id": posted.message.pk,
        },
    )
    assert as_user(cast.organiser).post(url).status_code == 302
    page = text_of(as_user(cast.helper).get(_family(cast)))
    assert "This message was removed by an organiser." in page
    assert "Rude words" not in page


def test_an_edit_shows_edited(cast: Cast, as_user: Any) -> None:
    posted = services.message_post(actor=cast.helper, where=family_of(cast, cast.helper), body="Typo")
    url = reverse(
        "conversations:message_edit",
        kwargs={
            "circle_id": cast.circle.pk,
            "conversation_id": posted.message.conversation_id,
            "message_id": posted.message.pk,
        },
    )
    assert as_user(cast.helper).post(url, {"body": "Fixed"}).status_code == 302
    page = text_of(as_user(cast.organiser).get(_family(cast)))
    assert "Fixed" in page
    assert "edited" in page


def test_a_reaction_button_works_without_javascript(cast: Cast, as_user: Any) -> None:
    update = services.message_post(actor=cast.organiser, where=news_of(cast, cast.organiser), title="Out", body="Park")
    url = reverse(
        "conversations:react",
        kwargs={
            "circle_id": cast.circle.pk,
            "conversation_id": update.message.conversation_id,
            "message_id": update.message.pk,
        },
    )
    client = as_user(cast.well_wisher)
    assert client.post(url, {"reaction": "hug:1"}).status_code == 302
    assert "🤗 1" in text_of(client.get(_news(cast)))
    assert client.post(url, {"reaction": "confetti:1"}).status_code == 400


def test_replies_to_an_update_are_a_thread_well_wishers_can_join(cast: Cast, as_user: Any) -> None:
    update = services.message_post(actor=cast.organiser, where=news_of(cast, cast.organiser), title="Home", body="x")
    url = reverse(
        "conversations:thread",
        kwargs={"circle_id": cast.circle.pk, "subject_kind": "update", "subject_id": update.message.pk},
    )
    assert as_user(cast.well_wisher).post(url, {"body": "Wonderful news"}).status_code == 302
    assert "Wonderful news" in text_of(as_user(cast.professional).get(url))
    missing = reverse(
        "conversations:thread", kwargs={"circle_id": cast.circle.pk, "subject_kind": "update", "subject_id": 999}
    )
    assert as_user(cast.organiser).get(missing).status_code == 404


def test_a_checkin_and_visitors_status_show_to_the_right_people(cast: Cast, as_user: Any) -> None:
    checkins = reverse("conversations:checkins", kwargs={"circle_id": cast.circle.pk})
    visitors = reverse("conversations:visitors", kwargs={"circle_id": cast.circle.pk})
    as_user(cast.helper).post(checkins, {"feeling": "2", "note": "Long week", "audience": "organisers"})
    assert "Long week" in text_of(as_user(cast.organiser).get(checkins))
    assert "Long week" not in text_of(as_user(cast.well_wisher).get(checkins))
    as_user(cast.person).post(visitors, {"status": "welcome", "note": "Afternoons are best"})
    home = reverse("circles:home", kwargs={"circle_id": cast.circle.pk})
    assert "<strong>Visitors welcome.</strong> Afternoons are best" in text_of(as_user(cast.well_wisher).get(home))


def test_a_photo_upload_too_big_for_the_limit_is_refused(cast: Cast, as_user: Any, settings: Any) -> None:
    settings.CIRCLE_PHOTO_MAX_BYTES = 100
    upload = SimpleUploadedFile("big.jpg", jpeg_with_location(), content_type="image/jpeg")
    response = as_user(cast.helper).post(_family(cast), {"body": "", "photos": upload})
    assert response.status_code == 400
    assert "too big" in text_of(response)


def test_a_removal_can_be_undone_by_its_remover_for_ten_minutes(cast: Cast, as_user: Any) -> None:
    import datetime

    import time_machine

    posted = services.message_post(actor=cast.helper, where=family_of(cast, cast.helper), body="Oops, wrong chat")
    kwargs = {
        "circle_id": cast.circle.pk,
        "conversation_id": posted.message.conversation_id,
        "message_id": posted.message.pk,
    }
    client = as_user(cast.helper)
    client.post(reverse("conversations:message_remove", kwargs=kwargs))
    assert "Undo" in text_of(client.get(_family(cast)))
    assert "Undo" not in text_of(as_user(cast.organiser).get(_family(cast)))
    assert as_user(cast.organiser).post(reverse("conversations:message_restore", kwargs=kwargs)).status_code == 302
    posted.message.refresh_from_db()
    assert posted.message.is_deleted
    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(minutes=11)):
        client.post(reverse("conversations:message_restore", kwargs=kwargs))
        posted.message.refresh_from_db()
        assert posted.message.is_deleted
    client.post(reverse("conversations:message_restore", kwargs=kwargs))
    posted.message.refresh_from_db()
    assert not posted.message.is_deleted
    assert "Oops, wrong chat" in text_of(as_user(cast.organiser).get(_family(cast)))


def test_the_home_section_is_a_live_region_with_its_own_fragment(cast: Cast, as_user: Any) -> None:
    home = text_of(as_user(cast.helper).get(reverse("circles:home", kwargs={"circle_id": cast.circle.pk})))
    fragment_url = reverse("conversations:home_fragment", kwargs={"circle_id": cast.circle.pk})
    assert f'data-live-src="{fragment_url}"' in home
    services.message_post(actor=cast.organiser, where=news_of(cast, cast.organiser), body="News")
    fragment = as_user(cast.helper).get(fragment_url, headers={"X-Requested-With": "fetch"})
    assert "1 new since you last looked" in text_of(fragment)
    assert "<html" not in fragment.content.decode()


def test_the_news_shows_the_newest_visitors_status_from_its_one_query(cast: Cast, as_user: Any) -> None:
    news = _news(cast)
    assert "Visitors welcome" not in text_of(as_user(cast.well_wisher).get(news))
    access = access_circle(user=cast.person, circle_id=cast.circle.pk)
    services.visitors_set(actor=cast.person, access=access, status="welcome", note="Afternoons are best")
    services.visitors_set(actor=cast.person, access=access, status="not_now", note="Resting")

    page = text_of(as_user(cast.well_wisher).get(news))
    assert "<strong>Not at the moment.</strong> Resting" in page
    assert "Afternoons are best" not in page


def test_opening_a_page_moves_the_read_marker_only_when_there_is_something_new(cast: Cast, as_user: Any) -> None:
    where = news_of(cast, cast.organiser)
    first = services.message_post(actor=cast.organiser, where=where, title="Out", body="Park").message
    client = as_user(cast.well_wisher)

    client.get(_news(cast))
    marker = ReadMarker.objects.get(conversation=where.conversation, user=cast.well_wisher)
    assert marker.last_read_id == first.pk

    second = services.message_post(actor=cast.organiser, where=where, title="Back", body="Tea").message
    client.get(_news(cast))
    marker.refresh_from_db()
    assert marker.last_read_id == second.pk

    # An older page never moves it back; seeing the newest again changes nothing.
    client.get(f"{_news(cast)}?before={second.pk}")
    client.get(_news(cast))
    marker.refresh_from_db()
    assert marker.last_read_id == second.pk
