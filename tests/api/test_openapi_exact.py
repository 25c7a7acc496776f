"""The OpenAPI document describes the API exactly (review finding 7): checked against real answers."""

from __future__ import annotations

import datetime
import json
import re
import uuid
from typing import Any

from django.utils import timezone

from carecircle.api.api import api
from carecircle.conversations.models import Audience as CheckInAudience
from carecircle.records.models import Audience as RecordAudience
from tests.api.conftest import token_client
from tests.cast import Cast


def document() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(json.dumps(api.get_openapi_schema()))
    return loaded


def walk(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found.extend(walk(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(walk(value))
    return found


def schema_of(name: str, field: str) -> dict[str, Any]:
    schema: dict[str, Any] = document()["components"]["schemas"][name]["properties"][field]
    return schema


def test_each_enum_has_its_own_name_and_its_own_values(db):
    """Two different enums once shared the component name Audience, and one was documented wrong."""
    components = document()["components"]["schemas"]

    # The upload form's field keeps the model's name; it must be the record's values, not check-ins'.
    assert components.get("Audience", {}).get("enum", list(RecordAudience.values)) == list(RecordAudience.values)
    assert schema_of("EntryIn", "audience")["enum"] == list(RecordAudience.values)
    assert schema_of("EntryIn", "audience")["title"] == "RecordAudience"
    assert schema_of("CheckInIn", "audience")["enum"] == list(CheckInAudience.values)
    assert schema_of("CheckInIn", "audience")["title"] == "CheckInAudience"


def test_wall_clock_times_are_documented_as_sent(cast: Cast):
    day = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    task = token_client(cast.organiser).post(
        f"/api/v1/circles/{cast.circle.pk}/tasks",
        {"title": "Lift", "date": day, "start_time": "10:30:00"},
        content_type="application/json",
    )
    documented = schema_of("TaskOut", "start_time")["anyOf"][0]

    assert all(node.get("format") != "time" for node in walk(document()))
    assert re.fullmatch(documented["pattern"], task.json()["start_time"])


def test_entry_create_does_not_offer_documents(db):
    operation = document()["paths"]["/api/v1/circles/{circle_id}/record/{section}"]["post"]
    section = next(parameter for parameter in operation["parameters"] if parameter["name"] == "section")

    assert "documents" not in section["schema"]["enum"]


def test_true_is_not_a_circle_id(cast: Cast):
    response = token_client(cast.organiser).post(
        "/api/v1/calendar-feeds", {"circle_id": True}, content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "circle_id"


def test_a_code_needs_somewhere_to_go(cast: Cast):
    response = token_client(cast.organiser).post(
        f"/api/v1/circles/{cast.circle.pk}/record/share-links",
        {
            "recipient": "Dr Shah",
            "sections": ["medications"],
            "hours": 24,
            "code_channel": "email",
            "code_to": "",
            "client_id": str(uuid.uuid4()),
        },
        content_type="application/json",
    )

    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == "code_to"
