"""The audit log for data rights: a person's lines, de-identified on erasure, kept RETENTION_AUDIT_DAYS."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext

from carecircle.accounts.models import User
from carecircle.audit.models import AuditEntry
from carecircle.lib.privacy_registry import circle_eraser_register, csv_rows, erasure_register, subject_part_register
from carecircle.lib.retention import RetentionRule, retention_rule_register
from carecircle.lib.zipstream import Member

FORMER_MEMBER = "Former member"


def subject_access(user: User) -> Iterable[Member]:
    rows = (AuditEntry.objects.filter(actor=user) | AuditEntry.objects.filter(subject_user=user)).order_by("id")
    yield (
        "activity-about-you.csv",
        csv_rows(
            ["when", "circle", "what", "by", "about", "details"],
            (
                (entry.created_at, entry.circle_id, entry.action, entry.actor_name, entry.subject_name, entry.data)
                for entry in rows.iterator(500)
            ),
        ),
    )


def erase(user: User) -> None:
    AuditEntry.objects.deidentify(user_id=user.pk, replacement=FORMER_MEMBER)


def kept(user: User) -> list[str]:
    return [
        gettext(
            "Each circle's activity log keeps its lines (who did what, and when) so the circle can be "
            "accountable, with “Former member” instead of your name."
        )
    ]


def erase_circle(circle_id: int) -> int:
    """An erased circle's lines, in batches; the erasure itself is then recorded without a name."""
    removed = 0
    entries = AuditEntry.objects.filter(circle_id=circle_id)
    while ids := list(entries.order_by("pk").values_list("pk", flat=True)[:500]):
        with transaction.atomic():
            removed += AuditEntry.objects.retention_purge(ids)
    return removed


subject_part_register("audit", subject_access)
circle_eraser_register("audit", erase_circle)
erasure_register("audit", handler=erase, kept=kept)
retention_rule_register(
    RetentionRule(
        name="audit log",
        setting="RETENTION_AUDIT_DAYS",
        model=AuditEntry,
        date_field="created_at",
        purge=AuditEntry.objects.retention_purge,
    )
)
