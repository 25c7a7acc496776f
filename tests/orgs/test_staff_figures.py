"""Referrals given to volunteers and follow-ups they did, kept per person and month, equal a count from scratch."""

from __future__ import annotations

import datetime
import importlib
import itertools
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carecircle.accounts.models import User
from carecircle.orgs.access import access_organisation
from carecircle.orgs.figures import referral_figures_rebuild, staff_figures_rebuild
from carecircle.orgs.follow_ups import follow_up_add, follow_up_done, uk_today
from carecircle.orgs.models import (
    FollowUp,
    Organisation,
    OrganisationStaff,
    Referral,
    ReferralEvent,
    StaffFigure,
    StaffRole,
)
from carecircle.orgs.referral_services import referral_assign, referral_merge, referral_move, referral_note_add
from carecircle.orgs.reports import LONDON, Period
from carecircle.orgs.services import organisation_staff_add, organisation_staff_remove, organisation_staff_role_change
from carecircle.orgs.volunteer_activity import build_volunteer_activity
from tests.bursts import at_once
from tests.orgs.conftest import Org, make_referral, quick_user

APRIL_TO_AUGUST = Period(start=datetime.date(2026, 4, 1), end=datetime.date(2026, 9, 1))


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=datetime.UTC)


def kept() -> dict[tuple[int, str, str, int], int]:
    return {
        (row.organisation_id, f"{row.month:%Y-%m}", row.kind, row.user_id): row.count
        for row in StaffFigure.objects.exclude(count=0)
    }


def from_scratch(organisation_ids: list[int], period: Period) -> tuple[list[int], list[int]]:
    """Referrals given to volunteers and follow-ups they did, month by month, read from every row (the old way)."""
    volunteers = OrganisationStaff.objects.filter(
        organisation_id__in=organisation_ids, role=StaffRole.VOLUNTEER
    ).values("user_id")
    given, done = [], []
    for month in period.months():
        start = datetime.datetime.combine(month, datetime.time(), tzinfo=LONDON)
        end = datetime.datetime.combine((month + datetime.timedelta(days=32)).replace(day=1), datetime.time(), LONDON)
        given.append(
            ReferralEvent.objects.filter(
                kind=ReferralEvent.Kind.ASSIGNED,
                assignee_id__in=volunteers,
                referral__organisation_id__in=organisation_ids,
                created_at__gte=start,
                created_at__lt=end,
            ).count()
        )
        done.append(
            FollowUp.objects.filter(
                done_by_id__in=volunteers,
                referral__organisation_id__in=organisation_ids,
                done_at__gte=start,
                done_at__lt=end,
            ).count()
        )
    return given, done


def active_from_scratch(organisation_ids: list[int], period: Period) -> tuple[list[int], int]:
    """Volunteers who wrote any history entry, each month and in the whole period, from every entry (the old way)."""
    volunteers = set(
        OrganisationStaff.objects.filter(organisation_id__in=organisation_ids, role=StaffRole.VOLUNTEER).values_list(
            "user_id", flat=True
        )
    )
    edges = [datetime.datetime.combine(month, datetime.time(), tzinfo=LONDON) for month in period.months()]
    edges.append(period.end_moment)
    entries = ReferralEvent.objects.filter(
        referral__organisation_id__in=organisation_ids, actor_id__in=volunteers, created_at__lt=edges[-1]
    )
    each_month = [
        len({entry.actor_id for entry in entries if start <= entry.created_at < end})
        for start, end in itertools.pairwise(edges)
    ]
    return each_month, len({entry.actor_id for entry in entries if entry.created_at >= edges[0]})


def active_shown(organisation_ids: list[int], period: Period) -> tuple[list[int], int]:
    activity = build_volunteer_activity(organisation_ids, period)
    return [cell.value for cell in activity.active.cells], activity.people.value


def shown(organisation_ids: list[int], period: Period) -> tuple[list[int], list[int]]:
    activity = build_volunteer_activity(organisation_ids, period)
    return [cell.value for cell in activity.assigned.cells], [cell.value for cell in activity.follow_ups.cells]


def accepted(org: Org, organisation: Organisation, name: str) -> Referral:
    coordinator = org.coordinator if organisation == org.organisation else org.other_staff
    access = access_organisation(user=coordinator, organisation_id=organisation.pk)
    referral = make_referral(organisation, person_name=name)
    referral = referral_move(access=access, referral=referral, to="triaged")
    return referral_move(access=access, referral=referral, to="accepted")


def give(org: Org, referral: Referral, to: User) -> Referral:
    coordinator = org.coordinator if referral.organisation_id == org.organisation.pk else org.other_staff
    access = access_organisation(user=coordinator, organisation_id=referral.organisation_id)
    return referral_assign(access=access, referral=referral, assignee=to)


def do_follow_up(referral: Referral, *, for_whom: User, by: User, done: bool = True) -> FollowUp:
    own = access_organisation(user=for_whom, organisation_id=referral.organisation_id)
    follow_up, _ = follow_up_add(access=own, referral=referral, text="Ring back", due_on=uk_today(), assignee=for_whom)
    if done:
        follow_up_done(
            access=access_organisation(user=by, organisation_id=referral.organisation_id), follow_up=follow_up
        )
    return follow_up


def volunteer(org: Org, email: str, name: str, organisation: Organisation | None = None) -> User:
    user = quick_user(email, name)
    organisation_staff_add(
        actor=None, organisation=organisation or org.organisation, user=user, role=StaffRole.VOLUNTEER
    )
    return user


def test_the_kept_figures_give_the_numbers_a_count_of_every_row_gives(org: Org) -> None:
    """Reassignments, month edges in UK time, coordinators, a merge, another organisation, roles changed later.

    "Volunteers active" too: whoever wrote a history entry (a follow-up, a note, a move) in the month.
    """
    here, there = org.organisation, org.other_organisation
    val = org.volunteer
    wyn = volunteer(org, "wyn@example.org", "Wyn Volunteer")
    xia = volunteer(org, "xia@example.org", "Xia Volunteer")  # becomes a coordinator later
    yan = volunteer(org, "yan@example.org", "Yan Volunteer")  # leaves later
    zac = volunteer(org, "zac@example.org", "Zac Volunteer", organisation=there)
    organisation_staff_add(actor=None, organisation=here, user=zac, role=StaffRole.COORDINATOR)
    with time_machine.travel(utc(2026, 4, 30, 23, 30), tick=False):  # 00:30 on 1 May in the UK
        first = give(org, accepted(org, here, "First"), val)
    with time_machine.travel(utc(2026, 5, 15, 10), tick=False):
        first = give(org, first, wyn)  # a reassignment: counts again, for Wyn
        do_follow_up(first, for_whom=wyn, by=wyn)
        do_follow_up(first, for_whom=val, by=org.coordinator)  # done by a coordinator: not a volunteer's
        give(org, accepted(org, here, "Second"), xia)
        third = give(org, accepted(org, here, "Third"), yan)
        do_follow_up(third, for_whom=yan, by=yan)
    with time_machine.travel(utc(2026, 5, 31, 23, 30), tick=False):  # 1 June in the UK
        first = give(org, first, org.coordinator)  # to a coordinator: not counted
        fourth = give(org, accepted(org, here, "Fourth"), val)
        do_follow_up(fourth, for_whom=val, by=val)
    with time_machine.travel(utc(2026, 6, 20, 10), tick=False):
        give(org, first, val)
        fifth = give(org, accepted(org, here, "Fifth"), val)
        referral_merge(
            access=access_organisation(user=org.coordinator, organisation_id=here.pk), keep=fourth, other=fifth
        )
        give(org, accepted(org, here, "Sixth"), zac)  # a coordinator here, a volunteer there
        elsewhere = give(org, accepted(org, there, "Elsewhere"), zac)
        do_follow_up(elsewhere, for_whom=zac, by=zac)
        do_follow_up(third, for_whom=xia, by=xia)
    with time_machine.travel(utc(2026, 7, 2, 10), tick=False):
        do_follow_up(first, for_whom=val, by=val, done=False)  # not done: not counted
        seventh = give(org, accepted(org, here, "Seventh"), wyn)
    with time_machine.travel(utc(2026, 7, 31, 23, 30), tick=False):  # 1 August in the UK: Wyn's only August entry
        referral_note_add(
            access=access_organisation(user=wyn, organisation_id=here.pk), referral=seventh, text="Rang, no answer."
        )
    coordinator = org.coordinator
    organisation_staff_role_change(
        actor=coordinator, staff=OrganisationStaff.objects.get(organisation=here, user=xia), role=StaffRole.COORDINATOR
    )
    organisation_staff_remove(actor=coordinator, staff=OrganisationStaff.objects.get(organisation=here, user=yan))

    # April, May, June, July, August.
    assert shown([here.pk], APRIL_TO_AUGUST) == ([0, 2, 3, 1, 0], [0, 1, 1, 0, 0])
    assert shown([here.pk], APRIL_TO_AUGUST) == from_scratch([here.pk], APRIL_TO_AUGUST)
    # Both organisations: Zac is a volunteer of one of them, so both referrals given to him count.
    assert shown([here.pk, there.pk], APRIL_TO_AUGUST) == ([0, 2, 5, 1, 0], [0, 1, 2, 0, 0])
    assert shown([here.pk, there.pk], APRIL_TO_AUGUST) == from_scratch([here.pk, there.pk], APRIL_TO_AUGUST)
    assert shown([there.pk], APRIL_TO_AUGUST) == from_scratch([there.pk], APRIL_TO_AUGUST)
    june = Period(start=datetime.date(2026, 6, 1), end=datetime.date(2026, 7, 1))
    assert shown([here.pk], june) == from_scratch([here.pk], june) == ([3], [1])
    # Volunteers active: Val and Wyn in May (Xia and Yan are no longer volunteers), Zac in June there.
    assert active_shown([here.pk], APRIL_TO_AUGUST) == ([0, 2, 1, 1, 1], 2)
    assert active_shown([here.pk, there.pk], APRIL_TO_AUGUST) == ([0, 2, 2, 1, 1], 3)
    for ids in ([here.pk], [there.pk], [here.pk, there.pk]):
        for period in (APRIL_TO_AUGUST, june):
            assert active_shown(ids, period) == active_from_scratch(ids, period)

    # Kept per person: Xia and Yan's months are still there, for if their role comes back.
    figures = kept()
    assert figures[here.pk, "2026-05", "given", xia.pk] == 1
    assert figures[here.pk, "2026-05", "given", val.pk] == 1
    assert figures[here.pk, "2026-06", "given", val.pk] == 3
    assert figures[here.pk, "2026-06", "given", coordinator.pk] == 1
    assert figures[here.pk, "2026-05", "done", coordinator.pk] == 1
    # A recount from the history, and the migration's fill, find the same rows.
    assert staff_figures_rebuild() == len(figures)
    assert kept() == figures
    StaffFigure.objects.all().delete()
    importlib.import_module("carecircle.orgs.migrations.0019_fill_staff_figures").fill(apps, None)
    importlib.import_module("carecircle.orgs.migrations.0021_fill_staff_active_figures").fill(apps, None)
    assert kept() == figures
    importlib.import_module("carecircle.orgs.migrations.0021_fill_staff_active_figures").empty(apps, None)
    assert kept() == {key: count for key, count in figures.items() if key[2] != "active"}
    importlib.import_module("carecircle.orgs.migrations.0021_fill_staff_active_figures").fill(apps, None)
    assert kept() == figures
    StaffFigure.objects.all().delete()
    referral_figures_rebuild(organisation_ids=[here.pk])  # the referral figures' rebuild recounts these too
    assert kept() == {key: count for key, count in figures.items() if key[0] == here.pk}


def test_the_report_counts_from_the_kept_figures_not_every_follow_up(org: Org, as_user: Any) -> None:
    with time_machine.travel(utc(2026, 6, 10, 12), tick=False):
        for number in range(6):
            person = volunteer(org, f"v{number}@example.org", f"Volunteer {number}")
            referral = give(org, accepted(org, org.organisation, f"Person {number}"), person)
            do_follow_up(referral, for_whom=person, by=person)
        client = as_user(org.coordinator)
        address = reverse("orgs:reports", kwargs={"organisation_id": org.organisation.pk})
        with CaptureQueriesContext(connection) as queries:
            csv = client.get(address, {"from": "2026-06", "to": "2026-06", "format": "csv"}).content.decode()
    assert "Referrals given to volunteers each month,Jun 2026,6" in csv
    assert "Follow-ups volunteers marked done each month,Jun 2026,6" in csv
    read = " ".join(query["sql"] for query in queries.captured_queries)
    assert FollowUp._meta.db_table not in read
    assert StaffFigure._meta.db_table in read


@pytest.mark.django_db(transaction=True)
def test_referrals_given_and_follow_ups_done_at_once_are_all_counted(org: Org) -> None:
    """A burst on the same person's month (SQLite and PostgreSQL), on the real clock."""
    team = [org.volunteer, *(volunteer(org, f"b{number}@example.org", f"Burst {number}") for number in range(2))]
    waiting = [accepted(org, org.organisation, f"Waiting {number}") for number in range(4)]
    assigned = [give(org, accepted(org, org.organisation, f"Theirs {number}"), team[number % 3]) for number in range(4)]
    follow_ups = [
        do_follow_up(referral, for_whom=team[number % 3], by=team[number % 3], done=False)
        for number, referral in enumerate(assigned)
    ]

    def assign(referral: Referral) -> Any:
        return lambda: give(org, referral, org.volunteer)

    def finish(follow_up: FollowUp) -> Any:
        person = follow_up.assigned_to
        assert person is not None
        access = access_organisation(user=person, organisation_id=org.organisation.pk)
        return lambda: follow_up_done(access=access, follow_up=follow_up)

    at_once([assign(referral) for referral in waiting] + [finish(follow_up) for follow_up in follow_ups])

    figures = kept()
    given_to_val = sum(count for (_, _, kind, user), count in figures.items() if kind == "given" and user == team[0].pk)
    assert given_to_val == 4 + 2  # the burst's four, and two of the four given before it
    assert sum(count for (_, _, kind, _), count in figures.items() if kind == "done") == 4
    staff_figures_rebuild()
    assert kept() == figures
