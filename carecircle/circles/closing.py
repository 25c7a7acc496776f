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
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from carecircle.accounts.emails import in_language_of
from carecircle.accounts.models import ApiToken, User
from carecircle.circles.models import Circle, Invitation, Membership
from carecircle.lib.hooks import audit_record, circle_event_record, delivery_enqueue
from carecircle.lib.privacy_registry import circle_erasers

logger = logging.getLogger(__name__)


class CloseReason(models.TextChoices):
    DIED = "died", _("The person has died")
    MOVED = "moved", _("The person has moved into care, or somewhere else")
    STOPPED = "stopped", _("We don't need the circle any more")


class ClosingError(Exception):
    """A request to close or reopen that can't be done; the message says why."""


def erase_date(closed_at: datetime.datetime) -> datetime.datetime:
    return closed_at + datetime.timedelta(days=settings.CIRCLE_ERASE_AFTER_DAYS)


def closed_email(*, circle: Circle, actor: User, reader: User) -> tuple[str, str]:
    """The subject and body telling one member the circle has closed, in the active language."""
    link = f"{settings.SITE_URL}{reverse('circles:home', kwargs={'circle_id': circle.pk})}"
    assert circle.erase_after is not None
    words = {
        "name": reader.display_name,
        "actor": actor.display_name,
        "person": circle.person_name,
        "until": formats.date_format(timezone.localtime(circle.erase_after), "j E Y"),
        "link": link,
    }
    subject = gettext("The circle around %(person)s has closed") % words
    # The closer's own message, if any, goes between the news and what happens next, in their words.
    message = f"{circle.close_message}\n\n" if circle.close_message else ""
    body = gettext(
        "Hello %(name)s,\n\n"
        "%(actor)s has closed the circle around %(person)s.\n\n"
        "%(message)s"
        "You can still read everything in it until %(until)s. Then everything in it will be deleted. "
        "If you'd like to keep anything, an organiser can download it all from the circle's page before then.\n\n"
        "Thank you for everything you did to help.\n\n"
        "%(link)s\n"
    ) % {**words, "message": message}
    return subject, body


def _tell_members_closed(*, circle: Circle, actor: User) -> None:
    """Email every member with an address, each in their own language (accounts.emails.reader_language)."""
    for member in Membership.objects.filter(circle=circle).select_related("user"):
        if not member.user.email or not member.user.is_active:
            continue
        with in_language_of(member.user):
            subject, body = closed_email(circle=circle, actor=actor, reader=member.user)
        delivery_enqueue(
            channel="email",
            to=member.user.email,
            subject=subject,
            body=body,
            idempotency_key=f"circles:closed:{circle.pk}:{member.user_id}:{uuid.uuid4().hex}",
        )


@transaction.atomic
def circle_close(*, actor: User, circle: Circle, reason: str, message: str) -> Circle:
    """Close the circle: read-only from now, erased after CIRCLE_ERASE_AFTER_DAYS. Members are told."""
    if reason not in CloseReason.values:
        raise ClosingError(gettext("Choose why the circle is ending."))
    locked = Circle.objects.select_for_update().get(pk=circle.pk)
    if locked.closed_at is not None:
        raise ClosingError(gettext("This circle is already closed."))
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
    _tell_members_closed(circle=locked, actor=actor)
    return locked


@transaction.atomic
def circle_reopen(*, actor: User, circle: Circle) -> Circle:
    locked = Circle.objects.select_for_update().get(pk=circle.pk)
    if locked.closed_at is None:
        raise ClosingError(gettext("This circle is open."))
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
