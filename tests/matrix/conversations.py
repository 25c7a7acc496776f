"""Matrix rows for conversations: the family conversation, news and support, direct messages, threads, check-ins.

By default helpers read the family conversation; paid carers and well-wishers only with consent, and
professionals never. Everyone reads updates and sends support. Direct messages exist only for
their two members: anyone else gets 404, as if they didn't exist.
"""

from __future__ import annotations

import io
from typing import Any

from django.urls import reverse

from carecircle.circles.access import access_circle
from carecircle.conversations import selectors, services
from carecircle.conversations.models import CheckIn, Conversation, Message, Reaction, VisitorsStatus
from carecircle.conversations.photos import photo_reencode
from tests.matrix.base import World, Write

# Columns: person, organiser, helper, paid_carer, professional, well_wisher, org_staff, outsider, anonymous.
FAMILY_READ = "200 200 200 403 403 403 404 404 302"
FAMILY_FORM = "302 302 302 403 403 403 404 404 302"
EVERYONE_READ = "200 200 200 200 200 200 404 404 302"
EVERYONE_FORM = "302 302 302 302 302 302 404 404 302"
NOT_ALLOWED = "405 405 405 405 405 405 405 405 405"

WEB: dict[tuple[str, str], str] = {
    ("conversations:family", "GET"): FAMILY_READ,
    ("conversations:family", "POST"): FAMILY_FORM,
    ("conversations:news", "GET"): EVERYONE_READ,
    ("conversations:news", "POST"): EVERYONE_FORM,
    ("conversations:direct_list", "GET"): FAMILY_READ,
    ("conversations:direct_list", "POST"): FAMILY_FORM,
    # The direct conversation between the organiser and the helper.
    ("conversations:conversation", "GET"): "404 200 200 404 404 404 404 404 302",
    ("conversations:conversation", "POST"): "404 302 302 404 404 404 404 404 302",
    ("conversations:messages_after", "GET"): FAMILY_READ,
    ("conversations:messages_after", "POST"): NOT_ALLOWED,
    # Without the fetch header, a single message redirects to its place in the conversation.
    ("conversations:message", "GET"): "200 200 200 403 403 403 404 404 302",
    ("conversations:message", "POST"): NOT_ALLOWED,
    # The helper's own message (with a photo, so an empty text is a valid edit): only they may change it;
    # organisers may remove it.
    ("conversations:message_edit", "GET"): "403 403 200 403 403 403 404 404 302",
    ("conversations:message_edit", "POST"): "403 403 302 403 403 403 404 404 302",
    ("conversations:message_remove", "GET"): "200 200 200 403 403 403 404 404 302",
    ("conversations:message_remove", "POST"): "302 302 302 403 403 403 404 404 302",
    # Nothing was removed, so there is nothing to undo: the page simply comes back.
    ("conversations:message_restore", "GET"): NOT_ALLOWED,
    ("conversations:message_restore", "POST"): "302 302 302 403 403 403 404 404 302",
    # One message's reaction form for chat.js: whoever may react to it.
    ("conversations:message_reactions", "GET"): "200 200 200 403 403 403 404 404 302",
    ("conversations:message_reactions", "POST"): NOT_ALLOWED,
    # chat.js's words (Django's JavaScript catalog): public, like the script itself.
    ("conversations:strings", "GET"): "200 200 200 200 200 200 200 200 200",
    ("conversations:strings", "POST"): NOT_ALLOWED,
    ("conversations:react", "GET"): NOT_ALLOWED,
    ("conversations:react", "POST"): FAMILY_FORM,
    # Replies to an update: whoever reads updates reads them; whoever sends support writes them.
    ("conversations:thread", "GET"): EVERYONE_READ,
    ("conversations:thread", "POST"): EVERYONE_FORM,
    # A photo in the family conversation.
    ("conversations:photo", "GET"): FAMILY_READ,
    ("conversations:photo", "POST"): NOT_ALLOWED,
    ("conversations:photo_thumbnail", "GET"): FAMILY_READ,
    ("conversations:photo_thumbnail", "POST"): NOT_ALLOWED,
    ("conversations:home_fragment", "GET"): EVERYONE_READ,
    ("conversations:home_fragment", "POST"): NOT_ALLOWED,
    ("conversations:checkins", "GET"): EVERYONE_READ,
    ("conversations:checkins", "POST"): EVERYONE_FORM,
    ("conversations:visitors", "GET"): EVERYONE_READ,
    ("conversations:visitors", "POST"): "302 302 403 403 403 403 404 404 302",
    ("conversations:search", "GET"): EVERYONE_READ,
    ("conversations:search", "POST"): NOT_ALLOWED,
}

# API: 401 without credentials, 404 for outsiders, 403 without the capability; writes use valid bodies.
FAMILY_API = "200 200 200 403 403 403 404 404 401"
EVERYONE_API = "200 200 200 200 200 200 404 404 401"
FAMILY_DONE = "204 204 204 403 403 403 404 404 401"

API: dict[tuple[str, str], str] = {
    ("conversation_list", "GET"): EVERYONE_API,
    ("direct_open", "POST"): FAMILY_API,
    ("message_list", "GET"): FAMILY_API,
    ("message_create", "POST"): "201 201 201 403 403 403 404 404 401",
    ("message_get", "GET"): FAMILY_API,
    ("message_update", "PATCH"): "403 403 200 403 403 403 404 404 401",
    ("message_remove", "DELETE"): FAMILY_DONE,
    ("message_restore", "POST"): FAMILY_API,
    ("reaction_add", "PUT"): FAMILY_DONE,
    ("reaction_remove", "DELETE"): FAMILY_DONE,
    ("read_marker_set", "PUT"): FAMILY_API,
    ("update_list", "GET"): EVERYONE_API,
    ("update_create", "POST"): "201 201 201 403 403 403 404 404 401",
    ("checkin_list", "GET"): EVERYONE_API,
    ("checkin_create", "POST"): "201 201 201 201 201 201 404 404 401",
}

API_BODIES: dict[str, Any] = {
    "direct_open": lambda world: {"user_id": world.cast.well_wisher.pk},
    "message_create": {"body": "Hello from the matrix"},
    "message_update": {"body": "Changed"},
    "read_marker_set": {"last_read_id": 0},
    "update_create": {"title": "This week", "body": "All well"},
    "checkin_create": {"feeling": 4, "audience": "family"},
}


def _tiny_photo() -> Any:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(buffer, "JPEG")
    return photo_reencode(io.BytesIO(buffer.getvalue()), size=len(buffer.getvalue()))


def prepare(world: World) -> dict[str, Any]:
    cast = world.cast
    helper = access_circle(user=cast.helper, circle_id=cast.circle.pk)
    organiser = access_circle(user=cast.organiser, circle_id=cast.circle.pk)
    family = selectors.conversation_access_for(helper, services.family_conversation(circle=cast.circle))
    message = services.message_post(actor=cast.helper, where=family, body="Dad enjoyed lunch", photos=[_tiny_photo()])
    news = selectors.conversation_access_for(organiser, services.news_conversation(circle=cast.circle))
    update = services.message_post(actor=cast.organiser, where=news, title="This week", body="Dad is well").message
    direct = services.direct_conversation(circle=cast.circle, user_id=cast.organiser.pk, other_user_id=cast.helper.pk)
    return {
        "conversation_id": family.conversation.pk,
        "message_id": message.message.pk,
        "photo_id": message.message.photos.get().pk,
        "subject_kind": "update",
        "subject_id": update.pk,
        "direct_conversation_id": direct.pk,
        "update_id": update.pk,
        "reaction": "heart",
    }


def url(world: World, name: str) -> str | None:
    circle_id = world.cast.circle.pk
    if name == "conversations:conversation":
        return reverse(name, kwargs={"circle_id": circle_id, "conversation_id": world.extra["direct_conversation_id"]})
    if name == "conversations:messages_after":
        base = reverse(name, kwargs={"circle_id": circle_id, "conversation_id": world.extra["conversation_id"]})
        return f"{base}?after=0"
    return None


def _count(model: Any, **filters: Any) -> Any:
    return lambda world: model.objects.filter(**filters).count()


def _message(world: World) -> tuple[Any, ...]:
    found = Message.objects.get(pk=world.extra["message_id"])
    return (found.body, found.deleted_at)


WRITES: dict[str, Write] = {
    "conversations:family": Write(form={"body": "Hello from the matrix"}, changes=_count(Message)),
    "conversations:news": Write(form={"body": "Thinking of you all"}, changes=_count(Message)),
    "conversations:direct_list": Write(
        form=lambda world: {"member": world.cast.well_wisher.pk}, changes=_count(Conversation)
    ),
    "conversations:conversation": Write(form={"body": "Just between us"}, changes=_count(Message)),
    "conversations:message_edit": Write(form={"body": "Dad enjoyed his lunch"}, changes=_message),
    "conversations:message_remove": Write(form={}, changes=_message),
    # Nothing was removed, so there is nothing to undo.
    "conversations:message_restore": Write(form={}, changes=_message, unchanged_for=("person", "organiser", "helper")),
    "conversations:react": Write(form={"reaction": "hug:1"}, changes=_count(Reaction)),
    "conversations:thread": Write(form={"body": "Lovely news"}, changes=_count(Message)),
    "conversations:checkins": Write(form={"feeling": 4, "note": "", "audience": "family"}, changes=_count(CheckIn)),
    "conversations:visitors": Write(form={"status": "ask_first", "note": ""}, changes=_count(VisitorsStatus)),
}
