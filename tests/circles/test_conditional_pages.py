"""Conditional GET beyond the circle home and calendar: "What I'm doing", the record and the conversations.

Each page answers 304 to a reload of the same page, renders again (a new ETag) for everyone allowed
as soon as anyone changes what it shows, and never answers 304 to someone whose rights changed.
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from carecircle.circles.access import access_circle
from carecircle.circles.conditional import circle_page_etag
from carecircle.circles.models import Role
from carecircle.circles.services import circle_create, membership_change, membership_remove
from carecircle.conversations import services as conversation_services
from carecircle.conversations.models import Message, ReactionKind
from carecircle.conversations.selectors import conversation_access_for
from carecircle.records.models import RecordView
from carecircle.tasks.services import task_volunteer
from tests.cast import Cast, invite_and_join
from tests.conftest import client_for
from tests.conversations.conftest import family_of, news_of
from tests.records.conftest import add_entry
from tests.tasks.conftest import make_task, soon

pytestmark = pytest.mark.django_db


def circle_pages(cast: Cast) -> dict[str, str]:
    ids = {"circle_id": cast.circle.pk}
    direct = conversation_services.direct_conversation(
        circle=cast.circle, user_id=cast.organiser.pk, other_user_id=cast.helper.pk
    )
    return {
        "record": reverse("records:index", kwargs=ids),
        "medications": reverse("records:section", kwargs={**ids, "section": "medications"}),
        "notes": reverse("records:section", kwargs={**ids, "section": "notes"}),
        "family": reverse("conversations:family", kwargs=ids),
        "news": reverse("conversations:news", kwargs=ids),
        "direct": reverse("conversations:conversation", kwargs={**ids, "conversation_id": direct.pk}),
    }


MINE = reverse("tasks:mine")
KIND = ReactionKind.values[0]


def again(client: Client, path: str, etag: str) -> Any:
    return client.get(path, headers={"if-none-match": etag})


def test_each_page_answers_304_to_a_reload_of_the_same_page(cast: Cast) -> None:
    client = client_for(cast.helper)
    for name, path in {**circle_pages(cast), "mine": MINE}.items():
        first = client.get(path)
        assert first.status_code == 200, name
        assert first["Cache-Control"] == "private, no-cache", name

        reload = again(client, path, first["ETag"])

        assert reload.status_code == 304, name
        assert reload.content == b"", name
        assert "Content-Security-Policy" not in reload, name


def test_a_record_change_by_anyone_shows_at_once_to_everyone_allowed(cast: Cast) -> None:
    pages = circle_pages(cast)
    readers = {name: client_for(cast.user(name)) for name in ("organiser", "helper", "person")}
    held = {
        (name, page): readers[name].get(pages[page])["ETag"] for name in readers for page in ("record", "medications")
    }

    add_entry(actor=cast.helper, circle=cast.circle, section="medications", name="Metformin")

    for (name, page), etag in held.items():
        response = again(readers[name], pages[page], etag)
        assert response.status_code == 200, (name, page)
        assert response["ETag"] != etag
    medications = again(readers["person"], pages["medications"], held[("person", "medications")])
    assert "Metformin" in medications.text


def test_a_message_by_anyone_shows_at_once_to_everyone_allowed(cast: Cast) -> None:
    pages = circle_pages(cast)
    readers = {name: client_for(cast.user(name)) for name in ("organiser", "helper", "person")}
    held = {name: client.get(pages["family"])["ETag"] for name, client in readers.items()}
    direct = readers["organiser"].get(pages["direct"])["ETag"]

    conversation_services.message_post(actor=cast.person, where=family_of(cast, cast.person), body="On my way")

    for name, client in readers.items():
        response = again(client, pages["family"], held[name])
        assert response.status_code == 200, name
        assert "On my way" in response.text
    # Another conversation of the circle renders again too: the key is the circle's sequence.
    assert again(readers["organiser"], pages["direct"], direct).status_code == 200


def test_a_reaction_and_a_removal_change_the_conversation(cast: Cast) -> None:
    family = circle_pages(cast)["family"]
    posted = conversation_services.message_post(actor=cast.helper, where=family_of(cast, cast.helper), body="Hello")
    organiser = client_for(cast.organiser)
    etag = organiser.get(family)["ETag"]

    conversation_services.reaction_set(
        actor=cast.organiser, where=family_of(cast, cast.organiser), message=posted.message, kind=KIND, on=True
    )
    reacted = again(organiser, family, etag)
    assert reacted.status_code == 200

    conversation_services.message_remove(actor=cast.helper, where=family_of(cast, cast.helper), message=posted.message)
    assert again(organiser, family, reacted["ETag"]).status_code == 200


def test_an_undo_link_that_has_run_out_is_not_kept_by_a_304(cast: Cast) -> None:
    family = circle_pages(cast)["family"]
    posted = conversation_services.message_post(actor=cast.helper, where=family_of(cast, cast.helper), body="Oops")
    conversation_services.message_remove(actor=cast.helper, where=family_of(cast, cast.helper), message=posted.message)
    helper = client_for(cast.helper)
    page = helper.get(family)
    assert "restore/" in page.text
    assert again(helper, family, page["ETag"]).status_code == 304

    removed_at = Message.objects.get(pk=posted.message.pk).deleted_at
    assert removed_at is not None
    with time_machine.travel(removed_at + datetime.timedelta(minutes=11)):
        later = again(helper, family, page["ETag"])

    assert later.status_code == 200
    assert "restore/" not in later.text


def test_mine_changes_with_any_of_the_viewers_circles(cast: Cast) -> None:
    helper = client_for(cast.helper)
    task = make_task(actor=cast.organiser, circle=cast.circle, title="Shopping run")
    etag = helper.get(MINE)["ETag"]

    task_volunteer(actor=cast.helper, task=task, occurrence_date=soon())
    going = again(helper, MINE, etag)
    assert going.status_code == 200
    assert "Shopping run" in going.text

    # Joining a second circle, and a change there, each render the page again.
    second = circle_create(actor=cast.outsider, person_name="Grandma", relationship="grandson")
    invite_and_join(inviter=cast.outsider, circle=second, user=cast.helper, role=Role.HELPER)
    joined = again(helper, MINE, going["ETag"])
    assert joined.status_code == 200
    there = make_task(actor=cast.outsider, circle=second, title="Garden", start_date=soon(2))
    task_volunteer(actor=cast.helper, task=there, occurrence_date=soon(2))
    changed = again(helper, MINE, joined["ETag"])
    assert changed.status_code == 200
    assert "Garden" in changed.text


def test_a_lost_capability_never_gets_a_304(cast: Cast) -> None:
    client = client_for(cast.helper)
    pages = circle_pages(cast)
    held = {page: client.get(path)["ETag"] for page, path in pages.items()}
    mine = client.get(MINE)["ETag"]

    membership_change(actor=cast.organiser, member=cast.membership("helper"), role=Role.WELL_WISHER)

    for page, path in pages.items():
        response = again(client, path, held[page])
        assert response.status_code != 304, page
        if response.status_code == 200:
            assert response["ETag"] != held[page], page
    for page in ("record", "medications", "notes"):
        assert again(client, pages[page], held[page]).status_code == 403, page
    assert again(client, MINE, mine).status_code == 200


def test_a_removed_member_never_gets_a_304(cast: Cast) -> None:
    client = client_for(cast.helper)
    pages = circle_pages(cast)
    held = {page: client.get(path)["ETag"] for page, path in pages.items()}
    mine = client.get(MINE)["ETag"]

    membership_remove(actor=cast.organiser, member=cast.membership("helper"))

    for page, path in pages.items():
        assert again(client, path, held[page]).status_code == 404, page
    assert again(client, MINE, mine).status_code == 200


def test_the_etag_holds_the_capability_set_not_only_the_sequence(cast: Cast, rf: Any) -> None:
    """Two viewers at the same sequence with different rights never share an ETag."""
    access = access_circle(user=cast.helper, circle_id=cast.circle.pk)
    request = rf.get(circle_pages(cast)["medications"])
    request.user = cast.helper
    fewer = dataclasses.replace(access, capabilities=access.capabilities - {"records.read.medications"})

    assert circle_page_etag(request, access) != circle_page_etag(request, fewer)
    assert circle_page_etag(request, [access]) != circle_page_etag(request, [fewer])
    assert circle_page_etag(request, access, extra=["undo:1"]) != circle_page_etag(request, access)


def test_a_professionals_reload_is_still_written_to_who_looked(cast: Cast) -> None:
    client = client_for(cast.professional)
    path = circle_pages(cast)["medications"]
    etag = client.get(path)["ETag"]
    looks = RecordView.objects.filter(circle=cast.circle, viewer=cast.professional).count()

    assert again(client, path, etag).status_code == 304
    assert RecordView.objects.filter(circle=cast.circle, viewer=cast.professional).count() == looks + 1


def test_the_day_turning_renders_again(cast: Cast) -> None:
    client = client_for(cast.helper)
    etag = client.get(MINE)["ETag"]
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    with time_machine.travel(tomorrow):
        assert again(client, MINE, etag).status_code == 200


def thread_pages(cast: Cast) -> dict[str, str]:
    """An update's replies and a task's comments, each made once."""
    update = conversation_services.message_post(
        actor=cast.organiser, where=news_of(cast, cast.organiser), title="Home", body="Dad is home"
    )
    task = make_task(actor=cast.organiser, circle=cast.circle, title="Lift to the eye clinic")
    return {
        "replies": reverse("conversations:thread", args=[cast.circle.pk, "update", update.message.pk]),
        "comments": reverse("conversations:thread", args=[cast.circle.pk, "task", task.pk]),
    }


def thread_of(cast: Cast, user: Any, path: str) -> Any:
    """The thread at `path` as `user` may reach it, for posting through the service."""
    _, subject_kind, subject_id = path.rstrip("/").rsplit("/", 2)
    access = access_circle(user=user, circle_id=cast.circle.pk)
    conversation = conversation_services.thread_conversation(
        circle=cast.circle, subject_kind=subject_kind, subject_id=int(subject_id)
    )
    return conversation_access_for(access, conversation)


FRAGMENT = {"X-Requested-With": "fetch"}


def test_a_reply_by_anyone_shows_at_once_in_every_thread_to_everyone_allowed(cast: Cast) -> None:
    threads = thread_pages(cast)
    readers = {name: client_for(cast.user(name)) for name in ("organiser", "helper", "person")}
    held: dict[tuple[str, str, bool], str] = {}
    for name, client in readers.items():
        for page, path in threads.items():
            for fragment in (False, True):
                first = client.get(path, headers=FRAGMENT if fragment else {})
                assert first.status_code == 200, (name, page, fragment)
                assert first["Cache-Control"] == "private, no-cache"
                reload = client.get(path, headers={"if-none-match": first["ETag"], **(FRAGMENT if fragment else {})})
                assert reload.status_code == 304, (name, page, fragment)
                assert reload.content == b""
                held[(name, page, fragment)] = first["ETag"]
    # A page and its fragment never share an ETag.
    assert held[("helper", "replies", False)] != held[("helper", "replies", True)]

    for page, path in threads.items():
        conversation_services.message_post(actor=cast.person, where=thread_of(cast, cast.person, path), body=page)

    for (name, page, fragment), etag in held.items():
        headers = {"if-none-match": etag, **(FRAGMENT if fragment else {})}
        response = readers[name].get(threads[page], headers=headers)
        assert response.status_code == 200, (name, page, fragment)
        assert response["ETag"] != etag
        assert f">{page}<" in response.text or f"{page}</" in response.text, (name, page, fragment)


def test_a_viewer_who_lost_access_never_gets_a_304_of_a_thread(cast: Cast) -> None:
    threads = thread_pages(cast)
    helper = client_for(cast.helper)
    held = {
        (page, fragment): helper.get(path, headers=FRAGMENT if fragment else {})["ETag"]
        for page, path in threads.items()
        for fragment in (False, True)
    }

    membership_change(actor=cast.organiser, member=cast.membership("helper"), role=Role.WELL_WISHER)

    for (page, fragment), etag in held.items():
        response = helper.get(threads[page], headers={"if-none-match": etag, **(FRAGMENT if fragment else {})})
        assert response.status_code != 304, (page, fragment)
        if response.status_code == 200:
            assert response["ETag"] != etag, (page, fragment)
    membership_remove(actor=cast.organiser, member=cast.membership("helper"))

    for (page, fragment), etag in held.items():
        response = helper.get(threads[page], headers={"if-none-match": etag, **(FRAGMENT if fragment else {})})
        assert response.status_code == 404, (page, fragment)


def test_a_threads_304_reads_no_messages_and_no_label(cast: Cast) -> None:
    """A reload of an update's replies costs the user, the access check, the thread and the update's
    rule (for reading, then for writing), never the messages, reactions or the update's title."""
    replies = thread_pages(cast)["replies"]
    conversation_services.message_post(actor=cast.helper, where=thread_of(cast, cast.helper, replies), body="Great")
    client = client_for(cast.organiser)
    page = client.get(replies)

    with CaptureQueriesContext(connection) as reload:
        assert client.get(replies, headers={"if-none-match": page["ETag"]}).status_code == 304
    with CaptureQueriesContext(connection) as drawn:
        assert client.get(replies).status_code == 200

    assert len(reload) == 5
    # The page of replies is kept per circle event (conversations/fragments.py), so a 200 reads no
    # messages either: the 304 saves the drawing of the page and the reader's own parts.
    assert len(drawn) == 6
