"""What circles adds to account-wide rules: who must use two-step sign-in because of their role."""

from __future__ import annotations

from carecircle.accounts.models import User
from carecircle.circles.models import Membership, Role


def professional_must_use_mfa(user: User) -> str | None:
    """Professionals read records of people they may not know personally, so they need a second factor."""
    if Membership.objects.filter(user=user, role=Role.PROFESSIONAL).exists():
        return "you're a professional in a circle"
    return None


def circle_names_of(user: User) -> dict[int, str]:
    """The circles a person belongs to, for scoping their API tokens."""
    rows = Membership.objects.filter(user=user).select_related("circle").order_by("circle__person_name", "circle_id")
    return {row.circle_id: row.circle.person_name for row in rows}
