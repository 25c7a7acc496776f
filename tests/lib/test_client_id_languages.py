"""A reused client_id is refused in the request's language, naming what it was used for in that language too.

docs/architecture/i18n.md, "Text written in code, and the check that finds it".
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from carecircle.circles.services import circle_create
from tests.api.test_error_languages import token_client
from tests.cast import Cast


def post(client: Any, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "cy",
            "Mae'r client_id hwn eisoes wedi'i ddefnyddio ar gyfer eitem yn “Nodiadau dyddiol” (id {id}). "
            "Anfonwch client_id newydd ar gyfer rhywbeth newydd.",
        ),
        (
            "pl",
            "Ten client_id został już użyty dla: wpis w sekcji „Notatki dzienne” (id {id}). "
            "Dla czegoś nowego wyślij nowy client_id.",
        ),
        (
            "en-gb",
            "This client_id was already used for an entry in “Daily notes” (id {id}). "
            "Send a new client_id for something new.",
        ),
    ],
)
def test_a_record_entrys_client_id_reused_for_another_section(cast: Cast, language: str, expected: str) -> None:
    client = token_client(cast.organiser, language=language)
    key = str(uuid.uuid4())
    base = f"/api/v1/circles/{cast.circle.pk}/record"
    note = post(client, f"{base}/notes", {"values": {"text": "A good day."}, "client_id": key})

    medication = post(client, f"{base}/medications", {"values": {"name": "Metformin"}, "client_id": key})

    assert medication.status_code == 409
    assert medication.json()["detail"] == expected.format(id=note.json()["id"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("cy", "ar gyfer tasg mewn cylch arall (id {id})."),
        ("pl", "użyty dla: zadanie w innym kręgu (id {id})."),
    ],
)
def test_a_tasks_client_id_reused_in_another_circle(cast: Cast, language: str, expected: str) -> None:
    other = circle_create(actor=cast.organiser, person_name="Aunt May", relationship="niece")
    client = token_client(cast.organiser, language=language)
    body = {"title": "Shopping", "date": "2030-01-02", "client_id": str(uuid.uuid4())}
    task = post(client, f"/api/v1/circles/{cast.circle.pk}/tasks", body)
    assert task.status_code == 201, task.content

    again = post(client, f"/api/v1/circles/{other.pk}/tasks", body)

    assert again.status_code == 409
    assert expected.format(id=task.json()["id"]) in again.json()["detail"]
