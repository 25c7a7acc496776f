"""Per-month report figures equal a recount from the referrals, through every service; bad months are 400."""

from __future__ import annotations

import datetime
from functools import partial
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from carecircle.orgs.access import access_organisation
from carecircle.orgs.figures import WELLBEING_NAMES, referral_figures_rebuild
from carecircle.orgs.models import Referral, ReferralFigure
from carecircle.orgs.referral_services import referral_assign, referral_contact_record, referral_merge, referral_move
from carecircle.orgs.reports import Period, PeriodError, build_report
from carecircle.orgs.wellbeing import NAMES, wellbeing_record
from tests.bursts import at_once
from tests.orgs.conftest import Org, make_referral, text


def stored() -> dict[tuple[int, str, str, str], int]:
    return {
        (row.organisation_id, f"{row.month:%Y-%m}", row.kind, row.key): row.count
        for row in ReferralFigure.objects.exclude(count=0)
    }


def test_the_figures_kept_by_the_services_equal_a_recount(org: Org, coordinator_access: Any) -> None:
    answers = dict.fromkeys(NAMES, 5)
    with time_machine.travel(datetime.datetime(2026, 4, 30, 23, 30, tzinfo=datetime.UTC)):  # 1 May in the UK
        walked = [make_referral(org.organisation, person_name=f"W{n}", needs=["money", "home"]) for n in range(3)]
    with time_machine.travel(datetime.datetime(2026, 5, 20, 9, tzinfo=datetime.UTC)):
        for index, referral in enumerate(walked):
            referral = referral_move(access=coordinator_access, referral=referral, to="triaged")
            referral = referral_move(access=coordinator_access, referral=referral, to="accepted")
            referral = referral_assign(access=coordinator_access, referral=referral, assignee=org.volunteer)
            walked[index] = referral_contact_record(access=coordinator_access, referral=referral)
            wellbeing_record(access=coordinator_access, referral=walked[index], stage="start", answers=answers)
        wellbeing_record(access=coordinator_access, referral=walked[0], stage="close", answers={**answers, "happy": 8})
        active = referral_move(access=coordinator_access, referral=walked[0], to="active")
        referral_move(access=coordinator_access, referral=active, to="closed", outcome="supported")
        twin = make_referral(org.organisation, person_name="W1", needs=["transport"])
        referral_merge(access=coordinator_access, keep=walked[1], other=twin)
        make_referral(org.other_organisation, person_name="Elsewhere")
    kept = stored()
    assert kept[org.organisation.pk, "2026-05", "received", ""] == 3  # the merged twin no longer counts
    assert kept[org.organisation.pk, "2026-05", "need", "transport"] == 1  # its need went to the one kept
    assert kept[org.organisation.pk, "2026-05", "wellbeing", "happy_change"] == 3
    referral_figures_rebuild()
    assert stored() == kept


def test_the_wellbeing_names_match_the_questions() -> None:
    assert tuple(NAMES) == WELLBEING_NAMES


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "2026-13"}, "The start month isn't a month we can read"),
        ({"to": "April"}, "The end month isn't a month we can read"),
        ({"from": "2026-05", "to": "2026-02"}, "The end month is before the start month"),
        ({"from": "2020-01", "to": "2026-05"}, "Choose at most 36 months"),
    ],
)
def test_months_that_cannot_be_used_are_refused_with_what_to_type(params: dict[str, str], message: str) -> None:
    with pytest.raises(PeriodError, match=message):
        Period.from_request(params, today=datetime.date(2026, 6, 10))


def test_report_pages_answer_bad_months_with_400_and_keep_what_was_typed(org: Org, as_user: Any) -> None:
    address = reverse("orgs:reports", kwargs={"organisation_id": org.organisation.pk})
    response = as_user(org.coordinator).get(address, {"from": "2026-02-30x", "to": "2026-05"})
    assert response.status_code == 400
    page = text(response)
    assert "The start month isn't a month we can read: give it as year and month, like 2026-04." in page
    assert 'value="2026-05"' in page
    csv = as_user(org.coordinator).get(address, {"from": "2026-05", "to": "2026-01", "format": "csv"})
    assert csv.status_code == 400
    commissioning = as_user(org.commissioner).get(reverse("orgs:commissioning"), {"to": "soon"})
    assert commissioning.status_code == 400
    assert "The end month isn't a month we can read" in text(commissioning)


def test_each_month_shows_its_own_median_and_90th_percentile_of_days_to_first_contact(
    org: Org, coordinator_access: Any
) -> None:
    for month, gaps in [(3, [1, 1, 2, 2, 3, 9]), (4, [1, 4, 4, 4, 4]), (5, [1, 4])]:
        start = datetime.datetime(2026, month, 10, 9, tzinfo=datetime.UTC)
        for number, days in enumerate(gaps):
            with time_machine.travel(start):
                referral = make_referral(org.organisation, person_name=f"M{month}-{number}")
            with time_machine.travel(start + datetime.timedelta(days=days, hours=1)):
                referral_contact_record(access=coordinator_access, referral=referral)
    report = build_report([org.organisation.pk], Period(datetime.date(2026, 3, 1), datetime.date(2026, 6, 1)))
    march, april, may = report.month_rows
    # Tenths of a day rounded up: 2 days and an hour is "within 2.1 days".
    assert (march.contacted.shown, march.median, march.p90) == ("6", "2.1", "9.1")
    # May's 2 is hidden, and so is April's 5 with its figures, or May's could be worked out from the total.
    assert (may.contacted.shown, may.median, may.p90) == ("not shown", "not shown", "not shown")
    assert (april.contacted.shown, april.median, april.p90) == ("not shown", "not shown", "not shown")
    assert report.first_contact_days == {"count": "13", "median": "3.1", "p90": "4.1"}


def test_a_small_count_cannot_be_worked_out_from_the_total_on_the_page(org: Org, as_user: Any) -> None:
    for number in range(9):
        make_referral(org.organisation, person_name=f"GP {number}", source="gp")
    make_referral(org.organisation, person_name="Self", source="self")
    page = text(as_user(org.coordinator).get(reverse("orgs:reports", kwargs={"organisation_id": org.organisation.pk})))
    # Total 10 with GP 9 shown would reveal the single self-referral: both are hidden, alike.
    assert "GP surgery</td><td>not shown</td>" in page
    assert "The person themselves</td><td>not shown</td>" in page
    assert ">9<" not in page.split("Who referred them", 1)[1].split("</table>", 1)[0]
    assert '<th scope="row">Total</th><td>10</td>' in page


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL; SQLite has one")
@time_machine.travel(datetime.datetime(2026, 6, 15, 12, tzinfo=datetime.UTC), tick=True)
def test_referrals_arriving_and_moving_at_once_are_all_counted() -> None:
    from tests.cast import build_cast
    from tests.orgs.conftest import quick_user

    cast = build_cast()
    organisation = access_organisation(
        user=cast.org_staff, organisation_id=_organisation_id(cast.org_staff)
    ).organisation
    moved = [make_referral(organisation, person_name=f"Moved {n}") for n in range(4)]
    quick_user("spare@example.org", "Spare")

    def work(number: int) -> None:
        if number < 8:
            make_referral(organisation, person_name=f"Burst {number}", needs=["money"])
        else:
            access = access_organisation(user=cast.org_staff, organisation_id=organisation.pk)
            referral_move(access=access, referral=moved[number - 8], to="triaged")

    at_once([partial(work, number) for number in range(12)], timeout=30)  # fails the test if any work failed
    kept = stored()
    assert Referral.objects.filter(organisation=organisation).count() == 12
    referral_figures_rebuild()
    assert stored() == kept
    month = f"{moved[0].created_at:%Y-%m}"
    assert kept[organisation.pk, month, "state", "triaged"] == 4


def _organisation_id(user: Any) -> int:
    from carecircle.orgs.models import OrganisationStaff

    return OrganisationStaff.objects.filter(user=user).values_list("organisation_id", flat=True)[0]
