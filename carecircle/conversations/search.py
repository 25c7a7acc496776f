"""Searching a circle's conversations and updates: SQLite FTS5 on one box, PostgreSQL full text at scale.

The index is kept by the database itself (migration 0002: FTS5 triggers on SQLite, a GIN
expression index on PostgreSQL), so every write path is covered. Results are limited to the
conversations the viewer may read before ranking: a well-wisher's search never returns chat.
"""

from __future__ import annotations

import re

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

from carecircle.circles.access import CircleAccess
from carecircle.conversations.models import Conversation, ConversationKind, Message

RESULT_LIMIT = 30
MAX_TERMS = 8
WORD = re.compile(r"\w+", re.UNICODE)
# PostgreSQL: the same expression as the index in migration 0002, so the index is used.
POSTGRES_MATCH = (
    "SELECT id FROM conversations_message "
    "WHERE to_tsvector('simple'::regconfig, coalesce(title, '') || ' ' || body) @@ to_tsquery('simple'::regconfig, %s)"
)
SQLITE_MATCH = "SELECT rowid FROM conversations_message_fts WHERE conversations_message_fts MATCH %s"


def readable_conversations(access: CircleAccess) -> Q:
    """The conversations of a circle this member may read, as a filter (search covers chat, news and direct)."""
    allowed = Q(pk__in=[])
    if access.can("conversations.read"):
        allowed |= Q(kind=ConversationKind.CIRCLE)
        allowed |= Q(kind=ConversationKind.DIRECT) & (
            Q(first_user_id=access.user_id) | Q(second_user_id=access.user_id)
        )
    if access.can("updates.read"):
        allowed |= Q(kind=ConversationKind.NEWS)
    return allowed


def search_terms(text: str) -> list[str]:
    return [word.lower() for word in WORD.findall(text)][:MAX_TERMS]


def _matching_ids(terms: list[str]) -> RawSQL:
    if connection.vendor == "postgresql":
        # Each term as a prefix, all required: "hosp" finds "hospital".
        query = " & ".join(f"{term}:*" for term in terms)
        return RawSQL(POSTGRES_MATCH, [query])  # noqa: S611  (constant SQL, the query is a parameter)
    if connection.vendor == "sqlite":
        # Every term quoted (so no FTS5 syntax can be injected) and matched as a prefix.
        query = " ".join(f'"{term}"*' for term in terms)
        return RawSQL(SQLITE_MATCH, [query])  # noqa: S611  (constant SQL, the query is a parameter)
    raise ImproperlyConfigured(f"Search works on SQLite and PostgreSQL, not on {connection.vendor}.")


def message_search(*, access: CircleAccess, text: str, limit: int = RESULT_LIMIT) -> list[Message]:
    """Messages and updates matching every word of `text`, newest first, from what the member may read."""
    terms = search_terms(text)
    if not terms:
        return []
    conversations = Conversation.objects.filter(circle=access.circle).filter(readable_conversations(access))
    return list(
        Message.objects.filter(conversation__in=conversations, deleted_at__isnull=True, id__in=_matching_ids(terms))
        .select_related("author", "conversation")
        .order_by("-id")[:limit]
    )
