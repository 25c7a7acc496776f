"""A busy delivery service is held back by every worker and every sweep until the time it asked for.

Texts go through the fake provider on 127.0.0.1 in Twilio's format, which answers 429 or 503 while
`busy` is set; each "worker process" is a separate `deliveries_send` call with nothing in memory
from the one before. Every test runs on a fixed clock.
"""

from __future__ import annotations

import datetime
import importlib
import io
from collections.abc import Callable
from functools import partial

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from carecircle.notifications.busy_services import (
    PUSH_HOLD_AT_MOST,
    ServiceHolds,
    busy_services_expire,
    deliveries_held_for,
    held_note,
    hold_for,
    service_busy_record,
)
from carecircle.notifications.models import (
    BusyService,
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationSettings,
)
from carecircle.notifications.retry_after import MAX_WAIT, Busy
from carecircle.notifications.services import deliveries_due, deliveries_send, delivery_enqueue
from carecircle.notifications.tasks import SWEEP_EVERY, deliver_due, next_sweep_at
from tests.bursts import at_once
from tests.cast import make_user

MINUTE = datetime.timedelta(minutes=1)


def text(key: str, *, recipient_id: int | None = None, category: str = "help_needed") -> Delivery:
    return delivery_enqueue(
        channel=Channel.SMS,
        to="+447700900123",
        body=f"Text {key}",
        idempotency_key=key,
        recipient_id=recipient_id,
        category=category,
    )


def sweep() -> dict[str, int]:
    """What tasks.deliver_due does every two minutes."""
    return deliveries_send(deliveries_due())


@pytest.mark.django_db
def test_the_next_sweeps_leave_a_busy_provider_alone_until_the_time_it_asked(twilio, start) -> None:
    nina = make_user("nina", display_name="Nina Neighbour")
    twilio.busy = (429, "1200")
    with time_machine.travel(start, tick=False) as clock:
        first, second = text("one", recipient_id=nina.pk), text("two", recipient_id=nina.pk)
        assert deliveries_send([first.pk, second.pk]) == {"retry": 1, "held": 1}
        assert twilio.busy_answers == 1

        # The old worker asked again at the next sweep, two minutes later, and every sweep after.
        for _ in range(9):
            clock.shift(2 * MINUTE)
            assert sweep() == {}
        # A fan-out queued meanwhile waits too, untried.
        third = text("three", recipient_id=nina.pk)
        assert deliveries_send([third.pk]) == {"held": 1}
        assert twilio.busy_answers == 1

        twilio.busy = None
        clock.shift(2 * MINUTE)
        assert sweep() == {"sent": 3}
    assert len(twilio.sent) == 3
    assert not BusyService.objects.exists()
    # Held back is neither an attempt nor a refusal of the number.
    assert dict(Delivery.objects.values_list("idempotency_key", "attempts")) == {"one": 2, "two": 1, "three": 1}
    assert not NotificationSettings.objects.filter(sms_failing_since__isnull=False).exists()
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_a_second_worker_process_holds_back_from_a_provider_the_first_found_busy(twilio, start) -> None:
    twilio.busy = (503, "600")
    with time_machine.travel(start, tick=False) as clock:
        first = text("one")
        # Worker 1.
        assert deliveries_send([first.pk]) == {"retry": 1}
        # Worker 2: another process, with nothing of worker 1 in memory.
        second = text("two")
        assert deliveries_send([second.pk]) == {"held": 1}
        assert twilio.busy_answers == 1
        second.refresh_from_db()
        assert (second.status, second.attempts, second.not_before) == (DeliveryStatus.QUEUED, 0, start + 10 * MINUTE)
        assert second.last_error.startswith("Held back: sms answered 429 or 503")

        clock.shift(10 * MINUTE)
        twilio.busy = None
        assert sweep() == {"sent": 2}


@pytest.mark.django_db
def test_a_send_that_works_ends_the_hold_early_and_sends_what_was_held_at_once(twilio, start) -> None:
    """Urgent news may try a service another run found busy, once; when it goes, that run sends what was held.

    The held urgent text goes before the held news, and nothing is left for the next sweep.
    """
    nina = make_user("nina", display_name="Nina Neighbour")
    twilio.busy = (429, "3600")
    with time_machine.travel(start, tick=False) as clock:
        news = [text(f"news-{number}", recipient_id=nina.pk) for number in range(3)]
        assert deliveries_send([row.pk for row in news]) == {"retry": 1, "held": 2}
        assert BusyService.objects.get().until == start + MAX_WAIT

        clock.shift(5 * MINUTE)
        # Still busy: one urgent text tries, the next one in the same run doesn't.
        struggling = [text(f"checkin-{number}", recipient_id=nina.pk, category="checkin") for number in range(2)]
        assert deliveries_send([row.pk for row in struggling]) == {"retry": 1, "held": 1}
        assert twilio.busy_answers == 2

        clock.shift(5 * MINUTE)
        twilio.busy = None
        concern = text("concern", recipient_id=nina.pk, category="visit_concern")
        # The concern, then at once what was held: the check-in first, then the news.
        assert deliveries_send([concern.pk]) == {"sent": 4}
        assert not BusyService.objects.exists()
        assert [sent.body for sent in twilio.sent] == ["Text concern", "Text checkin-1", "Text news-1", "Text news-2"]
        assert not Delivery.objects.filter(held_by__isnull=False).exists()

        clock.shift(2 * MINUTE)
        # The two that were refused keep their own back-off.
        assert sweep() == {}
    assert twilio.busy_answers == 2


@pytest.mark.django_db
def test_urgent_news_waits_for_a_service_that_answered_busy_in_the_same_run(twilio, start) -> None:
    twilio.busy = (429, "600")
    with time_machine.travel(start, tick=False):
        rows = [text("news"), text("checkin", category="checkin")]
        assert deliveries_send([row.pk for row in rows]) == {"retry": 1, "held": 1}
    assert twilio.busy_answers == 1


@pytest.mark.django_db(transaction=True)
def test_workers_refused_at_once_make_one_row_and_the_longer_wait_wins(start) -> None:
    service = "push https://fcm.googleapis.com"

    def refused(minutes: int) -> Callable[[], None]:
        return partial(service_busy_record, service=service, status=429, until=start + minutes * MINUTE, now=start)

    with time_machine.travel(start, tick=False):
        at_once([refused(minutes) for minutes in (5, 15, 10, 2, 15, 7, 1, 3)])
    row = BusyService.objects.get()
    assert (row.service, row.until, row.status) == ("push https://fcm.googleapis.com", start + 15 * MINUTE, 429)


@pytest.mark.django_db
def test_a_shorter_wait_never_shortens_a_hold_and_a_longer_one_extends_it(start) -> None:
    service = "sms"
    service_busy_record(service=service, status=503, until=start + 20 * MINUTE, now=start)
    service_busy_record(service=service, status=429, until=start + 5 * MINUTE, now=start)
    assert BusyService.objects.get().until == start + 20 * MINUTE
    service_busy_record(service=service, status=429, until=start + 30 * MINUTE, now=start)
    assert (BusyService.objects.get().until, BusyService.objects.get().status) == (start + 30 * MINUTE, 429)


def test_a_push_service_is_held_back_for_all_its_devices_at_most_five_minutes(start) -> None:
    push = "push https://web.push.apple.com"
    assert PUSH_HOLD_AT_MOST == 5 * MINUTE
    assert hold_for(service=push, busy=Busy(429, "3600"), now=start) == 5 * MINUTE
    assert hold_for(service=push, busy=Busy(429, "180"), now=start) == 3 * MINUTE
    assert hold_for(service="sms", busy=Busy(429, "3600"), now=start) == MAX_WAIT
    assert hold_for(service="sms", busy=Busy(503, "86400"), now=start) == MAX_WAIT
    # No header (GOV.UK Notify sends none), junk, or less than a sweep: until the next sweep.
    for header in (None, "soon", "30"):
        assert hold_for(service="sms", busy=Busy(429, header), now=start) == 2 * MINUTE


@pytest.mark.django_db
def test_a_hold_another_worker_records_mid_run_is_seen_at_the_next_chunk(start) -> None:
    holds = ServiceHolds()
    with time_machine.travel(start, tick=False):
        holds.refresh()
        assert holds.holding("email", now=start, urgent_first_attempt=False) is None
        service_busy_record(service="email", status=429, until=start + 3 * MINUTE, now=start)
        holds.refresh()
        assert holds.holding("email", now=start, urgent_first_attempt=False) == start + 3 * MINUTE
        assert holds.holding("email", now=start + 3 * MINUTE, urgent_first_attempt=False) is None


@pytest.mark.django_db
def test_the_status_command_lists_the_services_held_back_and_until_when(start) -> None:
    out = io.StringIO()
    with time_machine.travel(start, tick=False):
        call_command("delivery_status", stdout=out)
        assert "No delivery service is held back." in out.getvalue()
        service_busy_record(service="sms", status=503, until=start + 20 * MINUTE, now=start)
        service_busy_record(service="push https://fcm.googleapis.com", status=429, until=start + 3 * MINUTE, now=start)
        # Over: not listed.
        service_busy_record(service="email", status=429, until=start - MINUTE, now=start - 5 * MINUTE)
        out = io.StringIO()
        call_command("delivery_status", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "Delivery services held back (busy: answered 429 or 503):"
    assert lines[1:] == [
        f"  push https://fcm.googleapis.com  until {start + 3 * MINUTE:%Y-%m-%d %H:%M:%S} UTC (429, 3 min left);"
        " no delivery held",
        f"  sms  until {start + 20 * MINUTE:%Y-%m-%d %H:%M:%S} UTC (503, 20 min left); no delivery held",
    ]


@pytest.mark.django_db
def test_the_status_command_counts_the_deliveries_held_for_each_service_and_until_when(start) -> None:
    with time_machine.travel(start, tick=False) as clock:
        service_busy_record(service="sms", status=429, until=start + 20 * MINUTE, now=start)
        held = [text("news-1"), text("news-2"), text("checkin", category="checkin")]
        # The check-in's first try went in an earlier run.
        Delivery.objects.filter(pk=held[-1].pk).update(held_by="sms")
        assert deliveries_send([row.pk for row in held]) == {"held": 3}
        clock.shift(5 * MINUTE)
        # Another worker was refused: the hold goes on, and what it holds from now waits longer.
        service_busy_record(service="sms", status=429, until=start + 40 * MINUTE, now=start + 5 * MINUTE)
        assert deliveries_send([text("news-3").pk]) == {"held": 1}
        # Held for email, whose hold ended without a send that released it.
        email = delivery_enqueue(channel=Channel.EMAIL, to="a@example.org", body="Hello", idempotency_key="mail")
        Delivery.objects.filter(pk=email.pk).update(held_by="email", not_before=start + 15 * MINUTE)
        out = io.StringIO()
        call_command("delivery_status", stdout=out)
    assert out.getvalue().splitlines() == [
        "Delivery services held back (busy: answered 429 or 503):",
        f"  sms  until {start + 40 * MINUTE:%Y-%m-%d %H:%M:%S} UTC (429, 35 min left);"
        f" 4 deliveries held (1 urgent) until {start + 40 * MINUTE:%Y-%m-%d %H:%M:%S} UTC at the latest",
        "Deliveries still held for a service no longer held back:",
        f"  email  1 delivery held (0 urgent) until {start + 15 * MINUTE:%Y-%m-%d %H:%M:%S} UTC at the latest",
    ]


@pytest.mark.django_db
def test_a_held_delivery_names_its_service_until_it_is_sent(twilio, start) -> None:
    twilio.busy = (429, "600")
    with time_machine.travel(start, tick=False) as clock:
        first, second = text("one"), text("two")
        assert deliveries_send([first.pk, second.pk]) == {"retry": 1, "held": 1}
        first.refresh_from_db()
        second.refresh_from_db()
        # Refused, not held: it keeps its own back-off when the provider recovers.
        assert (first.held_by, second.held_by) == (None, "sms")
        assert list(deliveries_held_for(service="sms", now=start)) == [second]

        twilio.busy = None
        clock.shift(10 * MINUTE)
        assert sweep() == {"sent": 2}
    assert set(Delivery.objects.values_list("held_by", flat=True)) == {None}


@pytest.mark.django_db
def test_the_deliveries_held_for_a_service_are_read_through_the_partial_index(start) -> None:
    """However many deliveries were ever sent, ending a hold reads only the rows that wait for one."""
    later = start + 10 * MINUTE
    Delivery.objects.bulk_create(
        Delivery(
            channel=Channel.SMS,
            to="+447700900123",
            body="News",
            idempotency_key=f"index-{number}",
            status=DeliveryStatus.QUEUED if number % 500 == 0 else DeliveryStatus.SENT,
            held_by="sms" if number % 500 == 0 else None,
            not_before=later,
        )
        for number in range(3000)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Delivery._meta.db_table}")
    held = deliveries_held_for(service="sms", now=start)
    assert held.count() == 6
    plan = held.explain()
    assert "notif_delivery_held_by" in plan, plan


@pytest.mark.django_db
def test_deliveries_held_before_the_upgrade_are_released_by_service_and_back_again(start) -> None:
    """The data migration reads the service from the old note, and writes the note again going back."""
    migration = importlib.import_module("carecircle.notifications.migrations.0014_delivery_held_by_from_last_error")
    push = "push https://fcm.googleapis.com"
    held = [
        Delivery.objects.create(
            channel=channel,
            to="+447700900123",
            body="News",
            idempotency_key=f"old-{channel}",
            not_before=start + MINUTE,
            last_error=held_note(service, start + MINUTE),
        )
        for channel, service in ((Channel.SMS, "sms"), (Channel.PUSH, push))
    ]
    refused = Delivery.objects.create(
        channel=Channel.EMAIL, to="a@example.org", body="News", idempotency_key="refused", last_error="421 Busy"
    )
    migration.held_by_from_last_error(apps, None)
    assert dict(Delivery.objects.values_list("idempotency_key", "held_by")) == {
        "old-sms": "sms",
        "old-push": push,
        "refused": None,
    }
    Delivery.objects.filter(pk=held[0].pk).update(last_error="")
    migration.last_error_from_held_by(apps, None)
    held[0].refresh_from_db()
    refused.refresh_from_db()
    assert held[0].last_error == held_note("sms", start + MINUTE)
    assert refused.last_error == "421 Busy"


@pytest.mark.django_db
def test_a_hold_that_ran_out_is_removed_by_the_next_sweep(start) -> None:
    with time_machine.travel(start, tick=False) as clock:
        service_busy_record(service="email", status=429, until=start + 3 * MINUTE, now=start)
        service_busy_record(service="sms", status=503, until=start + 20 * MINUTE, now=start)
        clock.shift(3 * MINUTE)
        deliver_due.call()
    assert list(BusyService.objects.values_list("service", flat=True)) == ["sms"]


@pytest.mark.django_db
def test_removing_the_holds_that_ran_out_is_one_statement(start, django_assert_num_queries) -> None:
    """One DELETE with the condition in it: a row read first could be extended by another worker before it goes."""
    service_busy_record(service="email", status=429, until=start - MINUTE, now=start - 5 * MINUTE)
    with django_assert_num_queries(1) as queries:
        assert busy_services_expire(now=start) == 1
    assert queries.captured_queries[0]["sql"].startswith("DELETE")
    assert '"until" <=' in queries.captured_queries[0]["sql"]


@pytest.mark.django_db(transaction=True)
def test_a_hold_recorded_while_sweeps_remove_old_ones_is_kept(start) -> None:
    """Two sweeps and two refused workers at once, on a hold that had run out: the new, later hold stays."""
    service_busy_record(service="sms", status=429, until=start - MINUTE, now=start - 5 * MINUTE)

    def refused(minutes: int) -> Callable[[], None]:
        return partial(service_busy_record, service="sms", status=503, until=start + minutes * MINUTE, now=start)

    def expire() -> None:
        busy_services_expire(now=start)

    at_once([expire, refused(10), expire, refused(5), expire])
    row = BusyService.objects.get()
    assert (row.until, row.status) == (start + 10 * MINUTE, 503)


@pytest.mark.django_db
def test_urgent_news_that_was_held_waits_like_the_rest_in_later_runs(twilio, start) -> None:
    """The privilege is its first attempt only: held once, it doesn't try the busy service at each later sweep."""
    twilio.busy = (429, "600")
    with time_machine.travel(start, tick=False) as clock:
        first, second = text("checkin-1", category="checkin"), text("checkin-2", category="checkin")
        service_busy_record(service="sms", status=429, until=start + 10 * MINUTE, now=start)
        # One urgent text tries the busy provider; the other is held for the hold's end.
        assert deliveries_send([first.pk, second.pk]) == {"retry": 1, "held": 1}
        assert twilio.busy_answers == 1

        # Another worker is refused meanwhile: the hold goes on past the time they wait for.
        clock.shift(9 * MINUTE)
        service_busy_record(service="sms", status=429, until=start + 30 * MINUTE, now=start + 9 * MINUTE)
        clock.shift(1 * MINUTE)
        assert sweep() == {"held": 2}
        assert twilio.busy_answers == 1

        twilio.busy = None
        clock.shift(20 * MINUTE)
        assert sweep() == {"sent": 2}
    # A fresh urgent text still has its first try.
    with time_machine.travel(start + 40 * MINUTE, tick=False):
        service_busy_record(service="sms", status=429, until=start + 50 * MINUTE, now=start + 40 * MINUTE)
        assert deliveries_send([text("checkin-3", category="checkin").pk]) == {"sent": 1}


@pytest.mark.django_db
def test_when_a_hold_ends_urgent_news_tries_the_service_first(twilio, start) -> None:
    """Held news queued before a held check-in: at the hold's end the check-in is asked first.

    The service is busy again, so only one text is tried and the rest of that run is held: the one
    tried is the check-in, not the oldest news.
    """
    with time_machine.travel(start, tick=False) as clock:
        service_busy_record(service="sms", status=429, until=start + 10 * MINUTE, now=start)
        rows = [text(f"news-{number}") for number in range(3)] + [text("checkin", category="checkin")]
        # The check-in's first try went in an earlier run; here every one is held for the hold's end.
        Delivery.objects.filter(pk=rows[-1].pk).update(held_by="sms")
        assert deliveries_send([row.pk for row in rows]) == {"held": 4}

        twilio.busy = (429, "600")
        clock.shift(10 * MINUTE)
        assert sweep() == {"retry": 1, "held": 3}
        assert twilio.busy_answers == 1
        tried = Delivery.objects.get(attempts=1)
        assert tried.idempotency_key == "checkin"


@pytest.mark.django_db
def test_the_next_sweep_is_booked_for_the_end_of_a_hold_when_that_is_sooner(start) -> None:
    with time_machine.travel(start, tick=False):
        assert next_sweep_at(now=start) == start + SWEEP_EVERY
        # Ran out already (not yet removed): not waited for.
        service_busy_record(service="email", status=503, until=start - MINUTE, now=start - 3 * MINUTE)
        assert next_sweep_at(now=start) == start + SWEEP_EVERY
        service_busy_record(service="sms", status=429, until=start + 10 * MINUTE, now=start)
        assert next_sweep_at(now=start) == start + SWEEP_EVERY
        ends = start + datetime.timedelta(seconds=30)
        service_busy_record(service="push https://fcm.googleapis.com", status=429, until=ends, now=start)
        assert next_sweep_at(now=start) == ends


@pytest.mark.django_db
def test_what_a_hold_kept_back_is_sent_by_a_sweep_at_the_hold_s_end(twilio, start, settings) -> None:
    """The sweep books itself for the hold's end, not two minutes on, and that sweep sends what was held."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    ends = start + datetime.timedelta(seconds=50)
    with time_machine.travel(start, tick=False) as clock:
        service_busy_record(service="sms", status=429, until=ends, now=start - MINUTE)
        held = text("held")
        assert deliveries_send([held.pk]) == {"held": 1}

        assert deliver_due.call() == {}
        booked = DBTaskResult.objects.get(task_path="carecircle.notifications.tasks.deliver_due", status="READY")
        assert booked.run_after == ends

        clock.move_to(ends)
        assert deliver_due.call() == {"sent": 1}
    assert [sent.body for sent in twilio.sent] == ["Text held"]


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_leave_nothing_held_after_a_send_ends_the_hold(twilio, start) -> None:
    """One worker's urgent text ends the hold while another holds back a fan-out: each text goes exactly once.

    Whichever order they meet in, nothing stays held for an hour for a hold that is over: a row held
    before the release is sent by the worker that ended it, one held after finds no hold and goes.
    """

    def queued(key: str, category: str = "help_needed") -> Delivery:
        # Written directly: outside a test transaction, delivery_enqueue's on-commit send would run at once.
        return Delivery.objects.create(
            channel=Channel.SMS, to="+447700900123", body=f"Text {key}", idempotency_key=key, category=category
        )

    with time_machine.travel(start, tick=True):
        service_busy_record(service="sms", status=429, until=start + MAX_WAIT, now=start)
        earlier = [queued(f"earlier-{number}") for number in range(3)]
        assert deliveries_send([row.pk for row in earlier]) == {"held": 3}
        fan_out = [queued(f"fan-out-{number}") for number in range(6)]
        checkin = queued("checkin", category="checkin")

        at_once(
            [
                partial(deliveries_send, [checkin.pk]),
                partial(deliveries_send, [row.pk for row in fan_out]),
            ]
        )
        assert not BusyService.objects.exists()
        assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    bodies = sorted(sent.body for sent in twilio.sent)
    assert bodies == sorted(f"Text {row.idempotency_key}" for row in [*earlier, *fan_out, checkin])
