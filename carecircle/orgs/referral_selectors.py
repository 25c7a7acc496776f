"""Reads of referrals: the list with its search and filters, the board, one referral's history, duplicates.

Each page's query count is fixed: filters and flags (overdue, possible duplicate) are SQL, not loops.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from carecircle.orgs.access import OrganisationAccess
from carecircle.orgs.models import (
    Need,
    OrganisationStaff,
    Referral,
    ReferralEvent,
    ReferralFigure,
    ReferralStatus,
    Urgency,
)
from carecircle.orgs.referral_services import FIRST_CONTACT_DAYS, OPEN_STATES

PAGE_SIZE = 50
# Counts that must read referrals (a volunteer's own, the overdue, "assigned to you") stop at this
# many and then say "more than 1,000": counting 50,000 rows on every page view costs more than the
# page itself and helps nobody. Counts by state come from the per-month figures (figures.py), which
# cost the same at any size; a filtered list counts nothing beyond the page it shows.
COUNT_CAP = 1000
# What a card or a row of the list shows: the long text fields (address, needs, consent, notes) are
# left in the database.
CARD_FIELDS = (
    "id",
    "organisation_id",
    "status",
    "urgency",
    "person_name",
    "created_at",
    "first_contact_at",
    "duplicate_key",
    "merged_into_id",
    "assigned_to_id",
    "assigned_to__id",
    "assigned_to__display_name",
)
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
MICROSECOND = datetime.timedelta(microseconds=1)
FINISHED_STATES = frozenset(ReferralStatus.values) - OPEN_STATES
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
    return Q(status__in=OPEN_STATES, first_contact_at__isnull=True) & _late_q(now)


def _late_q(now: datetime.datetime | None = None) -> Q:
    now = now or timezone.now()
    late = Q()
    for urgency, days in FIRST_CONTACT_DAYS.items():
        late |= Q(urgency=urgency, created_at__lt=now - datetime.timedelta(days=days))
    return late


def visible_referrals(*, access: OrganisationAccess) -> QuerySet[Referral]:
    """The organisation's referrals the viewer may see: all of them, or (volunteers) those assigned to them."""
    referrals = Referral.objects.filter(organisation=access.organisation)
    if not access.sees_all_referrals:
        referrals = referrals.filter(assigned_to_id=access.user.pk)
    return referrals


def with_flags(
    referrals: QuerySet[Referral], *, now: datetime.datetime | None = None, every_field: bool = False
) -> QuerySet[Referral]:
    """Each referral with `possible_duplicate` and `overdue`, and only the card's fields unless `every_field`."""
    # The same conditions as the partial index orgs_referral_duplicates, so the database can use it.
    twins = (
        Referral.objects.filter(
            organisation_id=OuterRef("organisation_id"),
            duplicate_key=OuterRef("duplicate_key"),
            merged_into__isnull=True,
        )
        .exclude(duplicate_key="")
        .exclude(pk=OuterRef("pk"))
    )
    referrals = referrals.select_related("assigned_to")
    if not every_field:
        referrals = referrals.only(*CARD_FIELDS)
    return referrals.annotate(
        possible_duplicate=Exists(twins) & ~Q(duplicate_key=""),
        overdue=Q(overdue_q(now)),
    )


def referral_list_for(*, access: OrganisationAccess, filters: ReferralFilters) -> QuerySet[Referral]:
    """The matching referrals with their flags and every field, newest first."""
    return with_flags(referrals_matching(access=access, filters=filters), every_field=True).order_by(
        "-created_at", "-id"
    )


def referrals_matching(
    *, access: OrganisationAccess, filters: ReferralFilters, anywhere: bool = False
) -> QuerySet[Referral]:
    """The visible, unmerged referrals that match the filters, unordered and without flags.

    The search matches the start of the person's name, their postcode or the referrer's name, the
    referrer's reference exactly, or our reference (R00042, or 42): indexes answer those on both
    databases (orgs migrations 0009 and 0013). `anywhere` matches the words anywhere in those
    instead, which reads every referral of the organisation: the list uses it only when nothing
    starts with the words (someone typed a surname, say).
    """
    referrals = visible_referrals(access=access).filter(merged_into__isnull=True)
    if filters.query:
        query = filters.query
        number = query.upper().lstrip("R").lstrip("0")
        if anywhere:
            match = (
                Q(person_name__icontains=query)
                | Q(person_postcode__icontains=query)
                | Q(referrer_reference__iexact=query)
                | Q(referrer_name__icontains=query)
            )
        else:
            # In a subquery of its own, the database can only answer it from the search indexes,
            # whatever it knows (or doesn't) about how many rows match; the outer query then
            # walks the organisation's referrals newest first, keeping those ids.
            starting = Referral.objects.filter(
                Q(person_name__istartswith=query)
                | Q(person_postcode__istartswith=query)
                | Q(referrer_reference__iexact=query)
                | Q(referrer_name__istartswith=query)
            )
            match = Q(pk__in=starting.values("pk"))
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
    return referrals


@dataclass
class ReferralPage:
    referrals: list[Referral]
    count: int | None  # None: more than one page matches a filter, and they are not counted
    more_than_cap: bool
    newer: str  # the cursor of the page before this one, or ""
    older: str  # the cursor of the page after this one, or ""

    @property
    def count_text(self) -> str:
        if self.count is None:
            return gettext("More than %(count)s referrals") % {"count": PAGE_SIZE}
        if self.more_than_cap:
            return gettext("More than %(count)s referrals") % {"count": f"{COUNT_CAP:,}"}
        return ngettext("%(count)s referral", "%(count)s referrals", self.count) % {"count": f"{self.count:,}"}


def referral_cursor(referral: Referral) -> str:
    """A place in the list: the referral's creation time in microseconds since 1970, and its id."""
    return f"{(referral.created_at - EPOCH) // MICROSECOND}.{referral.pk}"


def parse_referral_cursor(text: str) -> tuple[datetime.datetime, int] | None:
    """The time and id in a cursor, or None for anything that is not one (then the list starts at the top)."""
    micros, _, pk = text.partition(".")
    if not (micros.isdigit() and pk.isdigit()) or len(micros) > 17 or len(pk) > 18:
        return None
    try:
        return EPOCH + int(micros) * MICROSECOND, int(pk)
    except OverflowError:
        return None


def _keyset_page(
    matching: QuerySet[Referral],
    *,
    newer_than: tuple[datetime.datetime, int] | None,
    older_than: tuple[datetime.datetime, int] | None,
) -> tuple[list[Referral], bool, bool]:
    """The page's rows, and whether there are newer and older ones beyond it."""
    rows: list[Referral] = []
    has_newer = has_older = False
    if newer_than:
        moment, pk = newer_than
        later = Q(created_at__gt=moment) | Q(created_at=moment, pk__gt=pk)
        rows = list(with_flags(matching.filter(later)).order_by("created_at", "id")[: PAGE_SIZE + 1])
        has_newer = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE][::-1]
        has_older = True
    if not rows:
        queryset = matching
        if older_than:
            moment, pk = older_than
            queryset = queryset.filter(Q(created_at__lt=moment) | Q(created_at=moment, pk__lt=pk))
        rows = list(with_flags(queryset).order_by("-created_at", "-id")[: PAGE_SIZE + 1])
        has_older = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        has_newer = older_than is not None
    return rows, has_newer, has_older


def referral_page_for(
    *, access: OrganisationAccess, filters: ReferralFilters, after: str = "", before: str = ""
) -> ReferralPage:
    """One page of the list by keyset: the PAGE_SIZE referrals older than `after`, or newer than `before`.

    Queries stay the same and cheap however deep the page, unlike OFFSET, which reads every row it skips.
    """
    matching = referrals_matching(access=access, filters=filters)
    newer_than = parse_referral_cursor(before)
    older_than = None if newer_than else parse_referral_cursor(after)
    rows, has_newer, has_older = _keyset_page(matching, newer_than=newer_than, older_than=older_than)
    if not rows and filters.query:
        # Nothing starts with the words: look for them anywhere (a scan, but only for this case).
        matching = referrals_matching(access=access, filters=filters, anywhere=True)
        rows, has_newer, has_older = _keyset_page(matching, newer_than=newer_than, older_than=older_than)
    count: int | None = None  # More than a page matches the filters: not counted.
    more_than_cap = False
    if not filters.active and access.sees_all_referrals:
        count = sum(state_totals_for(access=access).values())
    elif not (has_newer or has_older):
        count = len(rows)  # Everything that matches is on this page.
    elif not filters.active:
        found = _capped_count(matching)  # A volunteer's own referrals.
        count, more_than_cap = min(found, COUNT_CAP), found > COUNT_CAP
    return ReferralPage(
        referrals=rows,
        count=count,
        more_than_cap=more_than_cap,
        newer=referral_cursor(rows[0]) if rows and has_newer else "",
        older=referral_cursor(rows[-1]) if rows and has_older else "",
    )


def _json_contains() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def _need_filter(referrals: QuerySet[Referral], need: str) -> QuerySet[Referral]:
    # SQLite has no JSON containment: the needs list is stored sorted, as JSON text, so match the quoted value.
    return referrals.filter(needs__icontains=f'"{need}"')


def _capped_count(referrals: QuerySet[Referral]) -> int:
    """How many, counting no further than COUNT_CAP + 1."""
    return referrals.order_by().values("pk")[: COUNT_CAP + 1].count()


def state_totals_for(*, access: OrganisationAccess) -> dict[str, int]:
    """How many of the visible, unmerged referrals are in each state.

    Staff who see every referral read the organisation's per-month figures (a few hundred rows
    whatever the number of referrals; the services keep them in step in the same transaction);
    a volunteer's own referrals are few and counted directly.
    """
    rows: Iterable[tuple[str, int | None]]
    if access.sees_all_referrals:
        rows = (
            ReferralFigure.objects.filter(organisation=access.organisation, kind="state")
            .values_list("key")
            .annotate(total=Sum("count"))
            .order_by()
        )
    else:
        referrals = visible_referrals(access=access).filter(merged_into__isnull=True)
        rows = referrals.values_list("status").annotate(total=Count("id")).order_by()
    return {state: int(total) for state, total in rows if total}


def board_for(*, access: OrganisationAccess) -> list[dict[str, Any]]:
    """The open states as columns, each with its count and its newest cards (one query per column, plus counts)."""
    referrals = visible_referrals(access=access).filter(merged_into__isnull=True)
    counts = state_totals_for(access=access)
    columns = []
    for state in BOARD_STATES:
        cards = list(with_flags(referrals.filter(status=state)).order_by("-created_at", "-id")[:BOARD_COLUMN_SIZE])
        columns.append(
            {"status": state, "label": ReferralStatus(state).label, "total": counts.get(state, 0), "cards": cards}
        )
    finished = {state: counts.get(state, 0) for state in (ReferralStatus.DECLINED, ReferralStatus.CLOSED)}
    return [*columns, {"finished": finished}]


def referral_counts_for(*, access: OrganisationAccess) -> dict[str, int]:
    """How many referrals are new, open, yours and overdue, for the organisation's home.

    New and open come from the state totals; yours are counted through the index on assigned_to,
    and the overdue up to COUNT_CAP + 1 (the template says "more than 1,000") through the partial
    index of referrals still waiting for first contact.
    """
    totals = state_totals_for(access=access)
    referrals = visible_referrals(access=access).filter(merged_into__isnull=True)
    # Not finished rather than open: the same referrals, but it keeps the state index out of the
    # database's choice, so it reads the partial index of referrals waiting for first contact.
    overdue = referrals.filter(first_contact_at__isnull=True).exclude(status__in=FINISHED_STATES).filter(_late_q())
    # One person's open referrals in every organisation, through the index on assigned_to: few rows.
    yours = (
        Referral.objects.filter(assigned_to_id=access.user.pk, merged_into__isnull=True, status__in=OPEN_STATES)
        .values_list("organisation_id")
        .annotate(total=Count("id"))
        .order_by()
    )
    return {
        "new": totals.get(ReferralStatus.NEW, 0),
        "open": sum(totals.get(state, 0) for state in OPEN_STATES),
        "mine": dict(yours).get(access.organisation.pk, 0),
        "overdue": _capped_count(overdue),
        "cap": COUNT_CAP,
    }


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
    return (
        Referral.objects.filter(
            organisation_id=referral.organisation_id, duplicate_key=referral.duplicate_key, merged_into__isnull=True
        )
        .exclude(duplicate_key="")
        .exclude(pk=referral.pk)
    )


def assignable_staff(*, access: OrganisationAccess) -> QuerySet[OrganisationStaff]:
    return (
        OrganisationStaff.objects.filter(organisation=access.organisation)
        .select_related("user")
        .order_by("user__display_name")
    )
