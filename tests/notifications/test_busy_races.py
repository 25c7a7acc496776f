"""Races between holding a delivery back and ending the hold, that only PostgreSQL's concurrent writers show.

A slow statement is made on purpose: a trigger sleeps inside the UPDATE that holds one delivery back,
after that statement has read the hold, while another worker's text ends the hold and releases
what was held. Each worker is a separate `deliveries_send` in its own thread and connection.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from functools import partial

import pytest
import time_machine
from django.db import connection

from carecircle.notifications.busy_services import service_busy_record
from carecircle.notifications.models import BusyService, Channel, Delivery, DeliveryStatus
from carecircle.notifications.retry_after import MAX_WAIT
from carecircle.notifications.services import deliveries_send
from tests.bursts import at_once

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite runs one writer at a time, so there is no race to lose."
)

SLOW_KEY = "slow-hold"
SLEEP_SECONDS = 1.5


@pytest.fixture
def slow_hold(transactional_db: None) -> Iterator[None]:
    """The UPDATE that holds the row keyed SLOW_KEY back sleeps after reading its condition, before it commits."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_slow_hold() RETURNS trigger AS $$ "
            f"BEGIN PERFORM pg_sleep({SLEEP_SECONDS}); RETURN NEW; END $$ LANGUAGE plpgsql"
        )
        cursor.execute(
            "CREATE TRIGGER test_slow_hold BEFORE UPDATE ON notifications_delivery FOR EACH ROW "
            f"WHEN (NEW.idempotency_key = '{SLOW_KEY}' AND NEW.held_by IS NOT NULL AND OLD.held_by IS NULL) "
            "EXECUTE FUNCTION test_slow_hold()"
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS test_slow_hold ON notifications_delivery")
            cursor.execute("DROP FUNCTION IF EXISTS test_slow_hold()")


def _when_a_hold_is_under_way() -> None:
    """Wait until another connection sleeps in the trigger: its UPDATE has read the hold and not committed."""
    for _ in range(200):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'PgSleep'"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.025)
    raise AssertionError("no worker started holding the row back")


def _after_a_hold_under_way(ids: list[int]) -> dict[str, int]:
    _when_a_hold_is_under_way()
    return deliveries_send(ids)


def test_a_hold_that_commits_after_the_release_began_is_released_too(slow_hold, twilio, start) -> None:
    """A text is being held back when an urgent one ends the hold: it is still sent, not left for an hour.

    Before the hold's row was locked, the release ran while the holding UPDATE was still to commit,
    missed the row (still `sending` to it) and left it queued until the hold's old end.
    """

    def queued(key: str, category: str) -> Delivery:
        return Delivery.objects.create(
            channel=Channel.SMS, to="+447700900123", body=f"Text {key}", idempotency_key=key, category=category
        )

    with time_machine.travel(start, tick=True):
        service_busy_record(service="sms", status=429, until=start + MAX_WAIT, now=start)
        help_needed = queued(SLOW_KEY, category="help_needed")
        urgent = [queued(f"urgent-{number}", category="checkin") for number in range(2)]

        holding, ending = at_once(
            [
                partial(deliveries_send, [help_needed.pk]),
                partial(_after_a_hold_under_way, [row.pk for row in urgent]),
            ]
        )
        assert not BusyService.objects.exists()
        assert dict(Delivery.objects.values_list("idempotency_key", "status")) == {
            SLOW_KEY: DeliveryStatus.SENT,
            "urgent-0": DeliveryStatus.SENT,
            "urgent-1": DeliveryStatus.SENT,
        }
    assert holding == {"held": 1}
    assert ending == {"sent": 3}
    assert sorted(sent.body for sent in twilio.sent) == ["Text slow-hold", "Text urgent-0", "Text urgent-1"]
