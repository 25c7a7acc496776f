"""The reports API: the report pages' figures as JSON, suppressed the same way, for report staff and commissioners."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from carecircle.accounts.models import User
from carecircle.accounts.services import api_token_create
from carecircle.audit.models import AuditEntry
from carecircle.orgs.referral_services import referral_contact_record, referral_move
from tests.orgs.conftest import Org, make_referral

JUNE = datetime.datetime(2026, 6, 10, 12, tzinfo=datetime.UTC)


def token_client(user: User) -> Client:
    _, secret = api_token_create(actor=user, name="Reporting")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def org_report(org: Org) -> str:
    return f"/api/v1/organisations/{org.organisation.pk}/report"


def figures(table: dict[str, Any]) -> dict[str, Any]:
    return {figure["key"]: figure["value"] for figure in table["figures"]}


def fill(org: Org, coordinator_access: Any) -> None:
    """14 referrals in June: 6 declined after first contact, 7 new, 1 triaged (a small number)."""
    with time_machine.travel(JUNE, tick=False):
        for number in range(6):
            referral = make_referral(org.organisation, person_name=f"Person {number}", needs=["shopping"])
            referral_contact_record(access=coordinator_access, referral=referral)
            referral_move(access=coordinator_access, referral=referral, to="declined", reason="Out of area")
        for number in range(7):
            make_referral(org.organisation, person_name=f"Newcomer {number}", needs=["money"])
        triaged = make_referral(org.organisation, person_name="Just One", needs=["money"])
        referral_move(access=coordinator_access, referral=triaged, to="triaged")
        make_referral(org.other_organisation, person_name="Elsewhere Person", needs=["money"])


def test_the_organisation_report_has_the_pages_figures_with_small_numbers_null(
    org: Org, coordinator_access: Any
) -> None:
    fill(org, coordinator_access)
    response = token_client(org.coordinator).get(org_report(org), {"from": "2026-05", "to": "2026-06"})
    assert response.status_code == 200
    body = response.json()
    assert body["organisation_id"] == org.organisation.pk
    assert body["period"] == {"start": "2026-05", "end": "2026-06"}
    tables = {table["key"]: table for table in body["tables"]}
    assert figures(tables["months"]) == {"2026-05": 0, "2026-06": 14}
    assert tables["months"]["total"] == 14
    states = figures(tables["states"])
    assert states["new"] == 7
    # The single triaged referral is hidden, and so is the next smallest, as on the page.
    assert states["triaged"] is None
    assert states["declined"] is None
    assert {figure["key"]: figure["suppressed"] for figure in tables["states"]["figures"]}["declined"] is True
    assert figures(tables["needs"])["money"] == 8
    assert body["first_contact"]["count"] == 6
    assert body["first_contact"]["median_days"] == 0.0
    june = body["first_contact_by_month"][1]
    assert june["month"] == "2026-06"
    assert june["received"]["value"] == 14
    assert june["contacted"]["value"] == 6
    assert body["wellbeing"]["people"]["value"] == 0
    assert body["wellbeing"]["questions"] == []
    assert set(body["volunteers"]) == {"active", "people", "referrals_given", "follow_ups_done"}
    # Totals only: no one's name, and never the other organisation's referral.
    assert "Person 1" not in response.content.decode()
    assert "Just One" not in response.content.decode()


def test_the_report_needs_reports_view_and_is_only_the_viewers_organisations(org: Org) -> None:
    address = org_report(org)
    assert token_client(org.admin).get(address).status_code == 200
    assert token_client(org.coordinator).get(address).status_code == 200
    refused = token_client(org.volunteer).get(address)  # no reports on the page either
    assert refused.status_code == 403
    assert "detail" in refused.json()
    # Another organisation's staff and commissioners: as if it didn't exist.
    assert token_client(org.other_staff).get(address).status_code == 404
    assert token_client(org.commissioner).get(address).status_code == 404
    assert Client().get(address).status_code == 401


def test_commissioners_get_their_areas_totals_and_nobody_else_does(org: Org, coordinator_access: Any) -> None:
    fill(org, coordinator_access)
    client = token_client(org.commissioner)
    response = client.get("/api/v1/commissioning/report", {"from": "2026-06", "to": "2026-06"})
    assert response.status_code == 200
    body = response.json()
    assert body["areas"] == ["Wrexham"]
    # Hillside Helpers is in Flintshire: its referral isn't counted.
    assert body["organisation_ids"] == [org.organisation.pk]
    tables = {table["key"]: table for table in body["tables"]}
    assert figures(tables["months"]) == {"2026-06": 14}
    assert figures(tables["states"])["triaged"] is None
    assert set(body["circles"]) == {"circles", "routes", "members", "tasks_done", "hours", "weekly", "cohorts"}
    assert "volunteers" not in body
    assert "Person" not in response.content.decode()
    assert AuditEntry.objects.filter(actor=org.commissioner, action="organisation.report_viewed").exists()
    for someone in (org.coordinator, org.admin, org.volunteer, org.other_staff):
        assert token_client(someone).get("/api/v1/commissioning/report").status_code == 404
    assert Client().get("/api/v1/commissioning/report").status_code == 401


@pytest.mark.parametrize(
    ("query", "english", "welsh"),
    [
        (
            {"from": "2026-13"},
            "The start month isn't a month we can read",
            "Nid yw'r mis cyntaf yn fis y gallwn ei ddarllen",
        ),
        ({"to": "June"}, "The end month isn't a month we can read", "Nid yw'r mis olaf yn fis y gallwn ei ddarllen"),
        (
            {"from": "2026-06", "to": "2026-01"},
            "The end month is before the start month",
            "Mae'r mis olaf cyn y mis cyntaf",
        ),
        ({"from": "2023-01", "to": "2026-06"}, "Choose at most 36 months at a time", "Dewiswch 36 mis ar y mwyaf"),
    ],
)
def test_a_range_that_cant_be_used_is_400_in_the_callers_language(
    org: Org, query: dict[str, str], english: str, welsh: str
) -> None:
    for user, address in ((org.coordinator, org_report(org)), (org.commissioner, "/api/v1/commissioning/report")):
        client = token_client(user)
        refused = client.get(address, query)
        assert refused.status_code == 400
        assert refused.json()["detail"].startswith(english)
        in_welsh = client.get(address, query, headers={"Accept-Language": "cy"})
        assert in_welsh.status_code == 400
        assert in_welsh.json()["detail"].startswith(welsh)


def test_a_month_far_too_long_is_refused_as_a_field(org: Org) -> None:
    refused = token_client(org.coordinator).get(org_report(org), {"from": "2026-06" * 5})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "from"


def test_the_report_costs_the_same_queries_with_few_referrals_or_many(org: Org, coordinator_access: Any) -> None:
    client = token_client(org.coordinator)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(org_report(org), {"from": "2026-01", "to": "2026-06"}).status_code == 200
        return len(captured)

    with time_machine.travel(JUNE, tick=False):
        make_referral(org.organisation, person_name="First")
        queries()  # the token's first use of the minute is noted once
        few = queries()
        for number in range(20):
            make_referral(org.organisation, person_name=f"More {number}")
        assert queries() == few
