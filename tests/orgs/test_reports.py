"""Reports: counts by month, state, need and outcome; small numbers suppressed; CSV; commissioners see totals only."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carecircle.orgs.figures import referral_figures_rebuild
from carecircle.orgs.referral_services import referral_contact_record, referral_move
from carecircle.orgs.reports import Cell, Period, suppress
from carecircle.orgs.services import organisation_create
from tests.orgs.conftest import Org, make_referral, text
from tests.orgs.test_report_api import token_client


def test_counts_under_five_are_suppressed_and_cannot_be_recovered_from_the_total() -> None:
    cells = suppress([Cell("a", 12), Cell("b", 3), Cell("c", 7), Cell("d", 0)])
    assert [cell.shown for cell in cells] == ["12", "not shown", "not shown", "0"]
    two_small = suppress([Cell("a", 20), Cell("b", 2), Cell("c", 1), Cell("d", 9)])
    # 2 + 1 = 3 could be recovered as a pair from the total, so the next smallest is hidden too.
    assert [cell.suppressed for cell in two_small] == [False, True, True, True]
    assert [cell.shown for cell in suppress([Cell("a", 6), Cell("b", 9)])] == ["6", "9"]


def test_month_boundaries_are_in_uk_time() -> None:
    period = Period.from_request({"from": "2026-04", "to": "2026-04"}, today=datetime.date(2026, 6, 1))
    # 1 April 2026 00:00 in London is 31 March 23:00 UTC (British Summer Time).
    assert period.start_moment.astimezone(datetime.UTC) == datetime.datetime(2026, 3, 31, 23, tzinfo=datetime.UTC)


def test_a_referral_just_after_midnight_on_the_first_counts_in_that_month(org: Org, as_user: Any) -> None:
    with time_machine.travel(datetime.datetime(2026, 3, 31, 23, 30, tzinfo=datetime.UTC)):
        for number in range(5):
            make_referral(org.organisation, person_name=f"April {number}")
    address = reverse("orgs:reports", kwargs={"organisation_id": org.organisation.pk})
    response = as_user(org.coordinator).get(address + "?from=2026-03&to=2026-04&format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    months = {row[1]: row[2] for row in rows if row[0] == "Referrals received each month"}
    assert months == {"Mar 2026": "0", "Apr 2026": "5", "Total": "5"}


def test_an_organisation_report_shows_states_needs_outcomes_and_contact_times(
    org: Org, as_user: Any, coordinator_access: Any
) -> None:
    for number in range(6):
        referral = make_referral(org.organisation, person_name=f"Person {number}", needs=["shopping"])
        referral_contact_record(access=coordinator_access, referral=referral)
        referral_move(access=coordinator_access, referral=referral, to="declined", reason="Out of area")
    for number in range(7):
        make_referral(org.organisation, person_name=f"N{number}", needs=["money"])
    triaged = make_referral(org.organisation, person_name="Just one", needs=["money"])
    referral_move(access=coordinator_access, referral=triaged, to="triaged")
    page = text(as_user(org.coordinator).get(reverse("orgs:reports", kwargs={"organisation_id": org.organisation.pk})))
    assert "<svg" in page
    assert "New</td><td>7</td>" in page
    assert "Triaged</td><td>not shown</td>" in page
    # Hidden too, or the single triaged referral could be worked out from the total of 14.
    assert "Declined</td><td>not shown</td>" in page
    assert "Money and benefits</td><td>8</td>" in page
    assert "Of 6 referrals contacted" in page
    # No one's name ("P1" alone turned up inside a random CSRF token once).
    assert "Person 1" not in page


def test_commissioners_see_totals_for_their_area_only_and_volunteers_no_reports(org: Org, as_user: Any) -> None:
    for number in range(5):
        make_referral(org.organisation, person_name=f"Wrexham {number}")
        make_referral(org.other_organisation, person_name=f"Flint {number}")
    page = text(as_user(org.commissioner).get(reverse("orgs:commissioning")))
    assert "Wrexham 1" not in page
    assert "Flint 1" not in page
    assert "New</td><td>5</td>" in page
    volunteer = as_user(org.volunteer)
    assert volunteer.get(reverse("orgs:reports", kwargs={"organisation_id": org.organisation.pk})).status_code == 403
    assert as_user(org.coordinator).get(reverse("orgs:commissioning")).status_code == 404


def test_report_pages_make_the_same_number_of_queries_however_many_referrals(
    org: Org, as_user: Any, coordinator_access: Any
) -> None:
    pages = [(org.coordinator, reverse("orgs:reports", kwargs={"organisation_id": org.organisation.pk}))]
    pages.append((org.commissioner, reverse("orgs:commissioning")))

    def count() -> list[int]:
        found = []
        for user, address in pages:
            client = as_user(user)
            client.get(address)
            with CaptureQueriesContext(connection) as queries:
                client.get(address)
            found.append(len(queries))
        return found

    make_referral(org.organisation, person_name="First")
    before = count()
    for number in range(20):
        referral = make_referral(org.organisation, person_name=f"More {number}", needs=["home", "money"])
        if number % 2:
            referral_move(access=coordinator_access, referral=referral, to="declined", reason="Full")
    assert count() == before


def test_days_to_first_contact_give_the_median_and_the_90th_percentile(org: Org, coordinator_access: Any) -> None:
    from carecircle.orgs.reports import build_report

    start = datetime.datetime(2026, 5, 4, 9, tzinfo=datetime.UTC)
    for number, days in enumerate([1, 2, 3, 4, 10]):
        with time_machine.travel(start):
            referral = make_referral(org.organisation, person_name=f"C{number}")
        with time_machine.travel(start + datetime.timedelta(days=days)):
            referral_contact_record(access=coordinator_access, referral=referral)
    period = Period.from_request({"from": "2026-05", "to": "2026-05"}, today=datetime.date(2026, 6, 1))
    report = build_report([org.organisation.pk], period)
    assert report.first_contact_days == {"count": "5", "median": "3.0", "p90": "10.0"}


def test_days_to_close_give_the_median_and_the_90th_percentile_in_one_query(org: Org) -> None:
    from carecircle.orgs.models import Referral
    from carecircle.orgs.reports import build_report

    start = datetime.datetime(2026, 5, 4, 9, tzinfo=datetime.UTC)
    for number, days in enumerate([2, 4, 6, 8, 30, 40]):
        with time_machine.travel(start):
            referral = make_referral(org.organisation, person_name=f"D{number}")
        Referral.objects.filter(pk=referral.pk).update(
            status="closed", outcome="supported", closed_at=start + datetime.timedelta(days=days)
        )
    referral_figures_rebuild(organisation_ids=[org.organisation.pk])
    period = Period.from_request({"from": "2026-05", "to": "2026-05"}, today=datetime.date(2026, 6, 1))
    with CaptureQueriesContext(connection) as queries:
        report = build_report([org.organisation.pk], period)
    # Totals by kind, received by month, and every median and 90th percentile.
    assert len(queries) == 3
    # "Half were closed within 6 days": the third of six, not a point between the third and fourth.
    assert report.close_days == {"count": "6", "median": "6.0", "p90": "40.0"}
    states = {cell.label: cell.value for cell in report.tables[1].cells}
    assert states["Closed"] == 6


def test_days_to_close_are_hidden_below_five(org: Org) -> None:
    from carecircle.orgs.models import Referral
    from carecircle.orgs.reports import build_report

    start = datetime.datetime(2026, 5, 4, 9, tzinfo=datetime.UTC)
    with time_machine.travel(start):
        referral = make_referral(org.organisation, person_name="Only one")
    Referral.objects.filter(pk=referral.pk).update(status="closed", closed_at=start + datetime.timedelta(days=3))
    referral_figures_rebuild(organisation_ids=[org.organisation.pk])
    period = Period.from_request({"from": "2026-05", "to": "2026-05"}, today=datetime.date(2026, 6, 1))
    report = build_report([org.organisation.pk], period)
    assert report.close_days == {"count": "not shown", "median": "not shown", "p90": "not shown"}


def test_a_commissioner_sees_referrals_by_organisation_of_their_area_with_small_numbers_hidden(
    org: Org, as_user: Any
) -> None:
    small = organisation_create(actor=None, name="Small Steps Wrexham", area="Wrexham")
    busy = organisation_create(actor=None, name="Busy Bees Wrexham", area="Wrexham")
    for number in range(6):
        make_referral(org.organisation, person_name=f"Own {number}")
    for number in range(2):
        make_referral(small, person_name=f"Small {number}")
    for number in range(7):
        make_referral(busy, person_name=f"Busy {number}")
    for number in range(9):
        make_referral(org.other_organisation, person_name=f"Flint {number}")
    page = text(as_user(org.commissioner).get(reverse("orgs:commissioning")))
    start = page.index('id="t-organisations"')
    table = page[start : page.index("</section>", start)]
    assert "Busy Bees Wrexham</td><td>7</td>" in table
    # 2 is hidden, and the next smallest with it, so neither comes back from the total of 15.
    assert "Small Steps Wrexham</td><td>not shown</td>" in table
    assert f"{org.organisation.name}</td><td>not shown</td>" in table
    assert "Total</th><td>15</td>" in table
    assert org.other_organisation.name not in table
    download = as_user(org.commissioner).get(reverse("orgs:commissioning") + "?format=csv")
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert ["Referrals received, by organisation", "Busy Bees Wrexham", "7"] in rows
    assert ["Referrals received, by organisation", "Small Steps Wrexham", "not shown"] in rows
    api = token_client(org.commissioner).get("/api/v1/commissioning/report").json()
    by_organisation = next(table for table in api["tables"] if table["key"] == "organisations")
    values = {figure["key"]: figure["value"] for figure in by_organisation["figures"]}
    assert values == {str(busy.pk): 7, str(small.pk): None, str(org.organisation.pk): None}
    assert by_organisation["total"] == 15
    # An organisation's own report has no such table.
    own = text(as_user(org.coordinator).get(reverse("orgs:reports", kwargs={"organisation_id": org.organisation.pk})))
    assert 'id="t-organisations"' not in own
