"""Reads of referrals: the list with its search and filters, the board, one referral's history, duplicates.

Each page's query count is fixed: filters and flags (overdue, possible duplicate) are SQL, not loops.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from carecircle.orgs.access import OrganisationAccess
from carecircle.orgs.models import Need, OrganisationStaff, Referral, ReferralEvent, ReferralStatus, Urgency
from carecircle.orgs.referral_services import FIRST_CONTACT_DAYS, OPEN_STATES

PAGE_SIZE = 50
BOARD_COLUMN_SIZE = 25
BOARD_STATES = [
    ReferralStatus.NEW,
    ReferralStatus.TRIAGED,
    ReferralStatus.ACCEPTED,
    ReferralStatus.ASSIGNED,
    ReferralStatus.ACTIVE,
]


@dataclass(frozen=True)
class ReferralFilters:
    query: str = ""
    status: str = ""
    urgency: str = ""
    need: str = ""
    assigned: str = ""  # "", "me", "nobody" or a user id
    overdue: bool = False

    @classmethod
    def from_request(cls, params: Any) -> ReferralFilters:
        status = params.get("status", "")
        urgency = params.get("urgency", "")
        need = params.get("need", "")
        assigned = params.get("assigned", "")
        return cls(
            query=params.get("q", "").strip()[:100],
            status=status if status in ReferralStatus.values else "",
            urgency=urgency if urgency in Urgency.values else "",
            need=need if need in Need.values else "",
            assigned=assigned if assigned in {"me", "nobody"} or assigned.isdigit() else "",
            overdue=params.get("overdue") == "1",
        )

    @property
    def active(self) -> bool:
        return any((self.query, self.status, self.urgency, self.need, self.assigned, self.overdue))


def overdue_q(now: datetime.datetime | None = None) -> Q:
    """Referrals still waiting for first contact past the time their urgency allows."""
    now = now or timezone.now()
    late = Q()
    for urgency, days in FIRST_CONTACT_DAYS.items():
        late |= Q(urgency=urgency, created_at__lt=now - datetime.timedelta(days=days))
    return Q(status__in=OPEN_STATES, first_contact_at__isnull=True) & late


def visible_referrals(*, access: OrganisationAccess) -> QuerySet[Referral]:
    """The organisation's referrals the viewer may see: all of them, or (volunteers) those assigned to them."""
    referrals = Referral.objects.filter(organisation=access.organisation)
    if not access.sees_all_referrals:
        referrals = referrals.filter(assigned_to_id=access.user.pk)
    return referrals


def with_flags(referrals: QuerySet[Referral], *, now: datetime.datetime | None = None) -> QuerySet[Referral]:
    twins = Referral.objects.filter(
        organisation_id=OuterRef("organisation_id"), duplicate_key=OuterRef("duplicate_key"), merged_into__isnull=True
    ).exclude(pk=OuterRef("pk"))
    return referrals.select_related("assigned_to").annotate(
        possible_duplicate=Exists(twins) & ~Q(duplicate_key=""),
        overdue=Q(overdue_q(now)),
    )


def referral_list_for(*, access: OrganisationAccess, filters: ReferralFilters) -> QuerySet[Referral]:
    referrals = visible_referrals(access=access).filter(merged_into__isnull=True)
    if filters.query:
        query = filters.query
        number = query.upper().lstrip("R").lstrip("0")
        match = (
            Q(person_name__icontains=query)
            | Q(person_postcode__icontains=query)
            | Q(referrer_reference__iexact=query)
            | Q(referrer_name__icontains=query)
        )
        if number.isdigit():
            match |= Q(pk=int(number))
        referrals = referrals.filter(match)
    if filters.status:
        referrals = referrals.filter(status=filters.status)
    if filters.urgency:
        referrals = referrals.filter(urgency=filters.urgency)
    if filters.need:
        referrals = (
            referrals.filter(needs__contains=[filters.need])
            if _json_contains()
            else _need_filter(referrals, filters.need)
        )
    if filters.assigned == "me":
        referrals = referrals.filter(assigned_to_id=access.user.pk)
    elif filters.assigned == "nobody":
        referrals = referrals.filter(assigned_to__isnull=True)
    elif filters.assigned:
        referrals = referrals.filter(assigned_to_id=int(filters.assigned))
    if filters.overdue:
        referrals = referrals.filter(overdue_q())
    return with_flags(referrals).order_by("-created_at", "-id")


def _json_contains() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def _need_filter(referrals: QuerySet[Referral], need: str) -> QuerySet[Referral]:
    # SQLite has no JSON containment: the needs list is stored sorted, as JSON text, so match the quoted value.
    return referrals.filter(needs__icontains=f'"{need}"')


def board_for(*, access: OrganisationAccess) -> list[dict[str, Any]]:
    """The open states as columns, each with its count and its newest cards (one query per column, plus counts)."""
    referrals = visible_referrals(access=access).filter(merged_into__isnull=True)
    counts = dict(referrals.values_list("status").annotate(total=Count("id")).order_by())
    columns = []
    for state in BOARD_STATES:
        cards = list(with_flags(referrals.filter(status=state)).order_by("-created_at", "-id")[:BOARD_COLUMN_SIZE])
        columns.append(
            {"status": state, "label": ReferralStatus(state).label, "total": counts.get(state, 0), "cards": cards}
        )
    finished = {state: counts.get(state, 0) for state in (ReferralStatus.DECLINED, ReferralStatus.CLOSED)}
    return [*columns, {"finished": finished}]


def referral_counts_for(*, access: OrganisationAccess) -> dict[str, int]:
    """How many referrals are in each state, and how many are overdue, for the organisation's home."""
    referrals = visible_referrals(access=access).filter(merged_into__isnull=True)
    totals = referrals.aggregate(
        new=Count("id", filter=Q(status=ReferralStatus.NEW)),
        open=Count("id", filter=Q(status__in=OPEN_STATES)),
        overdue=Count("id", filter=overdue_q()),
        mine=Count("id", filter=Q(assigned_to_id=access.user.pk, status__in=OPEN_STATES)),
    )
    return {key: int(value or 0) for key, value in totals.items()}


def referral_history(*, referral: Referral) -> QuerySet[ReferralEvent]:
    """Its own history and that of every referral merged into it, oldest first."""
    return (
        ReferralEvent.objects.filter(Q(referral=referral) | Q(referral__merged_into=referral))
        .select_related("actor", "referral")
        .order_by("created_at", "id")
    )


def possible_duplicates_of(*, referral: Referral) -> QuerySet[Referral]:
    if not referral.duplicate_key:
        return Referral.objects.none()
    return Referral.objects.filter(
        organisation_id=referral.organisation_id, duplicate_key=referral.duplicate_key, merged_into__isnull=True
    ).exclude(pk=referral.pk)


def assignable_staff(*, access: OrganisationAccess) -> QuerySet[OrganisationStaff]:
    return (
        OrganisationStaff.objects.filter(organisation=access.organisation)
        .select_related("user")
        .order_by("user__display_name")
    )
