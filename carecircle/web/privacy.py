"""Finished background tasks: kept RETENTION_TASK_RESULTS_DAYS for troubleshooting, then pruned.

Every email, text and daily job leaves a row in django-tasks-db's table; without pruning it grows
with every message sent. Tasks still waiting or running are never pruned.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django_tasks_db.models import DBTaskResult

from carecircle.lib.retention import RetentionRule, retention_rule_register

FINISHED = ["SUCCESSFUL", "FAILED"]


def finished_only(queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
    return queryset.filter(status__in=FINISHED)


retention_rule_register(
    RetentionRule(
        name="background tasks",
        setting="RETENTION_TASK_RESULTS_DAYS",
        model=DBTaskResult,
        date_field="finished_at",
        narrow=finished_only,
    )
)
