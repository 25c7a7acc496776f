"""Exact query counts, Zulip style, for every page and every API read, with little data and with much.

Every page and API operation a member can read (a GET row of the permission matrix with a 200) is
requested as the first member the matrix lets in, once in the matrix's world and once after that
world has grown (more members, tasks, record entries, messages, links, invitations, tokens). Each
must cost exactly the number in QUERIES, both times: a count that grows with rows fails, and so does
any change at all, so a new query is a decision someone made. When a change is intended, the failure
prints the lines to paste into QUERIES.
"""

from __future__ import annotations

import difflib
import io
from typing import Any

import time_machine
from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from carecircle.accounts.services import api_token_create
from carecircle.circles.access import access_circle
from carecircle.circles.models import InvitationChannel
from carecircle.circles.services import invitation_create
from carecircle.conversations import selectors as conversation_selectors
from carecircle.conversations import services as conversation_services
from carecircle.conversations.photos import photo_reencode
from carecircle.records.services import share_link_create
from carecircle.tasks.services import task_volunteer
from tests.api.operations import api_operations, fill_path
from tests.cast import Cast
from tests.circles.conftest import add_members
from tests.conversations.conftest import jpeg_with_location
from tests.matrix.base import COLUMNS, World
from tests.records.conftest import add_entry
from tests.tasks.conftest import make_task, soon
from tests.test_permission_matrix import API_MATRIX, WEB_MATRIX, api_client, in_world, web_client, web_url, world

__all__ = ["in_world", "world"]  # The matrix's fixtures, used here.

MORE = 25

# "page <url name>" or "api <operation id>": queries with little data and with much (the same).
QUERIES: dict[str, int] = {
    "api audit_list": 3,
    "api calendar_feed_list": 2,
    "api checkin_list": 3,
    "api circle_get": 2,
    "api circle_list": 2,
    "api consent_get": 3,
    "api conversation_list": 8,
    "api event_list": 3,
    "api invitation_list": 3,
    "api me_get": 1,
    "api member_list": 3,
    "api message_get": 6,
    "api message_list": 6,
    "api delivery_get": 3,
    "api delivery_list": 3,
    "api notification_list": 3,
    "api notification_preferences_get": 5,
    "api push_device_list": 3,
    "api occurrence_list": 5,
    "api org_invite_code_list": 3,
    "api org_referral_get": 3,
    "api org_referral_list": 3,
    "api org_report_get": 8,
    "api org_signposting_list": 4,
    "api record_document_download": 3,
    "api record_entry_get": 3,
    "api record_entry_list": 3,
    "api record_entry_versions": 4,
    "api record_export": 23,
    "api record_fhir": 4,
    "api record_sections": 3,
    "api record_share_list": 3,
    "api record_summary_pdf": 3,
    "api record_view_list": 3,
    "api task_get": 3,
    "api token_list": 2,
    "api update_list": 6,
    "api visit_log_list": 3,
    "page accounts:delete": 8,
    "page accounts:email_change": 1,
    "page accounts:passkey_add": 5,
    "page accounts:password_change": 1,
    "page accounts:password_reset": 1,
    "page accounts:password_reset_complete": 1,
    "page accounts:password_reset_sent": 1,
    "page accounts:profile": 1,
    "page accounts:security": 8,
    "page accounts:sessions": 2,
    "page accounts:step_up": 8,
    "page accounts:time_zone_country": 1,
    "page accounts:time_zone_region": 1,
    "page accounts:time_zone_regions": 1,
    "page accounts:tokens": 3,
    "page accounts:totp_setup": 4,
    "page accounts:your_data": 1,
    "page accounts:your_data_download": 33,
    "page api:api-root": 1,
    "page audit:circle_log": 3,
    "page circles:close": 2,
    "page circles:consent": 2,
    "page circles:create": 1,
    "page circles:edit": 2,
    "page circles:home": 11,
    "page circles:invitation": 3,
    "page circles:invitations": 3,
    "page circles:invite": 2,
    "page circles:leave": 2,
    "page circles:list": 3,
    "page circles:member_edit": 3,
    "page circles:member_remove": 3,
    "page circles:members": 4,
    "page circles:members_fragment": 3,
    "page circles:photo": 2,
    "page conversations:checkins": 4,
    "page conversations:conversation": 5,
    "page conversations:direct_list": 4,
    "page conversations:family": 6,
    "page conversations:home_fragment": 3,
    "page conversations:message": 6,
    "page conversations:message_edit": 4,
    "page conversations:message_reactions": 5,
    "page conversations:message_remove": 4,
    "page conversations:messages_after": 8,
    "page conversations:news": 7,
    "page conversations:photo": 3,
    "page conversations:photo_thumbnail": 3,
    "page conversations:search": 2,
    "page conversations:strings": 1,
    "page conversations:thread": 7,
    "page conversations:visitors": 3,
    "page notifications:list": 3,
    "page notifications:mute": 2,
    "page notifications:preferences": 5,
    "page notifications:preferences_kinds": 5,
    "page notifications:preferences_push": 7,
    "page notifications:preferences_when": 6,
    "page notifications:stop_emails": 2,
    "page notifications:unread": 2,
    "page orgs:circle_link_answer": 3,
    "page orgs:circle_link_open": 3,
    "page orgs:circle_link_requests": 3,
    "page orgs:find_support": 2,
    "page orgs:home": 5,
    "page orgs:invite_codes": 4,
    "page orgs:landing": 2,
    "page orgs:list": 3,
    "page orgs:logo": 2,
    "page orgs:refer": 2,
    "page orgs:refer_sent": 2,
    "page orgs:referral": 10,
    "page orgs:referral_attachment": 5,
    "page orgs:referral_board": 8,
    "page orgs:referral_import": 2,
    "page orgs:referral_new": 2,
    "page orgs:referral_status": 2,
    "page orgs:referrals": 5,
    "page orgs:reports": 8,
    "page orgs:staff": 3,
    "page orgs:staff_join": 2,
    "page realtime:events": 3,
    "page records:access_log": 3,
    "page records:document": 3,
    "page records:entry_add": 2,
    "page records:entry_edit": 3,
    "page records:entry_history": 10,
    "page records:essentials": 3,
    "page records:essentials_pdf": 3,
    "page records:export": 4,
    "page records:export_download": 23,
    "page records:fhir": 4,
    "page records:index": 3,
    "page records:section": 4,
    "page records:section_fragment": 4,
    "page records:share_links": 3,
    "page records:shared": 11,
    "page records:shared_document": 4,
    "page records:shared_essentials": 4,
    "page records:shared_fhir": 4,
    "page records:shared_pdf": 4,
    "page tasks:agenda": 5,
    "page tasks:away": 4,
    "page tasks:away_done": 4,
    "page tasks:cancel": 6,
    "page tasks:create": 2,
    "page tasks:detail": 14,
    "page tasks:edit": 6,
    "page tasks:email_action": 5,
    "page tasks:feed": 5,
    "page tasks:feeds": 4,
    "page tasks:mine": 5,
    "page tasks:month": 5,
    "page tasks:needs_help": 5,
    "page tasks:offers": 3,
    "page tasks:rota": 6,
    "page tasks:stand_ins": 4,
    "page tasks:visit_log": 5,
    "page tasks:week": 5,
    "page web:accessibility": 1,
    "page web:healthz": 2,
    "page web:manifest": 1,
    "page web:offline": 1,
    "page web:ping": 0,
    "page web:sw": 1,
}

# A direct conversation and an update's replies holding messages (the matrix's are empty), seen by the
# organiser: the family page's 6, and the other person (direct) or the subject's rule twice and its label.
QUERIES_WITH_MESSAGES = {"direct": 7, "thread": 9}
# A conversation's page of messages kept for the reader's position (conversations/fragments.py) reads
# neither the messages nor their photos, and of the reactions only the reader's own: two queries fewer
# than drawing it (which the matrix counts, with the cache off).
KEPT_LIST_SAVES = 2

# Lists that must show the grown data, so the second count is really of much more.
GROWN = [
    "page circles:invitations",
    "page tasks:agenda",
    "page conversations:family",
    "page conversations:news",
    "page records:section",
    "api delivery_list",
    "api member_list",
    "api occurrence_list",
    "api record_share_list",
    "api message_list",
]


def reader(expected: str) -> str | None:
    """The first member the row lets read (the organiser if they may): whose view is counted."""
    answers = dict(zip(COLUMNS, expected.split(), strict=True))
    for column in ("organiser", *COLUMNS):
        # 202: the summary PDF, "being prepared" until the worker has drawn it (counted once drawn).
        if answers[column] in ("200", "202") and column != "anonymous":
            return column
    return None


def targets(world: World) -> dict[str, tuple[Client, str]]:
    found: dict[str, tuple[Client, str]] = {}
    for (name, method), expected in sorted(WEB_MATRIX.items()):
        member = reader(expected)
        if method == "GET" and member is not None:
            found[f"page {name}"] = (web_client(world, member), web_url(world, name))
    templates = {operation_id: template for _, template, operation_id in api_operations()}
    for (operation_id, method), expected in sorted(API_MATRIX.items()):
        member = reader(expected)
        if method == "GET" and member is not None:
            url = fill_path(templates[operation_id], **world.kwargs())
            found[f"api {operation_id}"] = (api_client(world, member), url)
    return found


def count(client: Client, url: str) -> tuple[int, int, list[str]]:
    """The queries of a request, the length of its answer, and the queries themselves."""
    # A first visit's bookkeeping (session, token use, a conversation opened) done once, and the
    # worker's jobs it queued run (the summary PDF is drawn then, and served below).
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        # A streamed answer (an export) reads as it's sent: its queries count too.
        body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return len(captured), len(body), [query["sql"] for query in captured.captured_queries]


def grow(world: World) -> None:
    """Much more of everything the pages list."""
    cast = world.cast
    add_members(circle=cast.circle, actor=cast.organiser, how_many=MORE)
    for number in range(MORE):
        task = make_task(
            actor=cast.organiser,
            circle=cast.circle,
            title=f"Visit {number}",
            start_date=soon(number % 10),
            rule="FREQ=WEEKLY" if number % 5 == 0 else "",
        )
        task_volunteer(actor=cast.helper, task=task, occurrence_date=task.start_date)
        add_entry(actor=cast.organiser, circle=cast.circle, section="medications", name=f"Medicine {number}")
        add_entry(actor=cast.helper, circle=cast.circle, section="notes", text=f"Note {number}")
        invitation_create(actor=cast.organiser, circle=cast.circle, role="helper", channel=InvitationChannel.LINK)
        api_token_create(actor=cast.organiser, name=f"Script {number}")
        share_link_create(
            actor=cast.organiser, circle=cast.circle, recipient=f"Nurse {number}", sections=["medications"], hours=24
        )
    family = conversation_selectors.conversation_access_for(
        access_circle(user=cast.helper, circle_id=cast.circle.pk),
        conversation_services.family_conversation(circle=cast.circle),
    )
    news = conversation_selectors.conversation_access_for(
        access_circle(user=cast.organiser, circle_id=cast.circle.pk),
        conversation_services.news_conversation(circle=cast.circle),
    )
    for number in range(MORE):
        conversation_services.message_post(actor=cast.helper, where=family, body=f"Message {number}")
        conversation_services.message_post(actor=cast.organiser, where=news, title=f"Week {number}", body="All well")


def table(counts: dict[str, int]) -> list[str]:
    return [f'    "{label}": {value},' for label, value in sorted(counts.items())]


def test_every_page_and_api_read_costs_exactly_its_queries(in_world: World, settings: Any) -> None:
    settings.TASKS_CACHE_SECONDS = 0  # Count computing each list, not reading it from the cache.
    settings.FRAGMENT_CACHE_SECONDS = 0  # And drawing each page's sections (tests/circles/test_home_regions.py).
    # The clock stands still, so no once-a-minute bookkeeping (a session's activity) falls in a count.
    with time_machine.travel(timezone.now(), tick=False):
        little_data = {label: count(client, url) for label, (client, url) in targets(in_world).items()}
        grow(in_world)
        much_data = {label: count(client, url) for label, (client, url) in targets(in_world).items()}

    assert [label for label in GROWN if much_data[label][1] <= little_data[label][1]] == []
    little = {label: queries for label, (queries, _, _) in little_data.items()}
    much = {label: queries for label, (queries, _, _) in much_data.items()}
    growing = {label: (little[label], much[label]) for label in little if much[label] != little[label]}
    if growing:
        extra = {label: much_data[label][2][-(much[label] - little[label]) :] for label in growing}
        raise AssertionError(f"Query counts that grow with data (little, much): {growing}; the last queries: {extra}")
    if little != QUERIES:
        diff = "\n".join(difflib.unified_diff(table(QUERIES), table(little), "QUERIES", "measured", lineterm=""))
        raise AssertionError(f"Query counts changed; if that's intended, update QUERIES:\n{diff}")


def _rich_messages(cast: Cast, how_many: int) -> None:
    """Messages as people write them: replies, photos, reactions, edits and removals, in both conversations."""
    family = conversation_selectors.conversation_access_for(
        access_circle(user=cast.helper, circle_id=cast.circle.pk),
        conversation_services.family_conversation(circle=cast.circle),
    )
    news = conversation_selectors.conversation_access_for(
        access_circle(user=cast.organiser, circle_id=cast.circle.pk),
        conversation_services.news_conversation(circle=cast.circle),
    )
    photo = photo_reencode(io.BytesIO(jpeg_with_location()), size=None)
    for where, actor in ((family, cast.helper), (news, cast.organiser)):
        previous = None
        for number in range(how_many):
            posted = conversation_services.message_post(
                actor=actor,
                where=where,
                title=f"Week {number}" if where is news and number % 2 else "",
                body=f"Message {number} about https://example.org/{number} and **soup**",
                reply_to=previous if number % 3 == 1 else None,
                photos=[photo] if number % 4 == 0 else [],
            ).message
            conversation_services.reaction_set(actor=actor, where=where, message=posted, kind="heart", on=True)
            if number % 5 == 2:
                conversation_services.message_edit(
                    actor=actor, where=where, message=posted, body="Changed", title=posted.title
                )
            if number % 7 == 3:
                conversation_services.message_remove(actor=actor, where=where, message=posted)
            previous = posted


def test_conversation_pages_cost_the_same_queries_with_a_few_messages_or_many(in_world: World) -> None:
    """The family conversation and the news show a bounded window of the newest messages, with a link to
    older ones: their queries don't grow with the messages, their photos, replies or reactions."""
    cast = in_world.cast
    client = web_client(in_world, "organiser")
    pages = {
        name: reverse(f"conversations:{name}", kwargs={"circle_id": cast.circle.pk}) for name in ("family", "news")
    }
    with time_machine.travel(timezone.now(), tick=False):
        _rich_messages(cast, 4)
        few = {name: count(client, url) for name, url in pages.items()}
        _rich_messages(cast, conversation_selectors.PAGE_SIZE + 10)
        many = {name: count(client, url) for name, url in pages.items()}
        newest = client.get(pages["family"]).content.decode()

    assert {name: queries for name, (queries, _, _) in many.items()} == {
        name: queries for name, (queries, _, _) in few.items()
    }
    assert {name: queries for name, (queries, _, _) in few.items()} == {
        "family": QUERIES["page conversations:family"] - KEPT_LIST_SAVES,
        "news": QUERIES["page conversations:news"] - KEPT_LIST_SAVES,
    }
    # The newest that fit the first round trip (conversations.pages.LIST_BYTES); the rest one link away.
    assert 1 <= newest.count('<li class="msg') < conversation_selectors.PAGE_SIZE
    assert "Show older messages" in newest


def _direct_and_thread_with_messages(cast: Cast, how_many: int) -> dict[str, str]:
    """A direct conversation and an update's replies with `how_many` rich messages each; their addresses."""
    organiser = access_circle(user=cast.organiser, circle_id=cast.circle.pk)
    helper = access_circle(user=cast.helper, circle_id=cast.circle.pk)
    direct = conversation_services.direct_conversation(
        circle=cast.circle, user_id=cast.organiser.pk, other_user_id=cast.helper.pk
    )
    news = conversation_selectors.conversation_access_for(
        organiser, conversation_services.news_conversation(circle=cast.circle)
    )
    update = conversation_services.message_post(actor=cast.organiser, where=news, title="Home", body="Dad is home")
    replies = conversation_services.thread_conversation(
        circle=cast.circle, subject_kind="update", subject_id=update.message.pk
    )
    for conversation in (direct, replies):
        where = conversation_selectors.conversation_access_for(helper, conversation)
        previous = None
        for number in range(how_many):
            posted = conversation_services.message_post(
                actor=cast.helper, where=where, body=f"Reply {number}", reply_to=previous if number % 3 == 1 else None
            ).message
            conversation_services.reaction_set(actor=cast.helper, where=where, message=posted, kind="hug", on=True)
            if number % 7 == 3:
                conversation_services.message_remove(actor=cast.helper, where=where, message=posted)
            previous = posted
    circle_id = cast.circle.pk
    return {
        "direct": reverse("conversations:conversation", kwargs={"circle_id": circle_id, "conversation_id": direct.pk}),
        "thread": reverse(
            "conversations:thread",
            kwargs={"circle_id": circle_id, "subject_kind": "update", "subject_id": update.message.pk},
        ),
    }


def test_direct_messages_and_threads_read_their_marker_with_the_conversation(in_world: World) -> None:
    """A direct conversation and an update's replies, full of messages someone else wrote, cost what the
    family conversation does: the read marker comes with the conversation, and a reader who has seen
    everything writes nothing."""
    cast = in_world.cast
    with time_machine.travel(timezone.now(), tick=False):
        pages = _direct_and_thread_with_messages(cast, 4)
        client = web_client(in_world, "organiser")
        few = {name: count(client, url) for name, url in pages.items()}
        more = _direct_and_thread_with_messages(cast, conversation_selectors.PAGE_SIZE + 10)
        many = {name: count(client, url) for name, url in more.items()}
        shown = client.get(more["direct"]).content.decode()

    assert {name: queries for name, (queries, _, _) in few.items()} == {
        name: queries for name, (queries, _, _) in many.items()
    }
    assert {name: queries for name, (queries, _, _) in few.items()} == {
        "direct": QUERIES_WITH_MESSAGES["direct"] - KEPT_LIST_SAVES,
        "thread": QUERIES_WITH_MESSAGES["thread"] - KEPT_LIST_SAVES,
    }
    # Nothing written on a page already read up to its newest message.
    assert not [sql for name in many for sql in many[name][2] if not sql.lstrip().upper().startswith("SELECT")]
    assert 1 <= shown.count('<li class="msg') < conversation_selectors.PAGE_SIZE
