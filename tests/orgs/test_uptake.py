"""Commissioners' circle figures: active circles, members, help given, weekly active people, cohorts; totals only."""

from __future__ import annotations

import datetime
from typing import Any

import time_machine
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carecircle.audit.models import AuditEntry
from carecircle.orgs.models import OrganisationStaff, Referral
from carecircle.orgs.reports import Period
from carecircle.orgs.uptake import _cohorts, build_uptake
from carecircle.tasks.services import occurrence_done, task_volunteer
from tests.cast import Cast
from tests.circles.conftest import add_members
from tests.orgs.conftest import Org, make_referral, text
from tests.tasks.conftest import make_task

NOW = datetime.datetime(2026, 6, 17, 12, tzinfo=datetime.UTC)  # a Wednesday


def link(org: Org, cast: Cast) -> None:
    referral = make_referral(org.organisation, person_name="Dad")
    Referral.objects.filter(pk=referral.pk).update(circle=cast.circle, circle_consent_at=NOW)


def test_weekly_active_people_count_everyone_who_did_something_but_staff(org: Org, cast: Cast) -> None:
    with time_machine.travel(NOW, tick=False):
        link(org, cast)
        helpers = [membership.user for membership in add_members(circle=cast.circle, actor=cast.organiser, how_many=6)]
        task = make_task(actor=cast.organiser, circle=cast.circle, people_needed=10, start_date=NOW.date())
        for helper in helpers:
            task_volunteer(actor=helper, task=task, occurrence_date=task.start_date)
        occurrence_done(actor=helpers[0], task=task, occurrence_date=task.start_date)
        period = Period.from_request({}, today=NOW.date())
        uptake = build_uptake([org.organisation.pk], period, now=NOW)
    staff = OrganisationStaff.objects.values("user_id")
    expected = (
        AuditEntry.objects.filter(
            circle=cast.circle,
            created_at__gte=datetime.datetime(2026, 6, 14, 23, tzinfo=datetime.UTC),  # Monday 15 June, UK time
            created_at__lt=datetime.datetime(2026, 6, 21, 23, tzinfo=datetime.UTC),
        )
        .exclude(Q(actor__isnull=True) | Q(actor_id__in=staff))
        .values("actor_id")
        .distinct()
        .count()
    )
    assert expected >= 7  # the organiser and six helpers at least
    this_week = uptake.weekly.cells[-1]
    assert (this_week.label, this_week.shown) == ("w/c 15 Jun", str(expected))
    assert [cell.shown for cell in uptake.circles.cells] == ["not shown", "0"]  # one active circle: small
    assert uptake.tasks_done.shown == "not shown"  # one task done
    assert uptake.hours == "not shown"
    joined = uptake.cohorts[-1]
    assert joined.label == "w/c 15 Jun"
    assert joined.later == ["not yet"] * 4  # the weeks after haven't come yet


def test_those_who_did_not_come_back_cannot_be_worked_out_from_a_cohort() -> None:
    week = datetime.date(2026, 5, 4)
    later = [(week, week + datetime.timedelta(weeks=1), 5), (week, week + datetime.timedelta(weeks=2), 5)]
    sizes = {week: 7, week + datetime.timedelta(weeks=1): 10}
    later.append((week + datetime.timedelta(weeks=1), week + datetime.timedelta(weeks=2), 5))
    rows = _cohorts([week, week + datetime.timedelta(weeks=1)], sizes, later, datetime.date(2026, 6, 15))
    # 7 joined and 5 came back: 2 didn't, so the 5 is hidden too.
    assert rows[0].later[:2] == ["not shown", "not shown"]
    assert rows[1].later[0] == "5 (50%)"
    assert rows[1].later[1] == "0 (0%)"


def test_the_commissioner_page_shows_circle_figures_without_a_person_in_the_same_queries(
    org: Org, cast: Cast, as_user: Any
) -> None:
    address = reverse("orgs:commissioning")
    with time_machine.travel(NOW, tick=False):
        link(org, cast)
        client = as_user(org.commissioner)
        client.get(address)
        with CaptureQueriesContext(connection) as before:
            page = text(client.get(address))
        helpers = [membership.user for membership in add_members(circle=cast.circle, actor=cast.organiser, how_many=8)]
        task = make_task(actor=cast.organiser, circle=cast.circle, people_needed=10, start_date=NOW.date())
        for helper in helpers:
            task_volunteer(actor=helper, task=task, occurrence_date=task.start_date)
        with CaptureQueriesContext(connection) as after:
            client.get(address)
        csv = client.get(address + "?format=csv").content.decode()
    assert len(after) == len(before)
    for heading in (
        "Family circles linked to referrals",
        "People in each circle",
        "Help given",
        "People active each week",
    ):
        assert heading in page
    assert "How new people keep going" in page
    for user in [cast.helper, cast.organiser, *helpers]:
        assert user.display_name not in page
        assert user.display_name not in csv
    assert "People active each week,w/c 15 Jun," in csv
