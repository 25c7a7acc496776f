"""Reading circles, members and invitations for the pages. Callers check access first (access.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Window
from django.utils import timezone

from carecircle.circles.models import Circle, Invitation, Membership, Role
from carecircle.lib.tokens import secret_hash

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from carecircle.accounts.models import User

# The person comes first, then the organisers, then everyone else by how closely they help.
ROLE_ORDER = {role.value: position for position, role in enumerate(Role)}


def circle_memberships_for(*, viewer: User) -> list[Membership]:
    """The viewer's memberships with their circles, in one query however many circles there are."""
    return list(
        Membership.objects.filter(user=viewer).select_related("circle").order_by("circle__person_name", "circle_id")
    )


def member_list_for(*, circle: Circle) -> list[Membership]:
    """Everyone in a circle with their account, the person and organisers first (the page and the API alike)."""
    members = Membership.objects.filter(circle=circle).select_related("user")
    return sorted(
        members, key=lambda member: (ROLE_ORDER.get(member.role, len(ROLE_ORDER)), member.joined_at, member.pk)
    )


def pending_invitations_part(*, circle: Circle, start: int, limit: int) -> tuple[list[Invitation], int]:
    """Up to `limit` of a circle's usable invitations from `start` (newest first), and how many there are.

    One query however many are waiting: each row carries the count (a window over the same rows).
    A start past the end reads the first part (a second query, only for an address nobody was given).
    """
    usable = (
        Invitation.objects.filter(
            circle=circle, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
        .select_related("invited_by")
        .annotate(waiting=Window(Count("id")))
        .order_by("-created_at", "-id")
    )
    part: list[Invitation] = list(usable[start : start + limit])
    if not part and start:
        part = list(usable[:limit])
    # Each row carries the count; getattr because the annotation is not on the model's type.
    total = int(getattr(part[0], "waiting", 0)) if part else 0
    return part, total


def invitations_for(*, circle: Circle) -> list[Invitation]:
    """Every invitation of a circle, whatever its state, newest first."""
    return list(Invitation.objects.filter(circle=circle).select_related("invited_by").order_by("-created_at", "-id"))


def membership_of(*, user: User | AnonymousUser, circle: Circle) -> Membership | None:
    """The user's membership of a circle, if any (for pages reached without circle access, like invitations)."""
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, circle=circle).first()


def invitation_find(*, token: str) -> Invitation | None:
    """The invitation a token belongs to, whatever its state; None for a forged token."""
    if not token or len(token) > 100:
        return None
    return Invitation.objects.select_related("circle", "invited_by").filter(token_hash=secret_hash(token)).first()
