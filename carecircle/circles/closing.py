"""When a circle ends: closing it kindly, a read-only time with the export, then erasure on schedule.

An organiser (or the person) closes the circle with a message to everyone in it. From then on it is
read-only (circles/permissions.capabilities_when_closed) for CIRCLE_ERASE_AFTER_DAYS, and can be
reopened in that time. Then the worker erases it: every app removes its rows in batches and its
files through the circle-eraser registry; the audit log's eraser (audit/privacy.py) removes the
circle's lines explicitly (its foreign key is PROTECT, so they can never go by cascade); and one
audit row without the person's name records it.
"""

from __future__ import annotations

import datetime
import logging
import uuid

from django.conf import settings
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from carecircle.accounts.models import ApiToken, User
from carecircle.circles.models import Circle, Invitation, Membership
from carecircle.lib.hooks import audit_record, circle_event_record, delivery_enqueue
from carecircle.lib.privacy_registry import circle_erasers

logger = logging.getLogger(__name__)


class CloseReason(models.TextChoices):
    DIED = "died", "The person has died"
    MOVED = "moved", "The person has moved into care, or somewhere else"
    STOPPED = "stopped", "We don't need the circle any more"


class ClosingError(Exception):
    """A request to close or reopen that can't be done; the message says why."""


def erase_date(closed_at: datetime.datetime) -> datetime.datetime:
    return closed_at + datetime.timedelta(days=settings.CIRCLE_ERASE_AFTER_DAYS)


def _tell_members(*, circle: Circle, actor: User, subject: str, body: str, kind: str) -> None:
    link = f"{settings.SITE_URL}{reverse('circles:home', kwargs={'circle_id': circle.pk})}"
    for member in Membership.objects.filter(circle=circle).select_related("user"):
        if not member.user.email or not member.user.is_active:
            continue
        delivery_enqueue(
            channel="email",
            to=member.user.email,
            subject=subject,
            body=f"Hello {member.user.display_name},\n\n{body}\n\n{link}\n",
            idempotency_key=f"circles:{kind}:{circle.pk}:{member.user_id}:{uuid.uuid4().hex}",
        )


@transaction.atomic
def circle_close(*, actor: User, circle: Circle, reason: str, message: str) -> Circle:
    """Close the circle: read-only from now, erased after CIRCLE_ERASE_AFTER_DAYS. Members are told."""
    if reason not in CloseReason.values:
        raise ClosingError("Choose why the circle is ending.")
    locked = Circle.objects.select_for_update().get(pk=circle.pk)
    if locked.closed_at is not None:
        raise ClosingError("This circle is already closed.")
    now = timezone.now()
    locked.closed_at = now
    locked.closed_by = actor
    locked.close_reason = reason
    locked.close_message = message.strip()[:2000]
    locked.erase_after = erase_date(now)
    locked.save(update_fields=["closed_at", "closed_by", "close_reason", "close_message", "erase_after"])
    # Nothing new can start: open invitations stop working.
    Invitation.objects.filter(circle=locked, accepted_at__isnull=True, revoked_at__isnull=True).update(revoked_at=now)
    audit_record(actor=actor, action="circle.closed", circle=locked, data={"reason": reason})
    circle_event_record(circle=locked, type="circle.changed")
    until = timezone.localtime(locked.erase_after).strftime("%-d %B %Y")
    body = (
        f"{actor.display_name} has closed the circle around {locked.person_name}.\n\n"
        + (f"{locked.close_message}\n\n" if locked.close_message else "")
        + f"You can still read everything in it until {until}. Then everything in it will be deleted. "
        "If you'd like to keep anything, an organiser can download it all from the circle's page before then.\n\n"
        "Thank you for everything you did to help."
    )
    _tell_members(
        circle=locked,
        actor=actor,
        subject=f"The circle around {locked.person_name} has closed",
        body=body,
        kind="closed",
    )
    return locked


@transaction.atomic
def circle_reopen(*, actor: User, circle: Circle) -> Circle:
    locked = Circle.objects.select_for_update().get(pk=circle.pk)
    if locked.closed_at is None:
        raise ClosingError("This circle is open.")
    locked.closed_at = None
    locked.closed_by = None
    locked.close_reason = ""
    locked.close_message = ""
    locked.erase_after = None
    locked.save(update_fields=["closed_at", "closed_by", "close_reason", "close_message", "erase_after"])
    audit_record(actor=actor, action="circle.reopened", circle=locked)
    circle_event_record(circle=locked, type="circle.changed")
    return locked


def circle_erase(*, circle_id: int) -> dict[str, int]:
    """Erase a closed circle whose time has come: each part in batches, never one huge transaction."""
    circle = Circle.objects.filter(pk=circle_id, closed_at__isnull=False).first()
    if circle is None:
        return {}
    removed: dict[str, int] = {}
    for name, eraser in circle_erasers().items():
        removed[name] = eraser(circle_id)
    removed["tokens"] = ApiToken.objects.filter(circle_id=circle_id).update(revoked_at=timezone.now())
    photo = circle.person_photo.name if circle.person_photo else ""
    with transaction.atomic():
        reason = circle.close_reason
        Circle.objects.filter(pk=circle_id).delete()
        # The record of the erasure carries no name: only that a circle was erased, when and why.
        audit_record(actor=None, action="circle.erased", data={"circle": circle_id, "reason": reason, **removed})
    if photo:
        circle.person_photo.storage.delete(photo)
    return removed


def circles_erase_due(*, now: datetime.datetime | None = None) -> int:
    """Erase every closed circle past its date (the worker's daily job)."""
    now = now or timezone.now()
    due = list(Circle.objects.filter(closed_at__isnull=False, erase_after__lte=now).values_list("pk", flat=True))
    for circle_id in due:
        circle_erase(circle_id=circle_id)
        logger.info("Erased closed circle %s", circle_id)
    return len(due)
