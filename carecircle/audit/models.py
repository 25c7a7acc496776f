"""The append-only audit log: who did what, in which circle, when."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone


class AppendOnlyError(Exception):
    """Audit entries are never changed or deleted."""


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit entries cannot be changed.")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("Audit entries cannot be deleted.")

    # The only two ways an audit row ever changes or goes, both explicit and both for data rights:

    def retention_purge(self, ids: list[int]) -> int:
        """Remove rows past RETENTION_AUDIT_DAYS, or of an erased circle (lib/retention.py, circle erasure)."""
        deleted, _ = models.QuerySet.delete(self.filter(pk__in=ids))
        return deleted

    def deidentify(self, *, user_id: int, replacement: str) -> int:
        """Replace an erased person's name in the rows about them or by them; the rows stay for others."""
        by = models.QuerySet.update(self.filter(actor_id=user_id), actor_name=replacement)
        about = models.QuerySet.update(self.filter(subject_user_id=user_id), subject_name=replacement)
        return by + about


class AuditEntry(models.Model):
    # PROTECT: a circle's log never disappears with it by accident; erasing a circle removes its log
    # explicitly, in batches, and records that it did (circles/closing.py).
    circle = models.ForeignKey(
        "circles.Circle", on_delete=models.PROTECT, null=True, blank=True, related_name="audit_entries"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Names are copied so the log still reads well after an account is deleted or renamed.
    actor_name = models.CharField(max_length=80, blank=True)
    action = models.CharField(max_length=60)
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    subject_name = models.CharField(max_length=120, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["circle", "-created_at", "-id"], name="audit_circle_recent")]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_name} at {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Append-only is an integrity rule, so it is enforced here rather than trusted to callers.
        if self.pk is not None:
            raise AppendOnlyError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit entries cannot be deleted.")
