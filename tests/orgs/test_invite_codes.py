"""Invite codes: issued by staff, hashed, limited, stopped; they start a circle linked with consent."""

from __future__ import annotations

import datetime
import re
import uuid
from functools import partial
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from carecircle.accounts.models import User
from carecircle.accounts.services import api_token_create
from carecircle.audit.models import AuditEntry
from carecircle.circles.models import Circle, Membership, Role
from carecircle.lib.tokens import secret_hash
from carecircle.orgs.access import access_organisation
from carecircle.orgs.invite_codes import (
    InviteCodeError,
    InviteCodeGone,
    circle_start_with_code,
    invite_code_create,
    normalise,
)
from carecircle.orgs.models import InviteCode, Organisation, OrganisationCircle, OrganisationStaff, StaffRole
from carecircle.orgs.services import organisation_create, organisation_staff_add
from tests.bursts import at_once
from tests.orgs.conftest import Org, quick_user, text


def _code(org: Org, *, max_uses: int = 5, valid_days: int = 30) -> tuple[InviteCode, str]:
    access = access_organisation(user=org.coordinator, organisation_id=org.organisation.pk)
    return invite_code_create(access=access, label="Leaflet", max_uses=max_uses, valid_days=valid_days)


def _start(user: User, organisation: Organisation, code: str, **more: Any) -> Circle:
    values: dict[str, Any] = {
        "person_name": "Mary Jones",
        "for_self": False,
        "relationship": "daughter",
        "consent_given_by": "person",
        "consent_confirmed": True,
    }
    values.update(more)
    return circle_start_with_code(actor=user, organisation=organisation, code=code, **values)


def test_staff_make_a_code_shown_once_and_kept_only_as_a_hash(org: Org, as_user: Any) -> None:
    client = as_user(org.coordinator)
    url = reverse("orgs:invite_codes", kwargs={"organisation_id": org.organisation.pk})
    response = client.post(url, {"label": "Carers' centre leaflet", "max_uses": 20, "valid_days": 90}, follow=True)
    page = text(response)
    shown = re.search(r"is ([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})\. Write it down", page)
    assert shown is not None
    invite_code = InviteCode.objects.get()
    assert invite_code.code_hash == secret_hash(normalise(shown.group(1)))
    assert shown.group(1) not in str(list(InviteCode.objects.values()))
    again = text(client.get(url))
    assert shown.group(1) not in again
    assert f"…{shown.group(1)[-4:]}" in again
    assert AuditEntry.objects.filter(action="organisation.invite_code_created").count() == 1


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"label": ""}, "This field is required."),
        ({"max_uses": 0}, "greater than or equal to 1"),
        ({"valid_days": 400}, "less than or equal to 366"),
    ],
)
def test_a_bad_code_form_is_refused(org: Org, as_user: Any, form: dict[str, Any], message: str) -> None:
    values = {"label": "Leaflet", "max_uses": 5, "valid_days": 30, **form}
    url = reverse("orgs:invite_codes", kwargs={"organisation_id": org.organisation.pk})
    response = as_user(org.coordinator).post(url, values)
    assert response.status_code == 400
    assert message in text(response)
    assert not InviteCode.objects.exists()


def test_the_code_journey_records_consent_and_links_the_circle_without_giving_staff_access(
    org: Org, as_user: Any
) -> None:
    _, code = _code(org)
    family = quick_user("rhys@example.org", "Rhys Jones")
    client = as_user(family)
    landing = reverse("orgs:landing", kwargs={"organisation_slug": org.organisation.slug})
    assert org.organisation.name in text(client.get(landing))
    entered = client.post(landing, {"code": code.lower().replace("-", " ")})
    start = reverse("orgs:start_with_code", kwargs={"organisation_slug": org.organisation.slug})
    assert entered["Location"] == start
    page = text(client.get(start))
    assert "They will not see anything in the circle unless someone in it invites them." in page
    refused = client.post(start, {"person_name": "Mary Jones", "consent_given_by": "person"})
    assert refused.status_code == 400
    assert "Tick the box to say they agree" in text(refused)
    assert InviteCode.objects.get().uses == 0
    form_id = str(uuid.uuid4())
    form = {"person_name": "Mary Jones", "consent_given_by": "person", "consent": "on", "client_id": form_id}
    done = client.post(start, form)
    circle = Circle.objects.get(created_by=family)
    # A double click: the second post finds the circle the first started, and uses no more of the code.
    assert client.post(start, form)["Location"] == done["Location"]
    assert done["Location"] == reverse("circles:home", kwargs={"circle_id": circle.pk})
    link = OrganisationCircle.objects.get()
    assert (link.organisation, link.circle, link.consent_given_by) == (org.organisation, circle, "person")
    assert "will know that this circle was started with their code" in link.consent_to
    assert Membership.objects.get(circle=circle).user == family
    assert Membership.objects.get(circle=circle).role == Role.ORGANISER
    staff_ids = OrganisationStaff.objects.filter(organisation=org.organisation).values("user_id")
    assert not Membership.objects.filter(circle=circle, user_id__in=staff_ids).exists()
    assert InviteCode.objects.get().uses == 1
    assert AuditEntry.objects.filter(action="circle.linked_to_organisation", circle=circle).count() == 1


def test_the_same_form_twice_starts_one_circle_and_uses_the_code_once(org: Org) -> None:
    _, code = _code(org)
    family = quick_user("rhys@example.org", "Rhys Jones")
    form_id = uuid.uuid4()
    first = _start(family, org.organisation, code, client_id=form_id)
    second = _start(family, org.organisation, code, client_id=form_id)
    assert first == second
    assert InviteCode.objects.get().uses == 1


def test_someone_signed_out_is_asked_to_sign_in_and_keeps_their_code(org: Org, as_user: Any) -> None:
    _, code = _code(org)
    client = as_user(None)
    landing = reverse("orgs:landing", kwargs={"organisation_slug": org.organisation.slug})
    start = reverse("orgs:start_with_code", kwargs={"organisation_slug": org.organisation.slug})
    assert client.post(landing, {"code": code})["Location"] == start
    assert client.get(start)["Location"].startswith(reverse("accounts:login"))
    assert client.session["orgs_invite_code"]["code"] == normalise(code)


def test_a_wrong_expired_stopped_or_used_up_code_is_refused_with_what_to_do(org: Org, as_user: Any) -> None:
    landing = reverse("orgs:landing", kwargs={"organisation_slug": org.organisation.slug})
    client = as_user(None)
    wrong = client.post(landing, {"code": "AAAA-BBBB-CCCC"})
    assert wrong.status_code == 400
    assert "That code doesn't work here." in text(wrong)
    invite_code, code = _code(org, max_uses=1, valid_days=1)
    other = organisation_create(actor=None, name="Elsewhere")
    elsewhere = client.post(reverse("orgs:landing", kwargs={"organisation_slug": other.slug}), {"code": code})
    assert "That code doesn't work here." in text(elsewhere)
    _start(quick_user("a@example.org", "A"), org.organisation, code)
    used = client.post(landing, {"code": code})
    assert used.status_code == 410
    assert "used as many times as it can be" in text(used)
    invite_code, code = _code(org, valid_days=1)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=2)):
        assert "This code has expired." in text(client.post(landing, {"code": code}))
    invite_code, code = _code(org)
    revoke = reverse(
        "orgs:invite_code_revoke", kwargs={"organisation_id": org.organisation.pk, "code_id": invite_code.pk}
    )
    assert as_user(org.volunteer).post(revoke).status_code == 403
    assert as_user(org.coordinator).post(revoke).status_code == 302
    stopped = client.post(landing, {"code": code})
    assert (stopped.status_code, "stopped by the organisation" in text(stopped)) == (410, True)
    with pytest.raises(InviteCodeGone):
        _start(quick_user("b@example.org", "B"), org.organisation, code)


def test_guessing_codes_is_limited_per_address(org: Org, as_user: Any, settings: Any) -> None:
    settings.ORGS_INVITE_CODE_TRIES_PER_HOUR = 3
    _, code = _code(org)
    client = as_user(None)
    landing = reverse("orgs:landing", kwargs={"organisation_slug": org.organisation.slug})
    for guess in range(3):
        assert client.post(landing, {"code": f"AAAA-BBBB-CCC{guess + 2}"}).status_code == 400
    blocked = client.post(landing, {"code": code})
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) > 0
    assert "Too many codes have been tried" in text(blocked)


def test_a_code_starts_only_so_many_circles_an_hour(org: Org, settings: Any) -> None:
    settings.ORGS_INVITE_CODE_USES_PER_HOUR = 2
    _, code = _code(org, max_uses=10)
    for number in range(2):
        _start(quick_user(f"p{number}@example.org", "P"), org.organisation, code)
    with pytest.raises(InviteCodeError, match="used a lot in the last hour"):
        _start(quick_user("late@example.org", "Late"), org.organisation, code)
    assert InviteCode.objects.get().uses == 2


def test_codes_are_for_the_organisations_coordinators_and_admins(org: Org, as_user: Any) -> None:
    url = reverse("orgs:invite_codes", kwargs={"organisation_id": org.organisation.pk})
    assert as_user(org.admin).get(url).status_code == 200
    assert as_user(org.volunteer).get(url).status_code == 403
    assert as_user(org.other_staff).get(url).status_code == 404
    assert as_user(org.commissioner).get(url).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_people_using_the_last_uses_at_once_never_over_uses_the_code() -> None:
    organisation = organisation_create(actor=None, name="Burst Helpers")
    coordinator = quick_user("coordinator@example.org", "Coordinator")
    organisation_staff_add(actor=None, organisation=organisation, user=coordinator, role=StaffRole.COORDINATOR)
    access = access_organisation(user=coordinator, organisation_id=organisation.pk)
    _, code = invite_code_create(access=access, label="Burst", max_uses=3, valid_days=5)
    people = [quick_user(f"person{number}@example.org", f"Person {number}") for number in range(10)]

    def use(user: User) -> str:
        try:
            _start(user, organisation, code)
        except InviteCodeGone:
            return "used up"
        return "started"

    outcomes = at_once([partial(use, person) for person in people])
    assert sorted(outcomes) == ["started"] * 3 + ["used up"] * 7
    assert InviteCode.objects.get().uses == 3
    assert OrganisationCircle.objects.count() == Circle.objects.count() == 3


def test_the_api_makes_lists_and_stops_codes(org: Org) -> None:
    _, secret = api_token_create(actor=org.coordinator, name="Roll-out")
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    address = f"/api/v1/organisations/{org.organisation.pk}/invite-codes"
    made = client.post(address, {"label": "Surgery", "max_uses": 3, "valid_days": 10}, content_type="application/json")
    assert made.status_code == 201
    code = made.json()["code"]
    assert InviteCode.objects.get().code_hash == secret_hash(normalise(code))
    listed = client.get(address).json()
    assert [(item["label"], item["hint"]) for item in listed] == [("Surgery", normalise(code)[-4:])]
    assert "code" not in listed[0]
    bad = client.post(address, {"label": "", "max_uses": 0, "valid_days": 10}, content_type="application/json")
    assert bad.status_code == 422
    stop = f"{address}/{made.json()['id']}/stop"
    assert client.post(stop).status_code == 200
    assert client.post(stop).status_code == 409
    _, volunteer = api_token_create(actor=org.volunteer, name="v")
    assert Client(headers={"Authorization": f"Bearer {volunteer}"}).get(address).status_code == 403
