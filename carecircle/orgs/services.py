"""Writes to organisations, their staff and commissioners."""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext

from carecircle.accounts.models import User
from carecircle.audit.services import audit_record
from carecircle.lib import hooks
from carecircle.lib.errors import Conflict, DomainError, Gone
from carecircle.lib.tokens import secret_hash
from carecircle.orgs.access import ROLE_CAPABILITIES
from carecircle.orgs.languages import in_language_of_address
from carecircle.orgs.live import referrals_withdrawn, staff_joined, staff_left
from carecircle.orgs.lost_referrals import made_volunteer_tell, referrals_left_behind_tell
from carecircle.orgs.models import Commissioner, Organisation, OrganisationStaff, StaffInvitation, StaffRole

STAFF_INVITATION_DAYS = 14


class OrganisationError(DomainError):
    """A refusal about an organisation or its staff."""


class OrganisationConflict(OrganisationError, Conflict):
    """Not possible in the organisation's current state (409)."""


@transaction.atomic
def organisation_create(*, actor: User | None, name: str, area: str = "", description: str = "") -> Organisation:
    base = slugify(name)[:50] or "organisation"
    slug, number = base, 1
    while Organisation.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    organisation = Organisation.objects.create(
        name=name.strip(), slug=slug, area=area.strip(), description=description.strip()
    )
    audit_record(actor=actor, action="organisation.created", data={"organisation": organisation.pk, "name": name})
    return organisation


@transaction.atomic
def organisation_staff_add(
    *,
    actor: User | None,
    organisation: Organisation,
    user: User,
    job_title: str = "",
    role: str = StaffRole.COORDINATOR,
) -> OrganisationStaff:
    staff, created = OrganisationStaff.objects.get_or_create(
        organisation=organisation, user=user, defaults={"job_title": job_title, "role": role}
    )
    if created:
        audit_record(
            actor=actor,
            action="organisation.staff_added",
            subject=user,
            data={"organisation": organisation.pk, "name": organisation.name, "role": role},
        )
        staff_joined(user_id=user.pk)
    return staff


@transaction.atomic
def organisation_staff_role_change(*, actor: User, staff: OrganisationStaff, role: str) -> OrganisationStaff:
    if role not in StaffRole.values:
        raise OrganisationError(gettext("Choose admin, coordinator or volunteer."), field="role")
    # The row locked and read again: of the same change made twice at once, the second finds it made.
    current = OrganisationStaff.objects.select_for_update().filter(pk=staff.pk).values_list("role", flat=True).first()
    if current is None:
        raise OrganisationError(gettext("They are no longer on the staff. Reload the page to see who is."))
    staff.role = current
    if staff.role == role:
        return staff
    if staff.role == StaffRole.ADMIN and _last_admin(staff):
        raise OrganisationConflict(gettext("An organisation needs at least one admin. Make someone else admin first."))
    before, staff.role = staff.role, role
    staff.save(update_fields=["role"])
    entry = audit_record(
        actor=actor,
        action="organisation.staff_role_changed",
        subject=staff.user,
        data={"organisation": staff.organisation_id, "from": before, "to": role},
    )
    if "referrals.view" in ROLE_CAPABILITIES[before] and "referrals.view" not in ROLE_CAPABILITIES[role]:
        # Made a volunteer: from now on they see only the referrals given to them, and are told so.
        referrals_withdrawn(organisation_id=staff.organisation_id, user_id=staff.user_id)
        made_volunteer_tell(
            user_id=staff.user_id,
            organisation_id=staff.organisation_id,
            organisation_name=staff.organisation.name,
            change_id=entry.pk,
        )
    return staff


@transaction.atomic
def organisation_staff_remove(*, actor: User, staff: OrganisationStaff) -> None:
    if staff.role == StaffRole.ADMIN and _last_admin(staff):
        raise OrganisationConflict(gettext("An organisation needs at least one admin. Make someone else admin first."))
    audit_record(
        actor=actor,
        action="organisation.staff_removed",
        subject=staff.user,
        data={"organisation": staff.organisation_id},
    )
    staff_left(organisation_id=staff.organisation_id, user_id=staff.user_id)
    referrals_left_behind_tell(
        user_id=staff.user_id,
        organisation_id=staff.organisation_id,
        organisation_name=staff.organisation.name,
        staff_id=staff.pk,
    )
    staff.delete()


def _last_admin(staff: OrganisationStaff) -> bool:
    others = OrganisationStaff.objects.filter(organisation_id=staff.organisation_id, role=StaffRole.ADMIN)
    return not others.exclude(pk=staff.pk).exists()


@transaction.atomic
def staff_invitation_create(
    *, actor: User, organisation: Organisation, email: str, role: str
) -> tuple[StaffInvitation, str]:
    """Invite someone to the staff by email; returns the invitation and its secret (sent only by email)."""
    email = email.strip().lower()
    if role not in StaffRole.values:
        raise OrganisationError(gettext("Choose admin, coordinator or volunteer."), field="role")
    if OrganisationStaff.objects.filter(organisation=organisation, user__email__iexact=email).exists():
        raise OrganisationConflict(gettext("%(email)s is already on the staff.") % {"email": email}, field="email")
    token = secrets.token_urlsafe(24)
    invitation = StaffInvitation.objects.create(
        organisation=organisation,
        email=email,
        role=role,
        token_hash=secret_hash(token),
        invited_by=actor,
        expires_at=timezone.now() + datetime.timedelta(days=STAFF_INVITATION_DAYS),
    )
    link = settings.SITE_URL.rstrip("/") + reverse("orgs:staff_join", kwargs={"token": token})
    # The invitee's language if they already have an account, else the inviter's: a colleague's best guess.
    with in_language_of_address(email, otherwise=actor):
        subject = gettext("Join %(organisation)s on CareCircle") % {"organisation": organisation.name}
        body = gettext(
            "%(inviter)s has asked you to join %(organisation)s on CareCircle as %(role)s.\n\n"
            "Open this link to join (it works for %(days)s days):\n%(link)s\n\n"
            "If you weren't expecting this, you can ignore this email."
        ) % {
            "inviter": actor.display_name,
            "organisation": organisation.name,
            "role": StaffRole(role).label.lower(),
            "days": STAFF_INVITATION_DAYS,
            "link": link,
        }
    hooks.delivery_enqueue(
        channel="email",
        to=email,
        subject=subject,
        body=body,
        idempotency_key=f"orgs.staff_invitation.{invitation.pk}",
    )
    audit_record(
        actor=actor,
        action="organisation.staff_invited",
        subject_name=email,
        data={"organisation": organisation.pk, "role": role},
    )
    return invitation, token


def staff_invitation_find(*, token: str) -> StaffInvitation:
    """The open invitation behind a link; Gone when used or expired."""
    invitation = StaffInvitation.objects.select_related("organisation").filter(token_hash=secret_hash(token)).first()
    if invitation is None:
        raise Gone(gettext("This invitation link doesn't work. Ask the organisation to send a new one."))
    if invitation.accepted_at is not None:
        raise Gone(gettext("This invitation has already been used. Sign in to see your organisation."))
    if invitation.expires_at <= timezone.now():
        raise Gone(gettext("This invitation has expired. Ask the organisation to send a new one."))
    return invitation


@transaction.atomic
def staff_invitation_accept(*, actor: User, token: str) -> OrganisationStaff:
    invitation = staff_invitation_find(token=token)
    StaffInvitation.objects.select_for_update().filter(pk=invitation.pk).first()
    staff = organisation_staff_add(actor=actor, organisation=invitation.organisation, user=actor, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = actor
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return staff


@transaction.atomic
def commissioner_add(*, actor: User | None, user: User, area: str, body: str = "") -> Commissioner:
    commissioner, created = Commissioner.objects.get_or_create(user=user, area=area.strip(), defaults={"body": body})
    if created:
        audit_record(actor=actor, action="organisation.commissioner_added", subject=user, data={"area": area})
    return commissioner
