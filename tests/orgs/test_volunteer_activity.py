"""Volunteer activity in the organisation's report: volunteers active, referrals given to them, follow-ups done."""

from __future__ import annotations

import datetime
import importlib
from typing import Any

import time_machine
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carecircle.accounts.models import User
from carecircle.orgs.access import access_organisation
from carecircle.orgs.follow_ups import follow_up_add, follow_up_done
from carecircle.orgs.models import Organisation, Referral, ReferralEvent, StaffRole
from carecircle.orgs.referral_services import referral_assign, referral_move, referral_note_add
from carecircle.orgs.reports import Period
from carecircle.orgs.services import organisation_staff_add
from carecircle.orgs.volunteer_activity import build_volunteer_activity, volunteer_csv_rows
from tests.orgs.conftest import Org, make_referral, quick_user, text

JUNE = datetime.datetime(2026, 6, 10, 12, tzinfo=datetime.UTC)
ONLY_JUNE = Period(start=datetime.date(2026, 6, 1), end=datetime.date(2026, 7, 1))


def volunteers(org: Org, how_many: int) -> list[User]:
    found = [org.volunteer]
    for number in range(1, how_many):
        user = quick_user(f"volunteer{number}@example.org", f"Volunteer {number}")
        organisation_staff_add(actor=None, organisation=org.organisation, user=user, role=StaffRole.VOLUNTEER)
        found.append(user)
    return found


def work(org: Org, volunteer: User, *, organisation: Organisation | None = None) -> Referral:
    """A referral given to the volunteer, who notes a call and marks a follow-up done."""
    organisation = organisation or org.organisation
    coordinator = org.coordinator if organisation == org.organisation else org.other_staff
    access = access_organisation(user=coordinator, organisation_id=organisation.pk)
    referral = make_referral(organisation, person_name=f"For {volunteer.display_name}")
    referral_move(access=access, referral=referral, to="triaged")
    referral_move(access=access, referral=referral, to="accepted")
    referral_assign(access=access, referral=referral, assignee=volunteer)
    referral_note_add(access=access, referral=referral, text="Rang the daughter.")  # the coordinator's: not counted
    own = access_organisation(user=volunteer, organisation_id=organisation.pk)
    referral_note_add(access=own, referral=referral, text="Called round.")
    follow_up, _ = follow_up_add(
        access=own, referral=referral, text="Ring back", due_on=JUNE.date(), assignee=volunteer
    )
    follow_up_done(access=own, follow_up=follow_up)
    return referral


def test_each_month_counts_volunteers_active_referrals_given_them_and_follow_ups_done(org: Org) -> None:
    with time_machine.travel(JUNE, tick=False):
        for volunteer in volunteers(org, 6):
            work(org, volunteer)
        # Another organisation's volunteer counts only there.
        elsewhere = quick_user("elsewhere@example.org", "Elsewhere Volunteer")
        organisation_staff_add(
            actor=None, organisation=org.other_organisation, user=elsewhere, role=StaffRole.VOLUNTEER
        )
        work(org, elsewhere, organisation=org.other_organisation)
        activity = build_volunteer_activity([org.organisation.pk], ONLY_JUNE)
    assert [(cell.label, cell.shown) for cell in activity.active.cells] == [("Jun 2026", "6")]
    assert activity.people.shown == "6"
    assert [(cell.label, cell.shown) for cell in activity.assigned.cells] == [("Jun 2026", "6")]
    assert [(cell.label, cell.shown) for cell in activity.follow_ups.cells] == [("Jun 2026", "6")]
    rows = volunteer_csv_rows(activity)
    assert ["Volunteers active each month", "Different volunteers active in these months", "6"] in rows
    assert ["Follow-ups volunteers marked done each month", "Total", "6"] in rows


def test_a_few_volunteers_are_not_shown_nor_worked_out_from_another_month(org: Org) -> None:
    may = JUNE - datetime.timedelta(days=31)
    with time_machine.travel(may, tick=False):
        team = volunteers(org, 7)
        for volunteer in team:
            work(org, volunteer)
    with time_machine.travel(JUNE, tick=False):
        for volunteer in team[:2]:
            work(org, volunteer)
        activity = build_volunteer_activity(
            [org.organisation.pk], Period(start=datetime.date(2026, 5, 1), end=datetime.date(2026, 7, 1))
        )
    # June's 2 is small; May's 7 would give it away from the total, so both are hidden.
    assert [cell.shown for cell in activity.assigned.cells] == ["not shown", "not shown"]
    assert activity.assigned.total == 9
    assert [cell.shown for cell in activity.active.cells] == ["not shown", "not shown"]
    assert activity.people.shown == "7"  # different people in the two months: not a sum


def test_the_report_shows_volunteer_activity_in_the_same_queries_however_much_there_is(org: Org, as_user: Any) -> None:
    address = reverse("orgs:reports", kwargs={"organisation_id": org.organisation.pk}) + "?from=2026-06&to=2026-06"
    with time_machine.travel(JUNE, tick=False):
        client = as_user(org.coordinator)
        client.get(address)
        with CaptureQueriesContext(connection) as before:
            client.get(address)
        for volunteer in volunteers(org, 6):
            work(org, volunteer)
        with CaptureQueriesContext(connection) as after:
            page = text(client.get(address))
        csv = client.get(address + "&format=csv").content.decode()
    assert len(after) == len(before)
    assert "Volunteers active each month" in page
    assert "Different volunteers active in these months: 6" in page
    assert "Referrals given to volunteers each month,Jun 2026,6" in csv
    assert "Val Volunteer" not in page  # totals only


def test_the_migration_says_whom_each_referrals_latest_assignment_went_to(org: Org) -> None:
    with time_machine.travel(JUNE, tick=False):
        referral = work(org, org.volunteer)
    ReferralEvent.objects.update(assignee=None)  # as before migration 0015
    importlib.import_module("carecircle.orgs.migrations.0016_fill_referral_event_assignee").forwards(apps, None)
    given = ReferralEvent.objects.get(referral=referral, kind=ReferralEvent.Kind.ASSIGNED)
    assert given.assignee == org.volunteer
    assert not ReferralEvent.objects.exclude(kind=ReferralEvent.Kind.ASSIGNED).filter(assignee__isnull=False).exists()
