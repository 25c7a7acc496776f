"""Commissioners' circle figures: active circles, members, help given, weekly active people, cohorts; totals only."""

from __future__ import annotations

import datetime
from typing import Any

import time_machine
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carecircle.accounts.models import User
from carecircle.audit.models import AuditEntry
from carecircle.circles.models import Circle, Membership
from carecircle.circles.services import circle_create, membership_add_directly
from carecircle.orgs.access import access_organisation
from carecircle.orgs.invite_codes import circle_start_with_code, invite_code_create
from carecircle.orgs.models import Organisation, OrganisationCircle, OrganisationStaff, Referral, SupportOffer
from carecircle.orgs.reports import Period
from carecircle.orgs.services import organisation_create
from carecircle.orgs.support_figures import build_support_figures
from carecircle.orgs.uptake import _cohorts, build_uptake, linked_circles, uptake_csv_rows
from carecircle.tasks.services import occurrence_done, task_volunteer
from tests.cast import Cast
from tests.circles.conftest import add_members
from tests.orgs.conftest import Org, make_referral, quick_user, text
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
        "Family circles linked to the organisations",
        "How the circles came to the organisations",
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


def test_circles_started_with_an_invite_code_count_once_with_those_linked_through_referrals(org: Org) -> None:
    access = access_organisation(user=org.coordinator, organisation_id=org.organisation.pk)
    with time_machine.travel(NOW, tick=False):
        _, code = invite_code_create(access=access, label="Leaflet", max_uses=20, valid_days=30)
        started = [
            circle_start_with_code(
                actor=quick_user(f"family{number}@example.org", f"Family {number}"),
                organisation=org.organisation,
                code=code,
                person_name=f"Person {number}",
                for_self=False,
                relationship="daughter",
                consent_given_by="person",
                consent_confirmed=True,
            )
            for number in range(12)
        ]
        for circle in started[:5]:  # also linked to a referral: counted once, with the referrals
            referral = make_referral(org.organisation, person_name=circle.person_name)
            Referral.objects.filter(pk=referral.pk).update(circle=circle, circle_consent_at=NOW)
        OrganisationCircle.objects.filter(circle=started[10]).update(ended_at=NOW)  # no longer linked
        Circle.objects.filter(pk=started[11].pk).update(closed_at=NOW)  # closed
        other = organisation_create(actor=None, name="Elsewhere", area=org.organisation.area)
        period = Period.from_request({}, today=NOW.date())
        uptake = build_uptake([org.organisation.pk], period, now=NOW)
        elsewhere = build_uptake([other.pk], period, now=NOW)
    assert uptake.circles.total == 10
    assert [(cell.label, cell.shown) for cell in uptake.circles.cells] == [
        ("Active in these months", "10"),  # starting a circle is activity
        ("Quiet", "0"),
    ]
    assert [(cell.label, cell.shown) for cell in uptake.routes.cells] == [
        ("Through a referral", "5"),
        ("Started with an invite code", "5"),
    ]
    rows = uptake_csv_rows(uptake)
    assert ["How the circles came to the organisations", "Started with an invite code", "5"] in rows
    assert ["Family circles linked to the organisations", "Total", "10"] in rows
    assert elsewhere.circles.total == 0  # another organisation's figures don't include them


def test_a_few_circles_by_one_route_cannot_be_worked_out_from_the_total(org: Org) -> None:
    access = access_organisation(user=org.coordinator, organisation_id=org.organisation.pk)
    with time_machine.travel(NOW, tick=False):
        _, code = invite_code_create(access=access, label="Leaflet", max_uses=20, valid_days=30)
        for number in range(7):
            circle = circle_start_with_code(
                actor=quick_user(f"family{number}@example.org", f"Family {number}"),
                organisation=org.organisation,
                code=code,
                person_name=f"Person {number}",
                for_self=False,
                relationship="son",
                consent_given_by="person",
                consent_confirmed=True,
            )
            if number < 2:
                referral = make_referral(org.organisation, person_name=circle.person_name)
                Referral.objects.filter(pk=referral.pk).update(circle=circle, circle_consent_at=NOW)
        uptake = build_uptake([org.organisation.pk], Period.from_request({}, today=NOW.date()), now=NOW)
    # Two through referrals is small; the five by code alone would tell it from the total of 7.
    assert uptake.routes.total == 7
    assert [cell.shown for cell in uptake.routes.cells] == ["not shown", "not shown"]
    assert ["How the circles came to the organisations", "Through a referral", "not shown"] in uptake_csv_rows(uptake)


def test_the_figures_count_only_open_circles_still_linked_and_take_a_fixed_number_of_queries(org: Org) -> None:
    """Linked by a referral, by an invite code or both count; ended links, closed circles, other organisations don't.

    The linked circles' SQL is compiled once and pasted into every query (`linked_to`): the figures
    must be those of the circles a reader would pick by hand, in 7 queries for the circle figures
    and 2 for the local support figures with the private offers, whatever the number of circles.
    """
    organisation = org.organisation
    with time_machine.travel(NOW, tick=False):
        organisers: dict[Circle, User] = {}

        def circle(name: str, helpers: int) -> tuple[Circle, User]:
            organiser = quick_user(f"{name.lower()}@example.org", f"{name} Organiser")
            made = circle_create(actor=organiser, person_name=f"{name} Person")
            add_members(circle=made, actor=organiser, how_many=helpers)
            organisers[made] = organiser
            return made, organiser

        def by_referral(made: Circle, to: Organisation = organisation, **ended: Any) -> None:
            referral = make_referral(to, person_name=made.person_name)
            Referral.objects.filter(pk=referral.pk).update(circle=made, circle_consent_at=NOW, **ended)

        def by_code(made: Circle, **ended: Any) -> None:
            OrganisationCircle.objects.create(
                organisation=organisation, circle=made, consent_given_by="person", consent_to="Counting", **ended
            )

        referred, referred_organiser = circle("Referred", 3)  # 4 people, and a member of staff
        membership_add_directly(
            actor=referred_organiser, circle=referred, user=org.volunteer, role="helper", relationship="friend"
        )
        by_referral(referred)
        coded, _ = circle("Coded", 0)  # 1 person
        by_code(coded)
        both, _ = circle("Both", 1)  # 2 people, counted once, with the referrals
        by_referral(both)
        by_code(both)
        referral_ended, _ = circle("Unlinked", 4)
        by_referral(referral_ended, circle_link_ended_at=NOW)
        code_ended, _ = circle("Ended", 4)
        by_code(code_ended, ended_at=NOW)
        closed, _ = circle("Closed", 4)
        by_referral(closed)
        Circle.objects.filter(pk=closed.pk).update(closed_at=NOW)
        elsewhere, _ = circle("Elsewhere", 4)
        by_referral(elsewhere, to=org.other_organisation)
        counted = {referred, coded, both}

        helper = Membership.objects.filter(circle=referred, role="helper").exclude(user=org.volunteer).first()
        assert helper is not None
        for place, doer in [(referred, helper.user), (referral_ended, organisers[referral_ended]), (closed, None)]:
            task = make_task(actor=organisers[place], circle=place, start_date=NOW.date())
            task_volunteer(actor=doer or organisers[place], task=task, occurrence_date=task.start_date)
            occurrence_done(actor=doer or organisers[place], task=task, occurrence_date=task.start_date)
        task = make_task(actor=referred_organiser, circle=referred, title="Shopping", start_date=NOW.date())
        task_volunteer(actor=org.volunteer, task=task, occurrence_date=task.start_date)  # staff: not counted
        for number, (place, organiser) in enumerate(organisers.items()):
            SupportOffer.objects.create(
                user=organiser,
                circle=place,
                district="LL11",
                due=True,
                weeks_over=3,
                checked_on=NOW.date(),
                dismissed_at=NOW if number % 2 else None,
            )

        period = Period.from_request({}, today=NOW.date())
        ids = [organisation.pk]
        assert set(linked_circles(ids)) == counted
        with CaptureQueriesContext(connection) as uptake_queries:
            uptake = build_uptake(ids, period, now=NOW)
        with CaptureQueriesContext(connection) as support_queries:
            support = build_support_figures(ids, period, private_offers=True)

    # Support: the kept signposting figures and the private offers (nothing was sent to a service,
    # so the directory isn't read).
    assert (len(uptake_queries), len(support_queries)) == (7, 2)
    assert [cell.value for cell in uptake.circles.cells] == [3, 0]  # all three did something: started
    assert [cell.value for cell in uptake.routes.cells] == [2, 1]
    assert [cell.value for cell in uptake.members.cells] == [1, 1, 1, 0]  # 1, 2 and 4 people, staff left out
    assert uptake.tasks_done.value == 1
    staff = set(OrganisationStaff.objects.filter(organisation=organisation).values_list("user_id", flat=True))
    active = set(AuditEntry.objects.filter(circle__in=counted, actor__isnull=False).values_list("actor_id", flat=True))
    assert org.volunteer.pk in active  # the member of staff did something, and is left out
    assert uptake.weekly.cells[-1].value == len(active - staff) == 4  # three organisers and the helper
    assert support.offer_months is not None
    assert support.offer_answers is not None
    assert support.offer_months.total == 3
    offers = SupportOffer.objects.filter(circle__in=counted)
    assert [cell.value for cell in support.offer_answers.cells] == [
        offers.filter(dismissed_at__isnull=True).count(),
        0,
        offers.filter(dismissed_at__isnull=False).count(),
        0,
    ]
