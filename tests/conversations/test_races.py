"""Races that only a database with real concurrent writers shows (PostgreSQL in CI)."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection, transaction

from carecircle.circles.models import Circle
from carecircle.conversations import services
from carecircle.conversations.models import Message
from carecircle.realtime.events import circle_event_record
from tests.bursts import at_once
from tests.cast import Cast, build_cast
from tests.conversations.conftest import family_of

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite runs one writer at a time, so there is no race to lose."
)


@pytest.fixture
def committed_cast(transactional_db: None) -> Cast:
    return build_cast()


def test_simultaneous_retries_with_one_client_id_store_one_message(committed_cast: Cast) -> None:
    cast = committed_cast
    client_id = uuid.uuid4()

    def post() -> int:
        return services.message_post(
            actor=cast.helper, where=family_of(cast, cast.helper), body="Retry storm", client_id=client_id
        ).message.pk

    ids = at_once([post] * 6)
    assert len(ids) == 6
    assert len(set(ids)) == 1
    assert Message.objects.filter(client_id=client_id).count() == 1


def test_message_ids_follow_commit_order_when_many_post_at_once(committed_cast: Cast) -> None:
    cast = committed_cast

    def post() -> int:
        return services.message_post(actor=cast.helper, where=family_of(cast, cast.helper), body="Hi").message.pk

    at_once([post] * 8)
    events = cast.circle.events.filter(type="message.posted").order_by("seq")
    by_sequence = [event.data["message"] for event in events]
    assert len(by_sequence) == 8
    assert by_sequence == sorted(by_sequence)


def test_retries_racing_with_one_client_id_leave_no_gap_in_the_circle_events(committed_cast: Cast) -> None:
    """The losers' numbers (taken with the lock, before their insert failed) are given back by their rollback."""
    cast = committed_cast
    client_id = uuid.uuid4()
    before = Circle.objects.values_list("event_seq", flat=True).get(pk=cast.circle.pk)

    def post() -> int:
        return services.message_post(
            actor=cast.helper, where=family_of(cast, cast.helper), body="Retry storm", client_id=client_id
        ).message.pk

    at_once([post] * 6)
    assert Circle.objects.values_list("event_seq", flat=True).get(pk=cast.circle.pk) == before + 1
    assert list(cast.circle.events.filter(seq__gt=before).values_list("seq", flat=True)) == [before + 1]


def test_posts_and_other_changes_at_once_number_the_circle_events_without_gaps(committed_cast: Cast) -> None:
    """Every service numbers its events with the same UPDATE … RETURNING: one strict, gap-free order per circle."""
    cast = committed_cast
    before = Circle.objects.values_list("event_seq", flat=True).get(pk=cast.circle.pk)

    def post() -> int:
        return services.message_post(actor=cast.helper, where=family_of(cast, cast.helper), body="Hi").message.pk

    def other() -> int:
        with transaction.atomic():
            return circle_event_record(circle=cast.circle, type="test.changed").seq

    at_once([post, other] * 5)
    seqs = list(cast.circle.events.filter(seq__gt=before).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(before + 1, before + 11))
    assert Circle.objects.values_list("event_seq", flat=True).get(pk=cast.circle.pk) == before + 10
