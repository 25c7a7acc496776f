"""The tables `carecircle seed-scale` writes for a circle's people, content and traffic, and their columns.

Each Table names the columns the seeder fills, in the order it adds values; every other column takes its
model default (bulk_rows.py). The asks, invitations, share links and replies are in scale_use.py.
"""

from __future__ import annotations

from django.contrib.sessions.models import Session
from django_tasks_db.models import DBTaskResult

from carecircle.accounts.models import SignedInSession, TextCode, User
from carecircle.audit.models import AuditEntry
from carecircle.circles.models import Circle, Membership
from carecircle.conversations.models import Conversation, Message, ReadMarker
from carecircle.notifications.models import Delivery, Notification, OutboxMessage
from carecircle.realtime.models import CircleEvent
from carecircle.records.models import RecordEntry, RecordVersion, RecordView
from carecircle.tasks.models import Assignment, OccurrenceChange, Task
from carecircle.web.bulk_rows import Table

# A delivery's columns up to its moment: a sent one adds when it was sent, a waiting one when it may go.
DELIVERY_COLUMNS = (
    "id",
    "channel",
    "to",
    "recipient_id",
    "category",
    "subject",
    "body",
    "idempotency_key",
    "status",
    "attempts",
    "created_at",
)


def seed_tables() -> dict[str, Table]:
    """The circle's own tables, then what using it leaves behind, in the order they are written."""
    return {
        "users": Table(User, ["id", "email", "display_name", "password", "date_joined", "email_verified_at"]),
        "circles": Table(Circle, ["id", "person_name", "consent", "event_seq", "created_by_id", "created_at"]),
        "memberships": Table(Membership, ["id", "circle_id", "user_id", "role", "relationship", "joined_at"]),
        "conversations": Table(Conversation, ["id", "circle_id", "kind", "created_at"]),
        "tasks": Table(
            Task,
            [
                "id",
                "circle_id",
                "title",
                "category",
                "start_date",
                "start_time",
                "duration_minutes",
                "time_zone",
                "rule",
                "first_start_utc",
                "last_end_utc",
                "people_needed",
                "created_by_id",
                "created_at",
                "updated_at",
            ],
        ),
        "changes": Table(OccurrenceChange, ["id", "task_id", "original_date", "cancelled", "done_at", "done_by_id"]),
        "assignments": Table(
            Assignment, ["id", "task_id", "occurrence_date", "user_id", "slot", "assigned_by_id", "created_at"]
        ),
        "messages": Table(
            Message,
            ["id", "circle_id", "conversation_id", "kind", "author_id", "title", "body", "body_html", "created_at"],
        ),
        "read_markers": Table(ReadMarker, ["id", "conversation_id", "user_id", "last_read_id", "updated_at"]),
        "record_entries": Table(
            RecordEntry,
            [
                "id",
                "circle_id",
                "section",
                "data",
                "audience",
                "created_by_id",
                "created_at",
                "updated_by_id",
                "updated_by_name",
                "updated_at",
            ],
        ),
        "record_versions": Table(
            RecordVersion,
            ["id", "entry_id", "number", "change", "data", "audience", "author_id", "author_name", "created_at"],
        ),
        "audit": Table(
            AuditEntry,
            [
                "id",
                "circle_id",
                "actor_id",
                "actor_name",
                "action",
                "subject_user_id",
                "subject_name",
                "data",
                "created_at",
            ],
        ),
        "events": Table(CircleEvent, ["id", "circle_id", "seq", "type", "data", "created_at"]),
        "notifications": Table(
            Notification, ["id", "recipient_id", "circle_id", "category", "title", "url", "key", "created_at"]
        ),
        "deliveries": Table(Delivery, [*DELIVERY_COLUMNS, "sent_at"]),
        "outbox": Table(OutboxMessage, ["id", "channel", "to", "subject", "body", "created_at"]),
        "task_results": Table(
            DBTaskResult,
            [
                "id",
                "status",
                "enqueued_at",
                "started_at",
                "finished_at",
                "args_kwargs",
                "task_path",
                "queue_name",
                "backend_name",
                "run_after",
                "exception_class_path",
                "traceback",
            ],
        ),
        "sessions": Table(Session, ["session_key", "session_data", "expire_date"]),
        "signed_in": Table(
            SignedInSession, ["id", "user_id", "session_key", "user_agent", "created_at", "last_seen_at"]
        ),
        "text_codes": Table(
            TextCode, ["id", "phone", "purpose", "user_id", "code_hash", "created_at", "expires_at", "used_at"]
        ),
        "record_views": Table(
            RecordView, ["id", "circle_id", "viewer_id", "viewer_name", "viewer_kind", "what", "created_at"]
        ),
    }
