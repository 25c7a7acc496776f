"""Circles for data rights: memberships and invitations; who must act before an account can be erased."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from carecircle.accounts.models import User
from carecircle.circles.models import Circle, Invitation, Membership, Role
from carecircle.lib.hooks import circle_event_record
from carecircle.lib.privacy_registry import csv_rows, erasure_register, subject_part_register
from carecircle.lib.retention import RetentionRule, retention_rule_register
from carecircle.lib.zipstream import Member


def subject_access(user: User) -> Iterable[Member]:
    yield (
        "circles/your-circles.csv",
        csv_rows(
            ["circle", "about", "your role", "relationship", "joined"],
            Membership.objects.filter(user=user).values_list(
                "circle_id", "circle__person_name", "role", "relationship", "joined_at"
            ),
        ),
    )
    yield (
        "circles/invitations.csv",
        csv_rows(
            ["circle", "invited", "email", "phone", "role", "sent by you", "accepted by you", "when"],
            (
                (
                    row.circle_id,
                    row.name,
                    row.email,
                    row.phone,
                    row.role,
                    row.invited_by_id == user.pk,
                    row.accepted_by_id == user.pk,
                    row.created_at,
                )
                for row in Invitation.objects.filter(Q(invited_by=user) | Q(accepted_by=user) | _addressed_to(user))
            ),
        ),
    )


def blockers(user: User) -> list[str]:
    """Circles that would be left without an organiser: the person must hand over or close them first."""
    problems = []
    organised = Membership.objects.filter(user=user, role=Role.ORGANISER, circle__closed_at__isnull=True)
    for membership in organised.select_related("circle"):
        others = Membership.objects.filter(circle=membership.circle).exclude(user=user)
        if not others.filter(role=Role.ORGANISER).exists():
            if others.exists():
                problems.append(
                    f"You're the only organiser of the circle around {membership.circle.person_name}. "
                    "Make someone else an organiser, or close the circle, first."
                )
            else:
                problems.append(
                    f"You're the only person in the circle around {membership.circle.person_name}. "
                    "Close the circle first (you can download everything in it before it's deleted)."
                )
    return problems


def _addressed_to(user: User) -> Q:
    """Invitations sent to the account's email address or mobile; an empty one matches nothing."""
    addressed = Q(pk__in=[])
    if user.email:
        addressed |= Q(email__iexact=user.email)
    if user.phone:
        addressed |= Q(phone=user.phone)
    return addressed


def erase(user: User) -> None:
    # Each circle the account leaves records it, as leaving does: pages kept per circle event (the
    # members on the circle home, the kept lists) and open pages learn at once, not when they expire.
    for member in Membership.objects.filter(user=user).select_related("circle").order_by("pk"):
        circle_event_record(circle=member.circle, type="membership.removed", member=member.pk, user=user.pk)
    Membership.objects.filter(user=user).delete()
    Invitation.objects.filter(_addressed_to(user)).update(email="", phone="", name="")
    Invitation.objects.filter(accepted_by=user).update(email="", phone="", name="")
    Circle.objects.filter(created_by=user).update(created_by=None)


subject_part_register("circles", subject_access)
erasure_register("circles", handler=erase, blocker=blockers)

# An invitation stops working when it expires; it holds the invitee's address or number, which the
# circle only needed to send it. Kept RETENTION_DELIVERIES_DAYS past its expiry, like the email or
# text that carried it, so "did the invitation go?" can still be answered, then removed.
retention_rule_register(
    RetentionRule(name="invitations", setting="RETENTION_DELIVERIES_DAYS", model=Invitation, date_field="expires_at")
)
