"""Retention: what outlives its period is deleted by the daily job, in batches; 0 keeps forever."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from carecircle.audit.models import AppendOnlyError, AuditEntry
from carecircle.audit.services import audit_record
from carecircle.lib.retention import retention_enforce, retention_rules
from carecircle.notifications.models import Channel, Delivery, DeliveryStatus
from carecircle.web.jobs import privacy_maintenance


def old_delivery(index: int, *, days: int, status: str = DeliveryStatus.SENT) -> Delivery:
    return Delivery.objects.create(
        channel=Channel.EMAIL,
        to=f"person{index}@example.org",
        body="hello",
        idempotency_key=f"test:{index}",
        status=status,
        created_at=timezone.now() - datetime.timedelta(days=days),
    )


def test_every_kind_the_issue_names_has_a_rule():
    names = set(retention_rules())
    assert {"audit log", "access log", "deliveries", "live events", "signed-in sessions", "background tasks"} <= names


def test_sent_deliveries_past_the_period_go_in_batches_and_queued_ones_stay(db, settings):
    settings.RETENTION_DELIVERIES_DAYS = 90
    for index in range(7):
        old_delivery(index, days=91)
    waiting = old_delivery(100, days=200, status=DeliveryStatus.QUEUED)
    recent = old_delivery(101, days=10)

    removed = retention_enforce(batch=3)

    assert removed["deliveries"] == 7
    assert set(Delivery.objects.values_list("pk", flat=True)) == {waiting.pk, recent.pk}


def test_each_batch_reads_on_from_the_last_id_of_the_one_before(db, settings):
    """A backlog is read once: no batch goes back over the rows already deleted or kept."""
    settings.RETENTION_DELIVERIES_DAYS = 90
    kept: list[int] = []
    expired: list[int] = []
    for index in range(10):
        # Kept and expired rows interleaved by id, as in a table several circles write to.
        (expired if index % 2 else kept).append(old_delivery(index, days=91 if index % 2 else 10).pk)

    with CaptureQueriesContext(connection) as captured:
        removed = retention_enforce(batch=2)

    assert removed["deliveries"] == 5
    assert sorted(Delivery.objects.values_list("pk", flat=True)) == kept
    table = Delivery._meta.db_table
    sql = [query["sql"] for query in captured]
    reads = [text for text in sql if text.startswith("SELECT") and f'FROM "{table}"' in text]
    assert len(reads) == 3
    assert f'"{table}"."id" >' not in reads[0]
    assert f'"{table}"."id" > {expired[1]}' in reads[1]
    assert f'"{table}"."id" > {expired[3]}' in reads[2]


def test_audit_lines_are_removed_only_by_retention_and_zero_keeps_forever(db, settings):
    entry = audit_record(actor=None, action="test.old")
    AuditEntry.objects.filter(pk=entry.pk)  # still there
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    later = timezone.now() + datetime.timedelta(days=11)

    settings.RETENTION_AUDIT_DAYS = 0
    retention_enforce(now=later)
    assert AuditEntry.objects.filter(pk=entry.pk).exists()

    settings.RETENTION_AUDIT_DAYS = 10
    assert retention_enforce(now=later)["audit log"] >= 1
    assert not AuditEntry.objects.filter(pk=entry.pk).exists()


def test_the_daily_job_runs_every_rule_and_books_nothing_on_the_immediate_backend(db):
    result = privacy_maintenance()
    assert set(result) == {"retention", "circles_erased", "expired_sessions"}


def finished_task(*, status: str, finished_days_ago: int | None) -> Any:
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    return DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": [], "kwargs": {}},
        task_path="carecircle.web.jobs.daily_privacy_job",
        backend_name="default",
        run_after=now,
        finished_at=None if finished_days_ago is None else now - datetime.timedelta(days=finished_days_ago),
    )


def test_finished_background_tasks_past_the_period_go_and_waiting_ones_stay(db, settings):
    from django_tasks_db.models import DBTaskResult

    settings.RETENTION_TASK_RESULTS_DAYS = 14
    old_success = [finished_task(status="SUCCESSFUL", finished_days_ago=15) for _ in range(4)]
    old_failure = finished_task(status="FAILED", finished_days_ago=30)
    recent = finished_task(status="SUCCESSFUL", finished_days_ago=2)
    waiting = finished_task(status="READY", finished_days_ago=None)
    running = finished_task(status="RUNNING", finished_days_ago=None)

    removed = privacy_maintenance()["retention"]

    assert removed["background tasks"] == len(old_success) + 1
    assert set(DBTaskResult.objects.values_list("pk", flat=True)) == {recent.pk, waiting.pk, running.pk}
    assert not DBTaskResult.objects.filter(pk=old_failure.pk).exists()
