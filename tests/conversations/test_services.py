"""The conversation services: idempotent posting, edits with history, soft removal, reactions, markers, events."""

from __future__ import annotations

import io
import uuid
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from PIL import Image

from carecircle.audit.models import AuditEntry
from carecircle.circles.access import access_circle
from carecircle.conversations import services
from carecircle.conversations.models import Message, MessageKind, MessageRevision, Reaction, ReadMarker
from carecircle.conversations.photos import PhotoError, photo_reencode
from carecircle.realtime.models import CircleEvent
from tests.cast import Cast
from tests.conversations.conftest import family_of, jpeg_with_location, news_of


def test_posting_twice_with_one_client_id_stores_one_message_and_one_event(cast: Cast) -> None:
    where = family_of(cast, cast.helper)
    client_id = uuid.uuid4()
    first = services.message_post(actor=cast.helper, where=where, body="On my way", client_id=client_id)
    again = services.message_post(actor=cast.helper, where=where, body="On my way", client_id=client_id)
    assert first.created
    assert not again.created
    assert again.message.pk == first.message.pk
    assert Message.objects.filter(author=cast.helper).count() == 1
    assert CircleEvent.objects.filter(circle=cast.circle, type="message.posted").count() == 1


def test_a_client_id_used_in_another_conversation_is_refused(cast: Cast) -> None:
    client_id = uuid.uuid4()
    services.message_post(actor=cast.helper, where=family_of(cast, cast.helper), body="Hi", client_id=client_id)
    with pytest.raises(services.ConversationError, match="client_id"):
        services.message_post(actor=cast.helper, where=news_of(cast, cast.helper), body="Hi", client_id=client_id)


def test_the_live_event_of_a_message_carries_ids_and_no_words(cast: Cast, events: Any) -> None:
    where = family_of(cast, cast.helper)
    with events(execute=True):
        posted = services.message_post(actor=cast.helper, where=where, body="Secret words about Dad")
    event = CircleEvent.objects.filter(circle=cast.circle).order_by("-seq").first()
    assert event is not None
    message = event.as_message()
    assert set(message) == {"type", "circle", "seq", "conversation", "message"}
    assert message["message"] == posted.message.pk
    assert "Secret" not in str(message)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("   ", "Write something"),
        ("x" * 5001, "Keep it under 5,000"),
        ("bad\x00byte", "null character"),
    ],
)
def test_bad_messages_are_refused_with_a_plain_reason(cast: Cast, body: str, expected: str) -> None:
    with pytest.raises(services.ConversationError, match=expected):
        services.message_post(actor=cast.helper, where=family_of(cast, cast.helper), body=body)
    assert not Message.objects.exists()


def test_markup_is_escaped_and_links_are_made_safe(cast: Cast) -> None:
    posted = services.message_post(
        actor=cast.helper,
        where=family_of(cast, cast.helper),
        body="<script>alert(1)</script> <img src=x onerror=alert(2)> **well** javascript:alert(3) https://nhs.uk/x?a=1&b=2",
    )
    html = posted.message.body_html
    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "<strong>well</strong>" in html
    assert '<a href="https://nhs.uk/x?a=1&amp;b=2" rel="noopener nofollow ugc">' in html
    assert 'href="javascript' not in html


def test_mentions_name_members_by_full_or_first_name(cast: Cast) -> None:
    posted = services.message_post(
        actor=cast.helper, where=family_of(cast, cast.helper), body="@Olivia Organiser and @paid, thanks! Email a@b.c"
    )
    assert posted.message.mentions == [cast.organiser.pk, cast.paid_carer.pk]
    assert '<span class="mention">@Olivia Organiser</span>' in posted.message.body_html


def test_an_edit_keeps_the_earlier_wording_and_shows_edited(cast: Cast) -> None:
    where = family_of(cast, cast.helper)
    message = services.message_post(actor=cast.helper, where=where, body="Visit at 3").message
    services.message_edit(actor=cast.helper, where=where, message=message, body="Visit at 4")
    message.refresh_from_db()
    assert message.body == "Visit at 4"
    assert message.edited_at is not None
    assert list(MessageRevision.objects.filter(message=message).values_list("body", flat=True)) == ["Visit at 3"]


def test_only_the_author_can_edit(cast: Cast) -> None:
    message = services.message_post(actor=cast.helper, where=family_of(cast, cast.helper), body="Mine").message
    with pytest.raises(PermissionDenied):
        services.message_edit(
            actor=cast.organiser, where=family_of(cast, cast.organiser), message=message, body="Changed"
        )


def test_an_organiser_removes_anyones_message_softly_and_it_is_audited(cast: Cast) -> None:
    message = services.message_post(actor=cast.helper, where=family_of(cast, cast.helper), body="Oops").message
    services.message_remove(actor=cast.organiser, where=family_of(cast, cast.organiser), message=message)
    message.refresh_from_db()
    assert message.is_deleted
    assert message.body == "Oops"
    entry = AuditEntry.objects.get(action="message.removed")
    assert entry.subject_user == cast.helper
    assert entry.data["by_author"] is False


def test_a_helper_cannot_remove_someone_elses_message(cast: Cast) -> None:
    message = services.message_post(actor=cast.organiser, where=family_of(cast, cast.organiser), body="Hi").message
    with pytest.raises(PermissionDenied):
        services.message_remove(actor=cast.helper, where=family_of(cast, cast.helper), message=message)
    message.refresh_from_db()
    assert not message.is_deleted


def test_reactions_count_once_per_person_and_can_be_taken_back(cast: Cast) -> None:
    update = services.message_post(
        actor=cast.organiser, where=news_of(cast, cast.organiser), title="This week", body="Dad is well"
    ).message
    where = news_of(cast, cast.well_wisher)
    assert services.reaction_set(actor=cast.well_wisher, where=where, message=update, kind="heart", on=True)
    assert not services.reaction_set(actor=cast.well_wisher, where=where, message=update, kind="heart", on=True)
    assert Reaction.objects.filter(message=update).count() == 1
    assert services.reaction_set(actor=cast.well_wisher, where=where, message=update, kind="heart", on=False)
    assert not Reaction.objects.exists()


def test_a_well_wisher_sends_support_but_cannot_post_an_update(cast: Cast) -> None:
    where = news_of(cast, cast.well_wisher)
    support = services.message_post(actor=cast.well_wisher, where=where, body="Thinking of you all").message
    assert support.kind == MessageKind.SUPPORT
    with pytest.raises(PermissionDenied):
        services.message_post(actor=cast.well_wisher, where=where, title="News", body="Hello")


def test_an_update_is_audited_with_its_headline(cast: Cast) -> None:
    services.message_post(actor=cast.helper, where=news_of(cast, cast.helper), title="Home again", body="Back today")
    assert AuditEntry.objects.get(action="update.posted").data["title"] == "Home again"


def test_a_read_marker_never_moves_back(cast: Cast) -> None:
    where = family_of(cast, cast.helper)
    first = services.message_post(actor=cast.organiser, where=family_of(cast, cast.organiser), body="1").message
    second = services.message_post(actor=cast.organiser, where=family_of(cast, cast.organiser), body="2").message
    assert services.read_marker_set(actor=cast.helper, where=where, last_read_id=second.pk) == second.pk
    assert services.read_marker_set(actor=cast.helper, where=where, last_read_id=first.pk) == second.pk
    assert ReadMarker.objects.get(user=cast.helper).last_read_id == second.pk


def test_a_photo_loses_its_location_and_camera_and_gets_a_thumbnail(cast: Cast) -> None:
    original = jpeg_with_location((2000, 1000))
    assert b"SpyCam" in original
    photo = photo_reencode(io.BytesIO(original), size=len(original))
    assert b"SpyCam" not in photo.image
    assert b"Exif" not in photo.image
    with Image.open(io.BytesIO(photo.image)) as full, Image.open(io.BytesIO(photo.thumbnail)) as thumb:
        assert max(full.size) == 1600
        assert not full.getexif()
        assert thumb.size == (320, 320)


def test_a_file_that_is_not_a_photo_is_refused(cast: Cast) -> None:
    with pytest.raises(PhotoError, match="isn't a picture"):
        photo_reencode(io.BytesIO(b"\x00\x01binary junk" * 50), size=650)
    with pytest.raises(PhotoError, match="too big"):
        photo_reencode(io.BytesIO(b""), size=50 * 1024 * 1024)


def test_a_checkin_reaches_only_its_audience(cast: Cast) -> None:
    from carecircle.conversations.selectors import checkins_visible_to

    access = access_circle(user=cast.helper, circle_id=cast.circle.pk)
    services.checkin_post(actor=cast.helper, access=access, feeling=2, note="Tired", audience="organisers")
    assert checkins_visible_to(access=access_circle(user=cast.organiser, circle_id=cast.circle.pk))
    assert checkins_visible_to(access=access)
    assert not checkins_visible_to(access=access_circle(user=cast.well_wisher, circle_id=cast.circle.pk))
    assert not checkins_visible_to(access=access_circle(user=cast.paid_carer, circle_id=cast.circle.pk))


def test_visitors_status_is_set_by_organisers_only_and_kept(cast: Cast) -> None:
    organiser = access_circle(user=cast.organiser, circle_id=cast.circle.pk)
    services.visitors_set(actor=cast.organiser, access=organiser, status="welcome", note="Afternoons")
    services.visitors_set(actor=cast.organiser, access=organiser, status="not_now")
    assert AuditEntry.objects.filter(action="visitors.changed").count() == 2
    with pytest.raises(PermissionDenied):
        services.visitors_set(
            actor=cast.helper, access=access_circle(user=cast.helper, circle_id=cast.circle.pk), status="welcome"
        )


def test_thanks_reach_the_helper_once_and_never_the_sender_themselves(cast: Cast) -> None:
    thanks, created = services.thanks_send(
        actor=cast.organiser,
        circle=cast.circle,
        recipient=cast.helper,
        subject_kind="task",
        subject_id=7,
        subject_label="Lift to hospital",
    )
    again, created_again = services.thanks_send(
        actor=cast.organiser, circle=cast.circle, recipient=cast.helper, subject_kind="task", subject_id=7
    )
    assert created
    assert not created_again
    assert again.pk == thanks.pk
    assert AuditEntry.objects.get(action="thanks.sent").subject_user == cast.helper
    with pytest.raises(services.ConversationError, match="thank yourself"):
        services.thanks_send(actor=cast.helper, circle=cast.circle, recipient=cast.helper)
    with pytest.raises(PermissionDenied):
        services.thanks_send(actor=cast.outsider, circle=cast.circle, recipient=cast.helper)
