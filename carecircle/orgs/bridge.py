"""The bridge from a referral to a family circle.

From an accepted referral, with the person's recorded consent, a coordinator starts a circle for
the person. The coordinator joins as its first organiser so the circle has one, invites a family
member by email as organiser and the assigned volunteer as a helper of that circle only. Ending the
link (closing the referral, or the person withdrawing consent) removes every member of the
organisation's staff from the circle at once; a circle whose only organiser is staff must be
handed to the family first, so it is never left without one.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from carecircle.audit.services import audit_record
from carecircle.circles.models import Invitation, InvitationChannel, Membership, Role
from carecircle.circles.services import (
    CircleError,
    circle_create,
    invitation_create,
    invitation_revoke,
    membership_remove,
)
from carecircle.lib.errors import Conflict, DomainError
from carecircle.orgs.access import OrganisationAccess
from carecircle.orgs.history import referral_history_add
from carecircle.orgs.models import OrganisationStaff, Referral, ReferralEvent, ReferralStatus


class BridgeError(DomainError):
    """A refusal about a referral's circle."""


class BridgeConflict(BridgeError, Conflict):
    """Not possible in the referral's current state (409)."""


@transaction.atomic
def referral_circle_start(
    *,
    access: OrganisationAccess,
    referral: Referral,
    consent_confirmed: bool,
    family_name: str = "",
    family_email: str = "",
) -> Referral:
    access.require("referrals.manage")
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("assigned_to", "organisation")
        .get(pk=referral.pk)
    )
    if referral.status not in {ReferralStatus.ACCEPTED, ReferralStatus.ASSIGNED, ReferralStatus.ACTIVE}:
        raise BridgeConflict(gettext("Accept the referral before starting a circle."))
    if referral.circle_id is not None and referral.circle_link_ended_at is None:
        raise BridgeConflict(gettext("This referral already has a circle."))
    if not consent_confirmed:
        raise BridgeError(gettext("Ask the person first: a circle starts only when they agree."), field="consent")
    organisation = referral.organisation
    circle = circle_create(
        actor=access.user,
        person_name=referral.person_name,
        relationship=f"from {organisation.name}"[:60],
        person_date_of_birth=referral.person_date_of_birth,
    )
    note = f"{organisation.name} started this circle for {referral.person_name}, who agreed to it."
    if family_email.strip():
        try:
            invitation_create(
                actor=access.user,
                circle=circle,
                role=Role.ORGANISER,
                channel=InvitationChannel.EMAIL,
                email=family_email.strip(),
                name=family_name.strip()[:80],
                note=note[:500],
            )
        except CircleError as error:
            raise BridgeError(str(error), field="family_email") from None
    volunteer = referral.assigned_to
    if volunteer is not None and volunteer.pk != access.user.pk:
        invitation_create(
            actor=access.user,
            circle=circle,
            role=Role.HELPER,
            channel=InvitationChannel.EMAIL,
            email=volunteer.email,
            name=volunteer.display_name,
            relationship=f"volunteer from {organisation.name}"[:60],
            note=note[:500],
        )
    now = timezone.now()
    referral.circle, referral.circle_consent_at, referral.circle_link_ended_at = circle, now, None
    referral.updated_at = now
    referral.save(update_fields=["circle", "circle_consent_at", "circle_link_ended_at", "updated_at"])
    referral_history_add(
        referral=referral, actor=access.user, kind=ReferralEvent.Kind.CIRCLE, text="Circle started with consent."
    )
    audit_record(
        actor=access.user,
        action="referral.circle_started",
        circle=circle,
        subject_name=referral.reference,
        data={"organisation": organisation.pk, "referral": referral.pk},
    )
    return referral


def referral_circle_unlink(*, access: OrganisationAccess, referral: Referral, reason: str) -> None:
    """Remove the organisation's staff from the referral's circle (inside the caller's transaction)."""
    if referral.circle_id is None or referral.circle_link_ended_at is not None:
        return
    staff_ids = OrganisationStaff.objects.filter(organisation_id=referral.organisation_id).values("user_id")
    members = Membership.objects.select_related("circle", "user").filter(
        circle_id=referral.circle_id, user_id__in=staff_ids
    )
    for member in members:
        try:
            membership_remove(actor=access.user, member=member)
        except CircleError:
            raise BridgeConflict(
                gettext(
                    "%(name)s is the circle's only organiser. Make someone in the family an "
                    "organiser of the circle first, so it isn't left without one."
                )
                % {"name": member.user.display_name}
            ) from None
    # Invitations to staff still waiting would let them in after the link ended: cancel them too.
    staff_emails = [
        email.lower()
        for email in OrganisationStaff.objects.filter(organisation_id=referral.organisation_id).values_list(
            "user__email", flat=True
        )
        if email
    ]
    waiting = Invitation.objects.filter(
        circle_id=referral.circle_id,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
        email__in=staff_emails,
    ).select_related("circle")
    for invitation in waiting:
        invitation_revoke(actor=access.user, invitation=invitation)
    referral.circle_link_ended_at = timezone.now()
    referral.save(update_fields=["circle_link_ended_at"])
    referral_history_add(
        referral=referral, actor=access.user, kind=ReferralEvent.Kind.CIRCLE, text=f"Link to the circle ended: {reason}"
    )
    audit_record(
        actor=access.user,
        action="referral.circle_unlinked",
        circle=referral.circle,
        subject_name=referral.reference,
        data={"organisation": referral.organisation_id, "referral": referral.pk},
    )
