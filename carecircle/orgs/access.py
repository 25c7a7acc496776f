"""Who may see what of an organisation: staff by role, commissioners by area (aggregates only).

Like circles/access.py: someone who is not staff of the organisation gets 404 (the same answer as
for an organisation that does not exist), staff whose role lacks the capability get 403.
Capabilities, not role names, are asked for at call sites.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext

from carecircle.accounts.models import User
from carecircle.orgs.models import Commissioner, Organisation, OrganisationStaff, Referral, StaffRole

# What each staff role may do. Volunteers see only the referrals assigned to them.
ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    StaffRole.ADMIN: frozenset(
        {
            "org.view",
            "staff.view",
            "staff.manage",
            "referrals.view",
            "referrals.manage",
            "reports.view",
            "invites.manage",
        }
    ),
    StaffRole.COORDINATOR: frozenset(
        {"org.view", "staff.view", "referrals.view", "referrals.manage", "reports.view", "invites.manage"}
    ),
    StaffRole.VOLUNTEER: frozenset({"org.view", "referrals.view_assigned"}),
}


@dataclass(frozen=True)
class OrganisationAccess:
    organisation: Organisation
    staff: OrganisationStaff
    capabilities: frozenset[str]

    @property
    def user(self) -> User:
        user: User = self.staff.user
        return user

    def can(self, capability: str) -> bool:
        return capability in self.capabilities

    def require(self, capability: str) -> None:
        if capability not in self.capabilities:
            raise PermissionDenied(gettext("Your role in this organisation doesn't allow that."))

    @property
    def sees_all_referrals(self) -> bool:
        return self.can("referrals.view")


def access_organisation(
    *, user: User | AnonymousUser, organisation_id: int, capability: str = "org.view"
) -> OrganisationAccess:
    """The viewer's place in an organisation's staff, checked for `capability`."""
    if not user.is_authenticated:
        raise Http404(gettext("No such organisation."))
    staff = (
        OrganisationStaff.objects.select_related("organisation", "user")
        .filter(user_id=user.pk, organisation_id=organisation_id)
        .first()
    )
    if staff is None:
        raise Http404(gettext("No such organisation."))
    access = OrganisationAccess(
        organisation=staff.organisation, staff=staff, capabilities=ROLE_CAPABILITIES[staff.role]
    )
    access.require(capability)
    return access


def commissioned_areas(*, user: User | AnonymousUser) -> list[str]:
    """The areas the viewer commissions services in (empty for everyone else)."""
    if not user.is_authenticated:
        return []
    return list(Commissioner.objects.filter(user_id=user.pk).order_by("area").values_list("area", flat=True))


def access_area(*, user: User | AnonymousUser, area: str) -> str:
    """An area the viewer commissions; 404 otherwise."""
    if area not in commissioned_areas(user=user):
        raise Http404(gettext("No such area."))
    return area


def access_referral(
    *, user: User | AnonymousUser, organisation_id: int, referral_id: int, capability: str = "org.view"
) -> tuple[OrganisationAccess, Referral]:
    """A referral of the viewer's organisation: every one for coordinators, only their own for volunteers."""
    access = access_organisation(user=user, organisation_id=organisation_id)
    referrals = Referral.objects.filter(organisation_id=organisation_id).select_related("assigned_to", "merged_into")
    if not access.sees_all_referrals:
        referrals = referrals.filter(assigned_to_id=access.user.pk)
    referral = referrals.filter(pk=referral_id).first()
    if referral is None:
        raise Http404(gettext("No such referral."))
    access.require(capability)
    return access, referral
