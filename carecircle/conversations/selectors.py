"""Who may read and write which conversation, and reading messages a page at a time.

Access starts from circles/access.py (outsiders 404, missing capability 403); each kind of
conversation adds its own rule:

- the family conversation: conversations.read / conversations.post (professionals never have them);
- the news feed: updates.read to read, support.send to send support and react, updates.post for updates;
- a direct conversation: only its two members, who also need conversations.read / .post;
- a comment thread: the rule the owning app registered for its subject kind
  (circles.registries.register_thread_subject).
"""

from __future__ import annotations

import datetime
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.circles.access import CircleAccess, access_circle
from carecircle.circles.conditional import ViewerPart
from carecircle.circles.models import Circle, Membership
from carecircle.circles.registries import THREAD_RULES
from carecircle.conversations.models import (
    Audience,
    CheckIn,
    Conversation,
    ConversationKind,
    Message,
    MessageKind,
    MessagePhoto,
    Reaction,
    ReactionKind,
    ReadMarker,
    ThankYou,
    Visitors,
    VisitorsStatus,
)
from carecircle.lib import rows

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from carecircle.accounts.models import User

PAGE_SIZE = 50
# Whoever removed a message may bring it back for this long.
UNDO_MINUTES = 10
# Unread counts stop here: "99+" says enough, and counting further costs time on a busy circle.
UNREAD_CAP = 99


@dataclass(frozen=True)
class ConversationAccess:
    """A member's standing in one conversation."""

    circle_access: CircleAccess
    conversation: Conversation
    can_write: bool
    can_react: bool
    can_post_update: bool

    @property
    def circle(self) -> Circle:
        return self.circle_access.circle

    @property
    def user_id(self) -> int:
        return self.circle_access.user_id

    @property
    def can_moderate(self) -> bool:
        """Organisers (and the person) may remove anyone's message."""
        return self.circle_access.can("members.manage")

    def require_write(self) -> None:
        if not self.can_write:
            raise PermissionDenied(_("Your role in this circle doesn't include writing here."))


def _read_and_write(access: CircleAccess, conversation: Conversation) -> tuple[bool, bool, bool]:
    """(may read, may write, may react) for this member in this conversation."""
    kind = conversation.kind
    if kind == ConversationKind.CIRCLE:
        write = access.can("conversations.post")
        return access.can("conversations.read"), write, write
    if kind == ConversationKind.NEWS:
        support = access.can("support.send")
        return access.can("updates.read"), support, support
    if kind == ConversationKind.DIRECT:
        if access.user_id not in (conversation.first_user_id, conversation.second_user_id):
            # Someone else's direct messages don't exist as far as this member can tell.
            raise Http404(_("No such conversation."))
        write = access.can("conversations.post")
        return access.can("conversations.read"), write, write
    rule = THREAD_RULES.get(conversation.subject_kind)
    if rule is None or conversation.subject_id is None:
        raise Http404(_("No such conversation."))
    rule(access, conversation.subject_id, False)
    try:
        rule(access, conversation.subject_id, True)
    except PermissionDenied:
        return True, False, False
    return True, True, True


def conversation_access_for(access: CircleAccess, conversation: Conversation) -> ConversationAccess:
    """The member's standing in a conversation of a circle they're in; 403 when they may not read it."""
    can_read, can_write, can_react = _read_and_write(access, conversation)
    if not can_read:
        raise PermissionDenied(_("Your role in this circle doesn't include reading this conversation."))
    return ConversationAccess(
        circle_access=access,
        conversation=conversation,
        can_write=can_write,
        can_react=can_react,
        can_post_update=conversation.kind == ConversationKind.NEWS and access.can("updates.post"),
    )


def access_conversation(*, user: User | AnonymousUser, circle_id: int, conversation_id: int) -> ConversationAccess:
    access = access_circle(user=user, circle_id=circle_id)
    conversation = Conversation.objects.filter(pk=conversation_id, circle_id=circle_id).first()
    if conversation is None:
        raise Http404(_("No such conversation."))
    return conversation_access_for(access, conversation)


def access_message(
    *, user: User | AnonymousUser, circle_id: int, conversation_id: int, message_id: int
) -> tuple[ConversationAccess, Message]:
    where = access_conversation(user=user, circle_id=circle_id, conversation_id=conversation_id)
    message = (
        Message.objects.select_related("author", "reply_to__author")
        .filter(pk=message_id, conversation=where.conversation)
        .first()
    )
    if message is None:
        raise Http404(_("No such message."))
    return where, message


def messages_page(
    *, conversation: Conversation, before: int | None = None, after: int | None = None, limit: int = PAGE_SIZE
) -> tuple[list[Message], bool]:
    """At most `limit` messages, oldest first, and whether more exist in the direction asked.

    Keyset pagination on the message id: the same few queries whether the conversation holds ten
    messages or a hundred thousand. Without `after`, the newest page (or the page before `before`).
    """
    query = (
        Message.objects.filter(conversation=conversation)
        .select_related("author", "reply_to__author")
        .prefetch_related(Prefetch("photos", queryset=MessagePhoto.objects.order_by("id")))
    )
    if after is not None:
        rows = list(query.filter(id__gt=after).order_by("id")[: limit + 1])
        more = len(rows) > limit
        return rows[:limit], more
    if before is not None:
        query = query.filter(id__lt=before)
    rows = list(query.order_by("-id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    rows.reverse()
    return rows, more


def updates_page(*, conversation: Conversation, before: int | None, limit: int) -> tuple[list[Message], bool]:
    """At most `limit` updates (messages with a headline) of the news, oldest first, and whether older remain."""
    query = (
        Message.objects.filter(conversation=conversation, kind=MessageKind.UPDATE)
        .select_related("author")
        .prefetch_related("photos")
        .order_by("-id")
    )
    if before is not None:
        query = query.filter(id__lt=before)
    rows = list(query[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    rows.reverse()
    return rows, more


def member_names(*, circle: Circle) -> dict[int, str]:
    """Each member's user id and name, by name: who a direct conversation can be with."""
    rows = Membership.objects.filter(circle=circle).order_by("user__display_name", "user_id")
    return dict(rows.values_list("user_id", "user__display_name"))


def reaction_counts(*, message_ids: list[int], user_id: int) -> dict[int, list[tuple[str, int, bool]]]:
    """For each message: (reaction kind, how many, whether the viewer gave it), in one query."""
    found: dict[int, dict[str, tuple[int, bool]]] = {}
    rows = (
        Reaction.objects.filter(message_id__in=message_ids)
        .values("message_id", "kind")
        .annotate(count=Count("id"), mine=Count("id", filter=Q(user_id=user_id)))
    )
    for row in rows:
        found.setdefault(row["message_id"], {})[row["kind"]] = (row["count"], bool(row["mine"]))
    order = [kind.value for kind in ReactionKind]
    return {
        message_id: [(kind, *kinds[kind]) for kind in order if kind in kinds] for message_id, kinds in found.items()
    }


def reactions_given(*, message_ids: list[int], user_id: int) -> set[tuple[int, str]]:
    """(message id, reaction kind) of each reaction the viewer gave to these messages, in one query."""
    rows = Reaction.objects.filter(message_id__in=message_ids, user_id=user_id).order_by()
    return set(rows.values_list("message_id", "kind"))


def read_markers(*, conversation_ids: list[int], user_id: int) -> dict[int, int]:
    rows = ReadMarker.objects.filter(conversation_id__in=conversation_ids, user_id=user_id)
    return dict(rows.values_list("conversation_id", "last_read_id"))


def unread_counts(*, markers: dict[int, int], user_id: int) -> dict[int, int]:
    """Unread messages per conversation (by others, not removed, after each marker), in one query."""
    if not markers:
        return {}
    after_marker = Q(pk__in=[])
    for conversation_id, last_read_id in markers.items():
        after_marker |= Q(conversation_id=conversation_id, id__gt=last_read_id)
    rows = (
        Message.objects.filter(after_marker, deleted_at__isnull=True)
        .exclude(author_id=user_id)
        .values("conversation_id")
        .annotate(count=Count("id"))
    )
    return {row["conversation_id"]: row["count"] for row in rows}


def unread_text(count: int) -> str:
    return f"{UNREAD_CAP}+" if count > UNREAD_CAP else str(count)


def direct_conversations_for(*, circle: Circle, user_id: int) -> list[Conversation]:
    return list(
        Conversation.objects.filter(circle=circle, kind=ConversationKind.DIRECT)
        .filter(Q(first_user_id=user_id) | Q(second_user_id=user_id))
        .select_related("first_user", "second_user")
        .order_by("-id")
    )


def checkins_visible_to(*, access: CircleAccess, limit: int = 30) -> list[CheckIn]:
    """Recent check-ins the member may see: their own, and those whose audience includes them."""
    audiences = [Audience.EVERYONE] if access.can("updates.read") else []
    if access.can("conversations.read"):
        audiences.append(Audience.FAMILY)
    if access.can("members.manage"):
        audiences.append(Audience.ORGANISERS)
    return list(
        CheckIn.objects.filter(circle=access.circle)
        .filter(Q(audience__in=audiences) | Q(author_id=access.user_id))
        .select_related("author")
        .order_by("-id")[:limit]
    )


def visitors_status(*, circle: Circle) -> VisitorsStatus | None:
    return VisitorsStatus.objects.filter(circle=circle).select_related("set_by").order_by("-id").first()


def thanks_visible_to(*, access: CircleAccess, limit: int = 20) -> list[ThankYou]:
    """Thanks are care made visible: everyone who reads updates sees them; the recipient always does."""
    query = ThankYou.objects.filter(circle=access.circle)
    if not access.can("updates.read"):
        query = query.filter(Q(recipient_id=access.user_id) | Q(sender_id=access.user_id))
    return list(query.select_related("sender", "recipient").order_by("-id")[:limit])


@dataclass(frozen=True)
class HomeSummary:
    family_unread: int
    news_unread: int
    visitors_status: str
    visitors_note: str

    @property
    def visitors_label(self) -> str:
        return str(Visitors(self.visitors_status).label) if self.visitors_status else ""


# Messages by others after the member's read marker in the circle's conversation of one kind.
# Capped by the LIMIT (UNREAD_CAP + 1) inside: a member away for months costs no more than one who looked today.
UNREAD_SQL = (
    "SELECT COUNT(*) FROM (SELECT 1 FROM conversations_message m "
    "JOIN conversations_conversation c ON c.id = m.conversation_id "
    "WHERE c.circle_id = circles_circle.id AND c.kind = %s AND m.deleted_at IS NULL "
    "AND (m.author_id IS NULL OR m.author_id <> %s) "
    "AND m.id > COALESCE((SELECT r.last_read_id FROM conversations_readmarker r "
    "WHERE r.conversation_id = c.id AND r.user_id = %s), 0) "
    "LIMIT 100) AS recent"
)


def _unread(kind: str, user_id: int, allowed: bool) -> RawSQL | Value:
    if not allowed:
        return Value(0)
    # Constant SQL with every value passed as a parameter.
    return RawSQL(UNREAD_SQL, [kind, user_id, user_id])  # noqa: S611


def home_summary(*, access: CircleAccess) -> HomeSummary:
    """Unread counts of the family conversation and the news, and "visitors welcome?", in one query."""
    latest = VisitorsStatus.objects.filter(circle=OuterRef("pk")).order_by("-id")
    user_id = access.user_id
    row = (
        Circle.objects.filter(pk=access.circle.pk)
        .annotate(
            family_unread=_unread(ConversationKind.CIRCLE, user_id, access.can("conversations.read")),
            news_unread=_unread(ConversationKind.NEWS, user_id, access.can("updates.read")),
            visitors_status=Subquery(latest.values("status")[:1]),
            visitors_note=Subquery(latest.values("note")[:1]),
        )
        .values("family_unread", "news_unread", "visitors_status", "visitors_note")
        .get()
    )
    return HomeSummary(
        family_unread=row["family_unread"] or 0,
        news_unread=row["news_unread"] or 0,
        visitors_status=row["visitors_status"] or "",
        visitors_note=row["visitors_note"] or "",
    )


def can_undo_removal(*, user_id: int, message: Message) -> bool:
    """Whoever removed a message may bring it back within UNDO_MINUTES."""
    return removal_undoable(user_id=user_id, deleted_by_id=message.deleted_by_id, deleted_at=message.deleted_at)


def removal_undoable(*, user_id: int, deleted_by_id: int | None, deleted_at: datetime.datetime | None) -> bool:
    """`can_undo_removal` from a message's removal as read (maybe from a kept list), judged by the clock now."""
    if deleted_at is None or deleted_by_id != user_id:
        return False
    return timezone.now() - deleted_at <= datetime.timedelta(minutes=UNDO_MINUTES)


def undo_window_version(where: ConversationAccess) -> str:
    """The viewer's removals here that still show "Undo", for the page's ETag (one query).

    An "Undo" link ends with time, not with a circle event, so a page showing one must not be
    answered 304 once the window has closed.
    """
    since = timezone.now() - datetime.timedelta(minutes=UNDO_MINUTES)
    removed = Message.objects.filter(
        conversation=where.conversation, deleted_by_id=where.user_id, deleted_at__gte=since
    ).values_list("pk", flat=True)
    return "undo:" + ",".join(str(pk) for pk in sorted(removed))


@dataclass(frozen=True)
class PageState:
    """What the family and news pages need besides their messages, read with the conversation."""

    # For the page's ETag: the viewer's removals here that still show "Undo" (see undo_window_version).
    undo_version: str
    # Where the viewer's read marker stands (0: none yet), so showing the newest page writes only when it moves.
    read_up_to: int
    # The news page's "visitors welcome?" line (status and note only), or None.
    visitors: VisitorsStatus | None


class _PageStateQuery:
    """The conversation-with-page-state query's SQL and converters, made once per connection and filter.

    Every family, news, direct and thread page runs it. Built through the ORM (three or six
    subqueries annotated) its compile cost several times its run, so, like the access query
    (circles/access.py), its SQL is written once from the models' own table and column names and
    its row becomes a `Conversation` through the connection's converters (lib/rows.py).
    """

    def __init__(self, connection: BaseDatabaseWrapper, columns: tuple[str, ...], with_visitors: bool) -> None:
        def quoted(model: type[models.Model], name: str | None = None) -> str:
            return rows.quoted(connection, model, name)

        self.conversation = rows.Columns(connection, Conversation, "c")
        self.with_visitors = with_visitors
        message, marker, visitors = quoted(Message), quoted(ReadMarker), quoted(VisitorsStatus)
        conversation_id = quoted(Conversation, "id")
        m_conversation, m_deleted_by, m_deleted_at, m_id = (
            quoted(Message, name) for name in ("conversation", "deleted_by", "deleted_at", "id")
        )
        r_conversation, r_user, r_last = (quoted(ReadMarker, name) for name in ("conversation", "user", "last_read_id"))
        removed = (
            f" FROM {message} m WHERE m.{m_conversation} = c.{conversation_id}"
            f" AND m.{m_deleted_by} = %s AND m.{m_deleted_at} >= %s"
        )
        selected = [
            self.conversation.sql,
            f"(SELECT COUNT(*){removed})",
            f"(SELECT MAX(m.{m_id}){removed})",
            f"(SELECT r.{r_last} FROM {marker} r WHERE r.{r_conversation} = c.{conversation_id}"  # noqa: S608
            f" AND r.{r_user} = %s LIMIT 1)",
        ]
        if with_visitors:
            latest = (
                f" FROM {visitors} s WHERE s.{quoted(VisitorsStatus, 'circle')} = c.{quoted(Conversation, 'circle')}"
                f" ORDER BY s.{quoted(VisitorsStatus, 'id')} DESC LIMIT 1)"
            )
            selected += [f"(SELECT s.{quoted(VisitorsStatus, name)}{latest}" for name in ("id", "status", "note")]
        where = " AND ".join(f"c.{quoted(Conversation, name)} = %s" for name in columns)
        # Table and column names come from the models, never from input; the values are parameters.
        self.sql = (
            f"SELECT {', '.join(selected)} FROM {quoted(Conversation)} c"  # noqa: S608
            f" WHERE {where} ORDER BY c.{conversation_id} LIMIT 1"
        )

    def run(
        self, connection: BaseDatabaseWrapper, *, user_id: int, values: tuple[int | str, ...]
    ) -> tuple[Conversation, PageState] | None:
        since = connection.ops.adapt_datetimefield_value(timezone.now() - datetime.timedelta(minutes=UNDO_MINUTES))
        with connection.cursor() as cursor:
            cursor.execute(self.sql, [user_id, since, user_id, since, user_id, *values])
            row = cursor.fetchone()
        if row is None:
            return None
        split = len(self.conversation.fields)
        conversation: Conversation = self.conversation.instance(connection, row)
        undo_count, undo_newest, read_up_to, *latest = row[split:]
        visitors = None
        if self.with_visitors and latest[0] is not None:
            visitors = VisitorsStatus(id=latest[0], circle_id=conversation.circle_id, status=latest[1], note=latest[2])
        return conversation, PageState(
            undo_version=f"undo:{undo_count or 0}:{undo_newest or 0}",
            read_up_to=read_up_to or 0,
            visitors=visitors,
        )


_PAGE_STATE_QUERIES: weakref.WeakKeyDictionary[
    BaseDatabaseWrapper, dict[tuple[tuple[str, ...], bool], _PageStateQuery]
] = weakref.WeakKeyDictionary()


def _with_page_state(
    filters: dict[str, int | str], *, user_id: int, with_visitors: bool = False
) -> tuple[Conversation, PageState] | None:
    """The first conversation (by id) whose columns equal `filters`, with the viewer's PageState, in one query.

    The undo part counts the viewer's removals still in the window and the newest of them: a removal
    entering it records a circle event (which the ETag has), one leaving it changes the count.
    `filters` names Conversation fields (`circle`, `kind`, ...) with the values their columns must hold.
    """
    connection = connections[router.db_for_read(Conversation)]
    columns = tuple(filters)
    queries = _PAGE_STATE_QUERIES.setdefault(connection, {})
    query = queries.get((columns, with_visitors))
    if query is None:
        query = queries[columns, with_visitors] = _PageStateQuery(connection, columns, with_visitors)
    return query.run(connection, user_id=user_id, values=tuple(filters.values()))


def circle_conversation_state(
    *, access: CircleAccess, kind: str, with_visitors: bool = False
) -> tuple[Conversation, PageState] | None:
    """The circle's family or news conversation with the viewer's PageState, in one query; None until it exists."""
    filters: dict[str, int | str] = {"circle": access.circle.pk, "kind": str(kind)}
    return _with_page_state(filters, user_id=access.user_id, with_visitors=with_visitors)


def thread_state(*, access: CircleAccess, subject_kind: str, subject_id: int) -> tuple[Conversation, PageState] | None:
    """The comment thread on one thing with the viewer's PageState, in one query; None until it exists.

    Only reads: the caller has already run the subject's rule (registries.THREAD_RULES).
    """
    filters: dict[str, int | str] = {
        "circle": access.circle.pk,
        "kind": ConversationKind.THREAD.value,
        "subject_kind": subject_kind,
        "subject_id": subject_id,
    }
    return _with_page_state(filters, user_id=access.user_id)


def access_conversation_state(
    *, user: User | AnonymousUser, circle_id: int, conversation_id: int
) -> tuple[ConversationAccess, PageState]:
    """access_conversation, with the viewer's PageState read in the same query as the conversation."""
    access = access_circle(user=user, circle_id=circle_id)
    found = _with_page_state({"id": conversation_id, "circle": circle_id}, user_id=access.user_id)
    if found is None:
        raise Http404(_("No such conversation."))
    conversation, state = found
    return conversation_access_for(access, conversation), state


def _read_markers_sql(connection: BaseDatabaseWrapper) -> str:
    def quoted(model: type[ReadMarker | Conversation | Circle], name: str | None = None) -> str:
        return rows.quoted(connection, model, name)

    marker, conversation = quoted(ReadMarker), quoted(Conversation)
    last_read, user_id, marker_conversation = (
        quoted(ReadMarker, name) for name in ("last_read_id", "user", "conversation")
    )
    conversation_id, conversation_circle = quoted(Conversation, "id"), quoted(Conversation, "circle")
    circle_id = quoted(Circle, "id")
    # Table and column names come from the models, never from input; the viewer is a parameter.
    return (
        f"SELECT SUM(r.{last_read}) FROM {marker} r INNER JOIN {conversation} v"  # noqa: S608
        f" ON v.{conversation_id} = r.{marker_conversation}"
        f" WHERE r.{user_id} = %s AND v.{conversation_circle} = c.{circle_id}"
    )


def _read_markers_params(access: CircleAccess, connection: BaseDatabaseWrapper) -> list[int]:
    return [access.user_id]


# Changes whenever the viewer reads further in any conversation of the circle (the sum of their read markers).
read_markers_version = ViewerPart(sql=_read_markers_sql, params=_read_markers_params)
