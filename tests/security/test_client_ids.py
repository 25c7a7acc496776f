"""A client_id names one thing created: a retry gets it back, any other use is a 409 (review finding 2)."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from carecircle.circles.services import circle_create
from carecircle.conversations.models import CheckIn
from carecircle.lib.idempotency import ReusedClientId
from carecircle.records.models import RecordEntry, ShareLink
from carecircle.records.services import share_link_create
from carecircle.tasks.models import Task
from tests.api.conftest import token_client
from tests.bursts import at_once
from tests.cast import Cast
from tests.records.test_documents import PDF


def record_url(circle_id: int, section: str) -> str:
    return f"/api/v1/circles/{circle_id}/record/{section}"


def post(client: Any, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


@pytest.fixture
def other_circle(cast: Cast) -> Any:
    return circle_create(actor=cast.organiser, person_name="Aunt May", relationship="niece")


def test_a_medication_with_a_daily_note_s_client_id_is_a_conflict_and_stores_nothing(cast):
    client = token_client(cast.organiser)
    key = str(uuid.uuid4())
    note = post(client, record_url(cast.circle.pk, "notes"), {"values": {"text": "A good day."}, "client_id": key})
    assert note.status_code == 201, note.content

    medication = post(
        client, record_url(cast.circle.pk, "medications"), {"values": {"name": "Metformin"}, "client_id": key}
    )

    assert medication.status_code == 409
    assert "already used for an entry in “Daily notes”" in medication.json()["detail"]
    assert not RecordEntry.objects.filter(section="medications").exists()


def test_a_document_upload_with_a_note_s_client_id_is_a_conflict(cast):
    client = token_client(cast.organiser)
    key = str(uuid.uuid4())
    post(client, record_url(cast.circle.pk, "notes"), {"values": {"text": "A good day."}, "client_id": key})
    upload = SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf")

    response = client.post(
        record_url(cast.circle.pk, "documents/upload"), {"file": upload, "title": "Letter", "client_id": key}
    )

    assert response.status_code == 409
    assert not RecordEntry.objects.filter(section="documents").exists()


def test_a_retry_of_the_same_entry_returns_it(cast):
    client = token_client(cast.organiser)
    body = {"values": {"name": "Metformin"}, "client_id": str(uuid.uuid4())}

    first = post(client, record_url(cast.circle.pk, "medications"), body)
    again = post(client, record_url(cast.circle.pk, "medications"), body)

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]


def test_an_entry_s_client_id_in_another_circle_is_a_conflict_not_a_server_error(cast, other_circle):
    client = token_client(cast.organiser)
    body = {"values": {"name": "Metformin"}, "client_id": str(uuid.uuid4())}
    post(client, record_url(cast.circle.pk, "medications"), body)

    response = post(client, record_url(other_circle.pk, "medications"), body)

    assert response.status_code == 409
    assert "in another circle" in response.json()["detail"]
    assert not RecordEntry.objects.filter(circle=other_circle).exists()


def test_a_share_link_s_client_id_in_another_circle_is_a_conflict_not_a_server_error(cast, other_circle):
    key = uuid.uuid4()
    share_link_create(
        actor=cast.organiser, circle=cast.circle, recipient="Dr Shah", sections=["medications"], hours=24, client_id=key
    )

    with pytest.raises(ReusedClientId, match="a share link in another circle"):
        share_link_create(
            actor=cast.organiser,
            circle=other_circle,
            recipient="Dr Shah",
            sections=["medications"],
            hours=24,
            client_id=key,
        )
    assert ShareLink.objects.filter(circle=other_circle).count() == 0


def test_a_task_s_client_id_in_another_circle_is_a_conflict(cast, other_circle):
    client = token_client(cast.organiser)
    day = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    body = {"title": "Lift", "date": day, "client_id": str(uuid.uuid4())}
    assert post(client, f"/api/v1/circles/{cast.circle.pk}/tasks", body).status_code == 201

    response = post(client, f"/api/v1/circles/{other_circle.pk}/tasks", body)

    assert response.status_code == 409
    assert not Task.objects.filter(circle=other_circle).exists()


def test_a_check_in_s_client_id_in_another_circle_is_a_conflict(cast, other_circle):
    client = token_client(cast.organiser)
    body = {"feeling": 4, "audience": "everyone", "client_id": str(uuid.uuid4())}
    first = post(client, f"/api/v1/circles/{cast.circle.pk}/checkins", body)
    assert first.status_code == 201, first.content

    response = post(client, f"/api/v1/circles/{other_circle.pk}/checkins", body)

    assert response.status_code == 409
    assert CheckIn.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("path", "body", "stored"),
    [
        ("record/medications", {"values": {"name": "Metformin"}}, lambda: RecordEntry.objects.count()),
        ("tasks", {"title": "Lift", "date": "2100-05-01"}, lambda: Task.objects.count()),
    ],
)
def test_a_burst_of_identical_creates_stores_exactly_one(path, body, stored):
    from tests.cast import build_cast

    cast = build_cast()
    before = stored()
    key = str(uuid.uuid4())
    clients = [token_client(cast.organiser) for _ in range(8)]
    url = f"/api/v1/circles/{cast.circle.pk}/{path}"

    answers = at_once([lambda: post(clients.pop(), url, {**body, "client_id": key})] * 8)

    assert sorted({answer.status_code for answer in answers}) in ([201], [200, 201])
    assert len({answer.json()["id"] for answer in answers}) == 1
    assert stored() == before + 1
