"""Staff see their organisation's requests to link a family's circle still waiting for an answer, and withdraw them."""

from __future__ import annotations

import datetime
from typing import Any

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from carecircle.audit.models import AuditEntry
from carecircle.orgs.access import access_organisation
from carecircle.orgs.circle_links import circle_link_request
from carecircle.orgs.models import CircleLinkRequest, Referral
from carecircle.orgs.referral_services import referral_assign, referral_move
from carecircle.orgs.services import organisation_staff_add
from tests.orgs.conftest import Org, make_referral, quick_user, text


def _asked(org: Org, access: Any, name: str, email: str) -> tuple[Referral, str]:
    referral = make_referral(org.organisation, person_name=name)
    referral_move(access=access, referral=referral, to="accepted")
    _, token = circle_link_request(access=access, referral=referral, email=email, consent_confirmed=True)
    return referral, token


def _list(org: Org) -> str:
    return reverse("orgs:circle_link_requests", kwargs={"organisation_id": org.organisation.pk})


def test_coordinators_see_what_waits_with_its_age_and_who_asked(
    org: Org, as_user: Any, coordinator_access: Any
) -> None:
    now = timezone.now()
    with time_machine.travel(now - datetime.timedelta(days=20)):
        _asked(org, coordinator_access, "Old Request", "old@example.org")
    with time_machine.travel(now - datetime.timedelta(days=3)):
        _asked(org, coordinator_access, "Dad", "sian@example.org")
    answered, _ = _asked(org, coordinator_access, "Answered Already", "done@example.org")
    CircleLinkRequest.objects.filter(referral=answered).update(status="declined")
    other_access = access_organisation(user=org.other_staff, organisation_id=org.other_organisation.pk)
    elsewhere = make_referral(org.other_organisation, person_name="Hillside Person")
    referral_move(access=other_access, referral=elsewhere, to="accepted")
    circle_link_request(access=other_access, referral=elsewhere, email="x@example.org", consent_confirmed=True)

    home = text(as_user(org.coordinator).get(reverse("orgs:home", kwargs={"organisation_id": org.organisation.pk})))
    assert f'href="{_list(org)}"' in home  # reachable from the organisation's pages
    page = text(as_user(org.coordinator).get(_list(org)))
    rows = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert rows.index("Old Request") < rows.index("Dad")  # oldest first
    assert "sian@example.org" in rows
    assert "3\xa0days (asked" in rows  # timesince keeps the number and its unit together
    assert rows.count(org.coordinator.display_name) == 2
    assert rows.count("Expired without an answer") == 1  # 20 days: past the 14 a link works
    assert "Answered Already" not in page
    assert "Hillside Person" not in page  # another organisation's


def test_the_list_is_for_those_who_ask_not_volunteers_or_other_organisations(org: Org, as_user: Any) -> None:
    assert as_user(org.admin).get(_list(org)).status_code == 200
    assert as_user(org.volunteer).get(_list(org)).status_code == 403
    assert as_user(org.other_staff).get(_list(org)).status_code == 404
    assert as_user(org.commissioner).get(_list(org)).status_code == 404


def test_the_list_costs_the_same_queries_however_many_wait(org: Org, as_user: Any, coordinator_access: Any) -> None:
    client = as_user(org.coordinator)
    _asked(org, coordinator_access, "First", "first@example.org")
    client.get(_list(org))
    with CaptureQueriesContext(connection) as few:
        client.get(_list(org))
    for number in range(6):
        helper = quick_user(f"coordinator{number}@example.org", f"Coordinator {number}")
        organisation_staff_add(actor=None, organisation=org.organisation, user=helper, role="coordinator")
        access = access_organisation(user=helper, organisation_id=org.organisation.pk)
        _asked(org, access, f"Person {number}", f"family{number}@example.org")
    with CaptureQueriesContext(connection) as many:
        page = text(client.get(_list(org)))
    assert page.count("Withdraw") >= 7
    assert len(many) == len(few)


def test_withdrawing_stops_the_emailed_link_and_is_recorded(org: Org, as_user: Any, coordinator_access: Any) -> None:
    referral, token = _asked(org, coordinator_access, "Dad", "sian@example.org")
    link_request = CircleLinkRequest.objects.get(referral=referral)
    address = reverse(
        "orgs:circle_link_withdraw",
        kwargs={"organisation_id": org.organisation.pk, "link_request_id": link_request.pk},
    )
    assert as_user(org.volunteer).post(address).status_code == 403
    assert as_user(org.other_staff).post(address).status_code == 404
    response = as_user(org.coordinator).post(address, follow=True)
    page = text(response)
    assert "The request to sian@example.org is withdrawn" in page
    assert "No requests are waiting for an answer." in page
    link_request.refresh_from_db()
    assert link_request.status == "withdrawn"
    assert AuditEntry.objects.filter(action="referral.circle_link_withdrawn").count() == 1
    referral_page = text(
        as_user(org.coordinator).get(
            reverse("orgs:referral", kwargs={"organisation_id": org.organisation.pk, "referral_id": referral.pk})
        )
    )
    assert "Withdrew the request to sian@example.org" in referral_page
    answer = as_user(org.admin).get(reverse("orgs:circle_link_answer", kwargs={"token": token}))
    assert answer.status_code == 410
    again = as_user(org.coordinator).post(address, follow=True)
    assert "already been answered or replaced" in text(again)
    missing = reverse(
        "orgs:circle_link_withdraw", kwargs={"organisation_id": org.organisation.pk, "link_request_id": 999_999}
    )
    assert as_user(org.coordinator).post(missing).status_code == 404


def test_closing_the_referral_withdraws_its_waiting_request(org: Org, as_user: Any, coordinator_access: Any) -> None:
    closed, closed_token = _asked(org, coordinator_access, "Closed Later", "two@example.org")
    _asked(org, coordinator_access, "Still Open", "three@example.org")
    closed = referral_assign(access=coordinator_access, referral=closed, assignee=org.volunteer)
    referral_move(access=coordinator_access, referral=closed, to="active")
    referral_move(access=coordinator_access, referral=closed, to="closed", outcome="supported")
    statuses = dict(CircleLinkRequest.objects.values_list("referral__person_name", "status"))
    assert statuses == {"Closed Later": "withdrawn", "Still Open": "pending"}
    page = text(as_user(org.coordinator).get(_list(org)))
    assert "Still Open" in page
    assert "Closed Later" not in page
    answer = as_user(org.admin).get(reverse("orgs:circle_link_answer", kwargs={"token": closed_token}))
    assert answer.status_code == 410
