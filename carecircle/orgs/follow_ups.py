"""Follow-ups and attachments on a referral.

A follow-up is a dated thing to do (ring back, check the lift happened) for someone on the staff;
it is overdue once its day has passed in the UK. An attachment (a letter, a care plan) goes
through the same checks as the record's documents (lib/uploads.py) with its own size limit, is
stored under a random name, and each download is audited. Both are created once per form: the
form carries a random id, and a second post of the same form returns the first.
"""

from __future__ import annotations

import datetime
import uuid
import zoneinfo

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from carecircle.accounts.models import User
from carecircle.audit.services import audit_record
from carecircle.lib.errors import Conflict, DomainError
from carecircle.lib.uploads import CleanUpload
from carecircle.orgs.access import OrganisationAccess
from carecircle.orgs.figures import DONE, staff_figure_add
from carecircle.orgs.history import referral_history_add
from carecircle.orgs.models import FollowUp, OrganisationStaff, Referral, ReferralAttachment, ReferralEvent

UK = zoneinfo.ZoneInfo("Europe/London")
LONGEST_FOLLOW_UP = 300
DEFAULT_ATTACHMENT_LIMIT = 10 * 1024 * 1024
# A follow-up is for the coming months; a date further off is almost always a typing slip.
FURTHEST_DAYS = 366


class FollowUpError(DomainError):
    """A refusal about a follow-up or an attachment."""


class FollowUpConflict(FollowUpError, Conflict):
    """Not possible in its current state (409)."""


def uk_today() -> datetime.date:
    return timezone.now().astimezone(UK).date()


def attachment_limit() -> int:
    return int(getattr(settings, "ORGS_ATTACHMENT_MAX_BYTES", DEFAULT_ATTACHMENT_LIMIT))


def is_overdue(follow_up: FollowUp, *, today: datetime.date | None = None) -> bool:
    return follow_up.done_at is None and follow_up.due_on < (today or uk_today())


def _audit(referral: Referral, *, actor: User, action: str, **data: object) -> None:
    audit_record(
        actor=actor,
        action=action,
        subject_name=referral.reference,
        data={"organisation": referral.organisation_id, "referral": referral.pk, **data},
    )


def follow_up_add(
    *,
    access: OrganisationAccess,
    referral: Referral,
    text: str,
    due_on: datetime.date | None,
    assignee: User | None,
    client_id: uuid.UUID | None = None,
) -> tuple[FollowUp, bool]:
    """Add a follow-up for someone on the staff; the same form posted twice adds it once."""
    text = " ".join(text.split())
    if not text:
        raise FollowUpError(gettext("Say what needs doing."), field="text")
    if len(text) > LONGEST_FOLLOW_UP:
        raise FollowUpError(
            gettext("Shorten it to %(most)s characters or fewer.") % {"most": LONGEST_FOLLOW_UP}, field="text"
        )
    today = uk_today()
    if due_on is None:
        raise FollowUpError(gettext("Give the date it is due, like 14/3/2027."), field="due_on")
    if not today - datetime.timedelta(days=FURTHEST_DAYS) <= due_on <= today + datetime.timedelta(days=FURTHEST_DAYS):
        raise FollowUpError(gettext("Give a date within a year from today."), field="due_on")
    assignee = assignee or access.user
    if not OrganisationStaff.objects.filter(organisation_id=referral.organisation_id, user_id=assignee.pk).exists():
        raise FollowUpError(gettext("Choose someone on your organisation's staff."), field="assignee")
    if assignee.pk != access.user.pk and not access.can("referrals.manage"):
        raise FollowUpError(gettext("Only coordinators can give a follow-up to someone else."), field="assignee")
    if client_id is not None:
        existing = FollowUp.objects.filter(referral=referral, client_id=client_id).first()
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            follow_up = FollowUp.objects.create(
                referral=referral,
                text=text,
                due_on=due_on,
                assigned_to=assignee,
                created_by=access.user,
                client_id=client_id,
            )
            referral_history_add(
                referral=referral,
                actor=access.user,
                kind=ReferralEvent.Kind.FOLLOW_UP,
                text=f"Follow-up for {assignee.display_name} by {due_on:%-d %b %Y}: {text}",
            )
            _audit(referral, actor=access.user, action="referral.follow_up_added", follow_up=follow_up.pk)
    except IntegrityError:
        # The same form posted twice at once: the first one won.
        existing = FollowUp.objects.filter(referral=referral, client_id=client_id).first()
        if existing is None:
            raise
        return existing, False
    return follow_up, True


@transaction.atomic
def follow_up_done(*, access: OrganisationAccess, follow_up: FollowUp) -> FollowUp:
    """Mark a follow-up done, by the person it is for or a coordinator."""
    follow_up = FollowUp.objects.select_for_update().select_related("referral").get(pk=follow_up.pk)
    if follow_up.assigned_to_id != access.user.pk and not access.can("referrals.manage"):
        raise FollowUpError(gettext("Only the person it is for, or a coordinator, can mark it done."))
    if follow_up.done_at is not None:
        raise FollowUpConflict(gettext("It is already done."))
    follow_up.done_at = timezone.now()
    follow_up.done_by = access.user
    follow_up.save(update_fields=["done_at", "done_by"])
    # Done is final (a second time is refused above, and nothing undoes it): one more for the report's
    # month. Anything that ever clears done_at must take this one away again (count=-1).
    staff_figure_add(
        organisation_id=follow_up.referral.organisation_id, user_id=access.user.pk, kind=DONE, moment=follow_up.done_at
    )
    referral_history_add(
        referral=follow_up.referral,
        actor=access.user,
        kind=ReferralEvent.Kind.FOLLOW_UP,
        text=f"Done: {follow_up.text}",
    )
    _audit(follow_up.referral, actor=access.user, action="referral.follow_up_done", follow_up=follow_up.pk)
    return follow_up


def follow_ups_for(*, referral: Referral) -> list[FollowUp]:
    return list(FollowUp.objects.filter(referral=referral).select_related("assigned_to"))


def attachment_add(
    *, access: OrganisationAccess, referral: Referral, upload: CleanUpload, client_id: uuid.UUID | None = None
) -> tuple[ReferralAttachment, bool]:
    """Keep a checked file on the referral; the same form posted twice keeps it once."""
    if client_id is not None:
        existing = ReferralAttachment.objects.filter(referral=referral, client_id=client_id).first()
        if existing is not None:
            return existing, False
    attachment = ReferralAttachment(
        referral=referral,
        content_type=upload.content_type,
        size=len(upload.content),
        filename=upload.filename,
        uploaded_by=access.user,
        client_id=client_id,
    )
    try:
        with transaction.atomic():
            attachment.file.save(upload.filename, ContentFile(upload.content), save=False)
            attachment.save()
            referral_history_add(
                referral=referral, actor=access.user, kind=ReferralEvent.Kind.ATTACHED, text=upload.filename
            )
            _audit(referral, actor=access.user, action="referral.attachment_added", attachment=attachment.pk)
    except IntegrityError:
        attachment.file.delete(save=False)
        existing = ReferralAttachment.objects.filter(referral=referral, client_id=client_id).first()
        if existing is None:
            raise
        return existing, False
    return attachment, True


def attachment_downloaded(*, access: OrganisationAccess, attachment: ReferralAttachment) -> None:
    _audit(attachment.referral, actor=access.user, action="referral.attachment_downloaded", attachment=attachment.pk)


def attachments_for(*, referral: Referral) -> list[ReferralAttachment]:
    return list(ReferralAttachment.objects.filter(referral=referral).select_related("uploaded_by"))
