"""Who may delete what is a capability in the map, not a side effect of writing (review finding 8)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from carecircle.circles.permissions import capabilities_for, default_consent
from carecircle.records.models import RecordEntry
from carecircle.records.sections import SECTION_BY_KEY
from carecircle.records.services import entry_create
from tests.api.conftest import token_client
from tests.cast import Cast


def add(cast: Cast, section: str, **values: str) -> RecordEntry:
    return entry_create(actor=cast.organiser, circle=cast.circle, section=SECTION_BY_KEY[section], values=values)


def api_delete(user, entry: RecordEntry):
    return token_client(user).delete(f"/api/v1/circles/{entry.circle_id}/record/{entry.section}/{entry.pk}")


@pytest.mark.parametrize(("name", "status"), [("paid_carer", 403), ("professional", 403), ("helper", 403)])
def test_only_the_owners_may_delete_the_emergency_plan(cast: Cast, name, status):
    plan = add(cast, "emergency", stand_ins="Jo, then Sam.")

    response = api_delete(cast.user(name), plan)

    assert response.status_code == status
    plan.refresh_from_db()
    assert plan.deleted_at is None


@pytest.mark.parametrize("name", ["organiser", "person"])
def test_the_owners_may_delete_the_emergency_plan(cast: Cast, name):
    plan = add(cast, "emergency", stand_ins="Jo, then Sam.")

    assert api_delete(cast.user(name), plan).status_code == 200


@pytest.mark.parametrize(("name", "status"), [("helper", 200), ("paid_carer", 403), ("professional", 403)])
def test_deleting_other_entries_follows_the_capability_map(cast: Cast, name, status):
    medication = add(cast, "medications", name="Metformin")

    assert api_delete(cast.user(name), medication).status_code == status


def test_a_paid_carer_may_still_add_and_change_but_sees_no_delete_button(cast: Cast):
    add(cast, "medications", name="Metformin")
    client = Client()
    client.force_login(cast.paid_carer)

    page = client.get(reverse("records:section", args=[cast.circle.pk, "medications"])).content.decode()

    assert "Change<span" in page
    assert ">Delete<" not in page


def test_deleting_is_in_the_map_and_consentable_for_carers():
    consent = default_consent()

    assert "records.delete" in capabilities_for(role="helper", consent=consent, person_is_member=False)
    assert "records.delete" not in capabilities_for(role="paid_carer", consent=consent, person_is_member=False)
    granted = {**consent, "paid_carer": [*consent["paid_carer"], "records.delete"]}
    assert "records.delete" in capabilities_for(role="paid_carer", consent=granted, person_is_member=False)
    assert "records.delete.single" not in capabilities_for(role="helper", consent=granted, person_is_member=False)
