"""What organisations add to account-wide rules: staff (and commissioners, who are staff of their body) use MFA."""

from __future__ import annotations

from carecircle.accounts.models import User
from carecircle.orgs.models import Commissioner, OrganisationStaff


def organisation_staff_must_use_mfa(user: User) -> str | None:
    """Organisation staff see referrals and, through them, circles; commissioners see area reports."""
    if OrganisationStaff.objects.filter(user=user).exists():
        return "you work for an organisation in CareCircle"
    if Commissioner.objects.filter(user=user).exists():
        return "you see reports about the services you commission"
    return None
