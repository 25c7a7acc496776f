"""The API records where a referral's person was sent (idempotent by the service) and whether they used it."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from carecircle.orgs.access import access_organisation
from carecircle.orgs.models import DirectoryService, Referral, ReferralEvent, Signposting, SignpostingFigure
from carecircle.orgs.referral_services import referral_assign, referral_move
from carecircle.orgs.support_offers import uk_today
from tests.bursts import at_once
from tests.orgs.conftest import Org, make_referral
from tests.orgs.test_report_api import token_client


def _setup(org: Org) -> tuple[Referral, DirectoryService, str]:
    referral = make_referral(org.organisation, person_name="Ann Api")
    service = DirectoryService.objects.create(external_id="api-1", name="Lunch club", needs=" loneliness ")
    return referral, service, f"/api/v1/organisations/{org.organisation.pk}/referrals/{referral.pk}/signpostings"


def _errors(response: Any) -> dict[str, str]:
    return {error["field"]: error["message"] for error in response.json().get("errors", [])}


def test_a_coordinator_records_a_signposting_once_and_whether_they_used_it(org: Org) -> None:
    referral, service, address = _setup(org)
    client = token_client(org.coordinator)
    body = {"service_id": service.pk, "for_carer": True, "note": "Rang them"}
    made = client.post(address, body, content_type="application/json")
    assert made.status_code == 201, made.content
    sent = made.json()
    assert (sent["service_name"], sent["for_carer"], sent["use"], sent["used_on"]) == (
        "Lunch club",
        True,
        "not-known",
        None,
    )
    again = client.post(address, {"service_id": service.pk}, content_type="application/json")
    assert (again.status_code, again.json()["id"]) == (200, sent["id"])
    assert Signposting.objects.count() == 1

    use = f"{address}/{sent['id']}/use"
    today = uk_today().isoformat()
    recorded = client.put(use, {"use": "used", "used_on": today}, content_type="application/json")
    assert recorded.status_code == 200, recorded.content
    assert (recorded.json()["use"], recorded.json()["used_on"]) == ("used", today)
    same = client.put(use, {"use": "used", "used_on": today}, content_type="application/json")
    assert same.status_code == 200
    assert ReferralEvent.objects.filter(referral=referral, text__startswith="Used Lunch club").count() == 1
    cleared = client.put(use, {"use": "not-known"}, content_type="application/json")
    assert (cleared.json()["use"], cleared.json()["used_on"]) == ("not-known", None)

    listed = client.get(address)
    assert listed.status_code == 200
    assert [(one["id"], one["use"], one["note"]) for one in listed.json()] == [(sent["id"], "not-known", "Rang them")]
    kept = {(row.kind, row.key): row.count for row in SignpostingFigure.objects.exclude(count=0)}
    assert kept == {("sent", ""): 1, ("service", str(service.pk)): 1, ("referral", "new:"): 1, ("use", ""): 1}


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"service_id": 999999}, 422, "service_id"),
        ({"service_id": 0}, 422, "service_id"),
        ({"service_id": "lunch"}, 422, "service_id"),
        ({}, 422, "service_id"),
        ({"service_id": "SERVICE", "note": "x" * 2001}, 422, "note"),
        ({"service_id": "SERVICE", "note": "a\x00b"}, 422, "note"),
    ],
)
def test_a_signposting_it_cannot_use_is_refused_with_what_to_fix(
    org: Org, body: dict[str, Any], status: int, field: str
) -> None:
    _, service, address = _setup(org)
    body = {key: service.pk if value == "SERVICE" else value for key, value in body.items()}
    refused = token_client(org.coordinator).post(address, body, content_type="application/json")
    assert refused.status_code == status, refused.content
    assert field in _errors(refused)
    assert not Signposting.objects.exists()


def test_a_service_no_longer_listed_is_refused_and_bad_json_is_a_4xx(org: Org) -> None:
    _, service, address = _setup(org)
    service.active = False
    service.save(update_fields=["active"])
    client = token_client(org.coordinator)
    refused = client.post(address, {"service_id": service.pk}, content_type="application/json")
    assert refused.status_code == 400
    assert "no longer in the directory" in refused.json()["detail"]
    assert client.post(address, "{not json", content_type="application/json").status_code in {400, 422}
    assert not Signposting.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"use": "maybe"}, "use"),
        ({}, "use"),
        ({"use": "used"}, "used_on"),
        ({"use": "not-used", "used_on": "yesterday"}, "used_on"),
        ({"use": "used", "used_on": "FUTURE"}, "used_on"),
        ({"use": "used", "used_on": "2000-01-01"}, "used_on"),
    ],
)
def test_a_use_it_cannot_record_says_what_to_fix_and_changes_nothing(
    org: Org, body: dict[str, Any], field: str
) -> None:
    _, service, address = _setup(org)
    client = token_client(org.coordinator)
    sent = client.post(address, {"service_id": service.pk}, content_type="application/json").json()
    future = (uk_today() + datetime.timedelta(days=1)).isoformat()
    body = {key: future if value == "FUTURE" else value for key, value in body.items()}
    refused = client.put(f"{address}/{sent['id']}/use", body, content_type="application/json")
    assert refused.status_code == 422, refused.content
    assert field in _errors(refused)
    assert Signposting.objects.get().use == ""


def test_only_staff_who_may_work_on_the_referral_may_use_it(org: Org) -> None:
    referral, service, address = _setup(org)
    body = {"service_id": service.pk}
    # A volunteer: 404 until it is theirs, then as a coordinator.
    volunteer = token_client(org.volunteer)
    assert volunteer.post(address, body, content_type="application/json").status_code == 404
    assert volunteer.get(address).status_code == 404
    access = access_organisation(user=org.coordinator, organisation_id=org.organisation.pk)
    referral = referral_move(access=access, referral=referral, to="accepted")
    referral_assign(access=access, referral=referral, assignee=org.volunteer)
    made = volunteer.post(address, body, content_type="application/json")
    assert made.status_code == 201
    # Another organisation's staff and a commissioner: 404, as if it didn't exist.
    for outsider in (org.other_staff, org.commissioner):
        client = token_client(outsider)
        assert client.get(address).status_code == 404
        assert client.post(address, body, content_type="application/json").status_code == 404
        use = client.put(f"{address}/{made.json()['id']}/use", {"use": "not-known"}, content_type="application/json")
        assert use.status_code == 404
    # A signposting of another referral, through this one's address: 404.
    other = make_referral(org.organisation, person_name="Bob Other")
    other_address = f"/api/v1/organisations/{org.organisation.pk}/referrals/{other.pk}/signpostings"
    coordinator = token_client(org.coordinator)
    wrong = coordinator.put(
        f"{other_address}/{made.json()['id']}/use", {"use": "not-known"}, content_type="application/json"
    )
    assert wrong.status_code == 404
    assert Signposting.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_signposting_sent_at_once_is_recorded_once_and_counted_once(org: Org) -> None:
    _, service, address = _setup(org)
    clients = [token_client(org.coordinator) for _ in range(4)]

    def send(client: Any) -> Any:
        return lambda: client.post(address, {"service_id": service.pk}, content_type="application/json").status_code

    answers = at_once([send(client) for client in clients])
    assert sorted(answers) == [200, 200, 200, 201]
    assert Signposting.objects.count() == 1
    assert SignpostingFigure.objects.get(kind="sent").count == 1
