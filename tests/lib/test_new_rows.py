"""insert_new writes the rows bulk_create(ignore_conflicts=True) writes, cheaper on PostgreSQL (lib/new_rows.py).

insert_values, given tuples instead of instances, writes the rows insert_new writes.

On PostgreSQL it is one INSERT from a JSON text of the rows; elsewhere bulk_create itself. Each test
compares the two on the database the suite runs on, so on PostgreSQL they check the JSON path
against Django's own INSERT, and on SQLite that the portable path is that INSERT.
"""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from carecircle.accounts.models import User
from carecircle.circles.models import Circle
from carecircle.lib.new_rows import insert_new, insert_values
from carecircle.notifications.models import FanOut, Notification
from tests.bursts import at_once
from tests.notifications.test_fan_out_cost import circle_of

# Text that quoting gets wrong first: quotes, backslashes, braces, commas, new lines, Welsh,
# Polish and an emoji outside the Basic Multilingual Plane.
AWKWARD = 'Siân said "don\'t" \\ {a,b} [1] \n\t— Żółć, ŵ, ŷ 🙂'


def notifications(
    circle: Circle, members: list[User], tag: str, now: datetime.datetime | None = None
) -> list[Notification]:
    """A row per member, varied in every column a worker fills, some left to their defaults."""
    now = now or timezone.now()
    warsaw = now.astimezone(ZoneInfo("Europe/Warsaw"))
    rows = []
    for number, member in enumerate(members):
        values: dict[str, Any] = {
            "recipient": member,
            "circle": circle if number % 4 else None,
            "category": "message",
            "title": f"{AWKWARD} {number}"[:200],
            "body": "" if number % 3 == 0 else AWKWARD * 3,
            "group": "conversation-7" if number % 2 else "",
            "key": f"{tag}-{member.pk}",
        }
        if number % 3 == 1:
            # Left to the defaults: url, capability, held_for_digest, in_app and created_at.
            values.update(url="/circles/7/", capability="conversations.read", held_for_digest=True, in_app=False)
            values.update(created_at=warsaw + datetime.timedelta(microseconds=number), read_at=now)
        rows.append(Notification(**values))
    return rows


def written(tag: str) -> list[dict[str, Any]]:
    """The rows with this tag as the database holds them, in id order, without the id and the tag."""
    rows: list[dict[str, Any]] = [
        dict(row) for row in Notification.objects.filter(key__startswith=f"{tag}-").order_by("id").values()
    ]
    for row in rows:
        row.pop("id")
        row["key"] = row["key"].removeprefix(f"{tag}-")
    return rows


def twin_batches(first: str, second: str) -> tuple[list[User], list[Notification], list[Notification]]:
    """Two batches of the same rows for a circle of nine, tagged apart, made at the same moment."""
    circle, _organiser, members = circle_of(9)
    now = timezone.now()
    one = notifications(circle, members, first, now)
    other = notifications(circle, members, second, now)
    for old, new in zip(one, other, strict=True):
        # The default created_at is the clock when each instance was made: the same in both.
        new.created_at = old.created_at
    return members, one, other


def test_the_rows_are_those_bulk_create_writes(db: Any) -> None:
    members, by_bulk_create, by_insert_new = twin_batches("bulk", "new")

    Notification.objects.bulk_create(by_bulk_create, ignore_conflicts=True)
    with CaptureQueriesContext(connection) as queries:
        insert_new(Notification, by_insert_new)

    assert written("new") == written("bulk")
    assert len(written("new")) == len(members)
    # The ids come from the table's sequence, one each, in the order given, after bulk_create's.
    bulk_ids = list(Notification.objects.filter(key__startswith="bulk-").order_by("id").values_list("id", flat=True))
    new_ids = list(Notification.objects.filter(key__startswith="new-").order_by("id").values_list("id", flat=True))
    assert new_ids == list(range(bulk_ids[-1] + 1, bulk_ids[-1] + 1 + len(members)))
    recipients = list(Notification.objects.filter(key__startswith="new-").order_by("id").values_list("recipient_id"))
    assert recipients == [(member.pk,) for member in members]
    # The instances are left as bulk_create leaves them (which differs between databases).
    assert [(row._state.adding, row.pk is None) for row in by_insert_new] == [
        (row._state.adding, row.pk is None) for row in by_bulk_create
    ]
    assert len(queries) == 1
    if connection.vendor == "postgresql":
        assert "json_populate_recordset" in queries[0]["sql"]
    else:
        assert "json_populate_recordset" not in queries[0]["sql"]


def test_a_key_already_written_is_left_as_it_was(db: Any) -> None:
    circle, _organiser, members = circle_of(5)
    first = notifications(circle, members[:2], "again")
    insert_new(Notification, first)
    before = written("again")

    retried = notifications(circle, members, "again")
    for row in retried:
        row.title = "Written a second time"
    insert_new(Notification, retried)

    after = written("again")
    assert after[:2] == before
    assert [row["title"] for row in after[2:]] == ["Written a second time"] * (len(members) - 2)


def outcome(write: Any) -> str:
    try:
        with transaction.atomic():
            write()
    except DatabaseError as error:
        return type(error).__name__
    return "written"


def test_a_title_too_long_fails_or_not_as_with_bulk_create(db: Any) -> None:
    circle, _organiser, members = circle_of(3)
    too_long = notifications(circle, members, "long-bulk")
    too_long_too = notifications(circle, members, "long-new")
    too_long[1].title = too_long_too[1].title = "x" * 201

    by_bulk_create = outcome(lambda: Notification.objects.bulk_create(too_long, ignore_conflicts=True))
    by_insert_new = outcome(lambda: insert_new(Notification, too_long_too))

    assert by_insert_new == by_bulk_create
    # PostgreSQL checks the length (nothing cut short), SQLite does not.
    assert by_insert_new == ("DataError" if connection.vendor == "postgresql" else "written")


def test_an_unsaved_recipient_is_refused(db: Any) -> None:
    circle, _organiser, members = circle_of(3)
    rows = notifications(circle, members, "unsaved")
    rows[1].recipient = User(email="nobody@example.org")

    with pytest.raises(ValueError, match="unsaved related object"):
        insert_new(Notification, rows)
    assert written("unsaved") == []


def test_values_json_cannot_carry_go_through_bulk_create(db: Any) -> None:
    circle, organiser, _members = circle_of(3)
    rows = [
        FanOut(circle=circle, key=f"fan-{number}", category="message", actor=organiser, titles={"en": AWKWARD})
        for number in range(3)
    ]

    insert_new(FanOut, rows)

    assert list(FanOut.objects.order_by("key").values_list("key", "titles", "user_ids", "position")) == [
        (f"fan-{number}", {"en": AWKWARD}, [], 0) for number in range(3)
    ]


@pytest.mark.django_db(transaction=True)
def test_workers_writing_the_same_keys_at_once_write_each_row_once() -> None:
    circle, _organiser, members = circle_of(12)

    def write() -> None:
        with transaction.atomic():
            insert_new(Notification, notifications(circle, members, "burst"))

    at_once([write] * 4)

    assert sorted(Notification.objects.filter(key__startswith="burst-").values_list("recipient_id", flat=True)) == [
        member.pk for member in members
    ]


def as_values(rows: list[Notification], names: tuple[str, ...]) -> list[tuple[Any, ...]]:
    return [tuple(getattr(row, name) for name in names) for row in rows]


NAMES = ("recipient_id", "circle_id", "category", "title", "body", "url", "group", "key", "capability", "created_at")


def test_insert_values_writes_the_rows_insert_new_writes(db: Any) -> None:
    _members, by_insert_new, by_values = twin_batches("new", "values")

    insert_new(Notification, by_insert_new)
    # held_for_digest, in_app and read_at left to their defaults; the rest given, every third varied.
    with CaptureQueriesContext(connection) as queries:
        insert_values(Notification, NAMES, as_values(by_values, NAMES))

    expected = written("new")
    for row in expected:
        row.update(held_for_digest=False, in_app=True, read_at=None)
    assert written("values") == expected
    assert len(queries) == 1
    assert ("json_populate_recordset" in queries[0]["sql"]) == (connection.vendor == "postgresql")


def test_insert_values_gives_each_row_its_own_callable_default(db: Any) -> None:
    _circle, _organiser, members = circle_of(4)
    before = timezone.now()

    insert_values(
        Notification,
        ("recipient_id", "category", "title", "key"),
        [(member.pk, "news", AWKWARD, f"clock-{member.pk}") for member in members],
    )

    rows = list(Notification.objects.filter(key__startswith="clock-").order_by("id"))
    assert [row.recipient_id for row in rows] == [member.pk for member in members]
    assert all(row.title == AWKWARD and row.circle_id is None and row.in_app for row in rows)
    # created_at's default (timezone.now) called for each row, as for each new instance.
    assert before <= rows[0].created_at <= rows[-1].created_at <= timezone.now()


def test_insert_values_skips_a_key_already_written_and_refuses_what_an_instance_refuses(db: Any) -> None:
    _circle, _organiser, members = circle_of(5)
    insert_values(
        Notification, ("recipient_id", "category", "title", "key"), [(members[0].pk, "news", "First", "same")]
    )
    insert_values(
        Notification,
        ("recipient_id", "category", "title", "key"),
        [(members[0].pk, "news", "Second", "same"), (members[1].pk, "news", "Other", "other")],
    )

    assert dict(Notification.objects.values_list("key", "title")) == {"same": "First", "other": "Other"}
    with pytest.raises(TypeError, match="unexpected keyword"):
        insert_values(Notification, ("recipient_id", "colour"), [(members[0].pk, "red")])
    too_long = outcome(
        lambda: insert_values(
            Notification, ("recipient_id", "category", "title", "key"), [(members[2].pk, "news", "x" * 201, "long")]
        )
    )
    assert too_long == ("DataError" if connection.vendor == "postgresql" else "written")


@pytest.mark.django_db(transaction=True)
def test_workers_writing_the_same_values_at_once_write_each_row_once() -> None:
    circle, _organiser, members = circle_of(12)

    def write() -> None:
        with transaction.atomic():
            insert_values(Notification, NAMES, as_values(notifications(circle, members, "values-burst"), NAMES))

    at_once([write] * 4)

    assert sorted(
        Notification.objects.filter(key__startswith="values-burst-").values_list("recipient_id", flat=True)
    ) == [member.pk for member in members]
