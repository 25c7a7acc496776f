"""Retention: the one place periods are enforced. Apps register rules; the worker runs them daily.

A rule names a setting (days; 0 keeps forever), a model, the date field that starts the clock and,
optionally, a narrowing (only sent deliveries) and a purge function (audit rows, which refuse ordinary
deletes). `retention_enforce` deletes in batches, each in its own short transaction, so a big
backlog never becomes one huge transaction or a long lock (docs/architecture/privacy.md).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

logger = logging.getLogger(__name__)
BATCH = 500


@dataclass(frozen=True)
class RetentionRule:
    name: str
    setting: str
    model: type[models.Model]
    date_field: str
    narrow: Callable[[models.QuerySet[Any]], models.QuerySet[Any]] | None = None
    purge: Callable[[list[int]], int] | None = None
    # Rows that still do a job for this many days (a used one-time link until the link expires)
    # are kept at least that long, whatever the setting says; 0 in the setting still keeps forever.
    floor_days: int = 0

    def days(self) -> int:
        value: int = getattr(settings, self.setting)
        return max(value, self.floor_days) if value > 0 else value

    def expired(self, *, now: datetime.datetime) -> models.QuerySet[Any]:
        cutoff = now - datetime.timedelta(days=self.days())
        queryset = self.model._default_manager.filter(**{f"{self.date_field}__lt": cutoff})
        return self.narrow(queryset) if self.narrow else queryset


_rules: dict[str, RetentionRule] = {}
_discovered: list[bool] = []


def retention_rule_register(rule: RetentionRule) -> None:
    _rules[rule.name] = rule


def retention_rules() -> dict[str, RetentionRule]:
    if not _discovered:
        _discovered.append(True)
        autodiscover_modules("privacy")
    return dict(_rules)


def _purge(rule: RetentionRule, ids: list[int]) -> int:
    if rule.purge is not None:
        return rule.purge(ids)
    deleted, _ = rule.model._default_manager.filter(pk__in=ids).delete()
    return deleted


def retention_enforce(*, now: datetime.datetime | None = None, batch: int = BATCH) -> dict[str, int]:
    """Delete what has outlived its period; returns how many rows each rule removed."""
    now = now or timezone.now()
    removed: dict[str, int] = {}
    for name, rule in retention_rules().items():
        if rule.days() <= 0:
            continue
        total = 0
        expired = rule.expired(now=now).order_by("pk")
        while True:
            ids = list(expired.values_list("pk", flat=True)[:batch])
            if not ids:
                break
            with transaction.atomic():
                total += _purge(rule, ids)
            if len(ids) < batch:
                break
            # Every expired row up to the last id is gone: the next batch starts after it rather than
            # reading the table from its start again (past the rows just deleted, and past the kept
            # ones), so a backlog of a million rows is read once, not once per batch.
            expired = rule.expired(now=now).filter(pk__gt=ids[-1]).order_by("pk")
        removed[name] = total
        if total:
            logger.info("Retention: removed %s rows under %s (%s days)", total, name, rule.days())
    return removed
