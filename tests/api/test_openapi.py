"""The OpenAPI document and the docs page."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from tests.api.conftest import API
from tests.api.operations import api_operations
from tests.records.operations import RECORD_OPERATIONS

EXPECTED_OPERATIONS = {
    ("GET", "/api/v1/me", "me_get"),
    ("GET", "/api/v1/tokens", "token_list"),
    ("POST", "/api/v1/tokens", "token_create"),
    ("DELETE", "/api/v1/tokens/{token_id}", "token_revoke"),
    ("GET", "/api/v1/circles", "circle_list"),
    ("POST", "/api/v1/circles", "circle_create"),
    ("GET", "/api/v1/circles/{circle_id}", "circle_get"),
    ("PATCH", "/api/v1/circles/{circle_id}", "circle_update"),
    ("POST", "/api/v1/circles/{circle_id}/leave", "circle_leave"),
    ("GET", "/api/v1/circles/{circle_id}/members", "member_list"),
    ("PATCH", "/api/v1/circles/{circle_id}/members/{member_id}", "member_update"),
    ("DELETE", "/api/v1/circles/{circle_id}/members/{member_id}", "member_remove"),
    ("GET", "/api/v1/circles/{circle_id}/invitations", "invitation_list"),
    ("POST", "/api/v1/circles/{circle_id}/invitations", "invitation_create"),
    ("DELETE", "/api/v1/circles/{circle_id}/invitations/{invitation_id}", "invitation_revoke"),
    ("POST", "/api/v1/invitations/accept", "invitation_accept"),
    ("GET", "/api/v1/circles/{circle_id}/consent", "consent_get"),
    ("PUT", "/api/v1/circles/{circle_id}/consent", "consent_update"),
    ("GET", "/api/v1/circles/{circle_id}/audit", "audit_list"),
    ("GET", "/api/v1/circles/{circle_id}/events", "event_list"),
    ("GET", "/api/v1/circles/{circle_id}/conversations", "conversation_list"),
    ("POST", "/api/v1/circles/{circle_id}/conversations/direct", "direct_open"),
    ("GET", "/api/v1/circles/{circle_id}/conversations/{conversation_id}/messages", "message_list"),
    ("POST", "/api/v1/circles/{circle_id}/conversations/{conversation_id}/messages", "message_create"),
    ("GET", "/api/v1/circles/{circle_id}/conversations/{conversation_id}/messages/{message_id}", "message_get"),
    ("PATCH", "/api/v1/circles/{circle_id}/conversations/{conversation_id}/messages/{message_id}", "message_update"),
    ("DELETE", "/api/v1/circles/{circle_id}/conversations/{conversation_id}/messages/{message_id}", "message_remove"),
    (
        "POST",
        "/api/v1/circles/{circle_id}/conversations/{conversation_id}/messages/{message_id}/restore",
        "message_restore",
    ),
    (
        "PUT",
        "/api/v1/circles/{circle_id}/conversations/{conversation_id}/messages/{message_id}/reactions/{reaction}",
        "reaction_add",
    ),
    (
        "DELETE",
        "/api/v1/circles/{circle_id}/conversations/{conversation_id}/messages/{message_id}/reactions/{reaction}",
        "reaction_remove",
    ),
    ("PUT", "/api/v1/circles/{circle_id}/conversations/{conversation_id}/read", "read_marker_set"),
    ("GET", "/api/v1/circles/{circle_id}/updates", "update_list"),
    ("POST", "/api/v1/circles/{circle_id}/updates", "update_create"),
    ("GET", "/api/v1/circles/{circle_id}/checkins", "checkin_list"),
    ("POST", "/api/v1/circles/{circle_id}/checkins", "checkin_create"),
    ("GET", "/api/v1/circles/{circle_id}/occurrences", "occurrence_list"),
    ("POST", "/api/v1/circles/{circle_id}/tasks", "task_create"),
    ("GET", "/api/v1/circles/{circle_id}/tasks/{task_id}", "task_get"),
    ("PUT", "/api/v1/circles/{circle_id}/tasks/{task_id}", "task_update"),
    ("POST", "/api/v1/circles/{circle_id}/tasks/{task_id}/cancel", "task_cancel"),
    ("POST", "/api/v1/circles/{circle_id}/tasks/{task_id}/volunteer", "task_volunteer"),
    ("POST", "/api/v1/circles/{circle_id}/tasks/{task_id}/withdraw", "task_withdraw"),
    ("POST", "/api/v1/circles/{circle_id}/tasks/{task_id}/done", "task_done"),
    ("GET", "/api/v1/circles/{circle_id}/visits", "visit_log_list"),
    ("POST", "/api/v1/circles/{circle_id}/tasks/{task_id}/visits", "visit_log_create"),
    ("GET", "/api/v1/calendar-feeds", "calendar_feed_list"),
    ("POST", "/api/v1/calendar-feeds", "calendar_feed_renew"),
    ("DELETE", "/api/v1/calendar-feeds/{feed_id}", "calendar_feed_revoke"),
}
EXPECTED_OPERATIONS |= RECORD_OPERATIONS
EXPECTED_OPERATIONS |= {
    ("GET", "/api/v1/notifications", "notification_list"),
    ("POST", "/api/v1/notifications/read", "notification_read"),
    ("GET", "/api/v1/notifications/preferences", "notification_preferences_get"),
    ("PUT", "/api/v1/notifications/preferences", "notification_preferences_set"),
    ("GET", "/api/v1/notifications/push", "push_device_list"),
    ("POST", "/api/v1/notifications/push/subscribe", "push_subscribe"),
    ("POST", "/api/v1/notifications/push/unsubscribe", "push_unsubscribe"),
    ("GET", "/api/v1/notifications/deliveries", "delivery_list"),
    ("GET", "/api/v1/notifications/deliveries/{delivery_id}", "delivery_get"),
    ("POST", "/api/v1/organisations/{organisation_id}/invite-codes", "org_invite_code_create"),
    ("GET", "/api/v1/organisations/{organisation_id}/invite-codes", "org_invite_code_list"),
    ("POST", "/api/v1/organisations/{organisation_id}/invite-codes/{code_id}/stop", "org_invite_code_stop"),
    ("POST", "/api/v1/organisations/{organisation_id}/referrals", "org_referral_create"),
    ("GET", "/api/v1/organisations/{organisation_id}/referrals", "org_referral_list"),
    ("GET", "/api/v1/organisations/{organisation_id}/referrals/{referral_id}", "org_referral_get"),
    (
        "GET",
        "/api/v1/organisations/{organisation_id}/referrals/{referral_id}/signpostings",
        "org_signposting_list",
    ),
    (
        "POST",
        "/api/v1/organisations/{organisation_id}/referrals/{referral_id}/signpostings",
        "org_signposting_create",
    ),
    (
        "PUT",
        "/api/v1/organisations/{organisation_id}/referrals/{referral_id}/signpostings/{signposting_id}/use",
        "org_signposting_use_record",
    ),
    ("GET", "/api/v1/organisations/{organisation_id}/report", "org_report_get"),
    ("GET", "/api/v1/commissioning/report", "commissioning_report_get"),
}


def _document() -> dict[str, Any]:
    response = Client().get(f"{API}/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = json.loads(response.content)
    return document


def test_the_document_is_public_json_describing_the_api(db):
    document = _document()

    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "CareCircle API"
    assert document["info"]["version"] == "1"


def test_it_lists_every_operation(db):
    assert set(api_operations()) == EXPECTED_OPERATIONS


def test_every_operation_has_its_own_id_and_a_summary(db):
    operations = [
        operation
        for path_item in _document()["paths"].values()
        for method, operation in path_item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]

    ids = [operation.get("operationId") for operation in operations]
    assert all(ids)
    assert len(ids) == len(set(ids))
    assert all(operation.get("summary") for operation in operations)


def test_every_operation_documents_its_error_responses_in_one_shape(db):
    document = _document()
    error_ref = "#/components/schemas/ErrorOut"

    for path, path_item in document["paths"].items():
        for method, operation in path_item.items():
            responses = operation["responses"]
            assert "401" in responses, (method, path)
            errors = {code: body for code, body in responses.items() if code.startswith(("4", "5"))}
            for code, body in errors.items():
                schema_ref = body["content"]["application/json"]["schema"]["$ref"]
                assert schema_ref == error_ref, (method, path, code)


def test_every_operation_accepts_a_token_or_a_session(db):
    document = _document()

    for path_item in document["paths"].values():
        for operation in path_item.values():
            assert operation["security"] == [{"TokenAuth": []}, {"SessionAuth": []}]
    schemes = document["components"]["securitySchemes"]
    assert schemes["TokenAuth"] == {"type": "http", "scheme": "bearer"}


def test_the_docs_page_serves_its_files_from_this_site(db):
    response = Client().get(f"{API}/docs")

    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui-bundle.js" in page
    assert "cdn." not in page


def test_the_api_root_points_to_the_openapi_document_and_the_docs(db: None) -> None:
    from django.test import Client

    response = Client().get("/api/v1/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    index = response.json()
    assert index["openapi"] == "http://testserver/api/v1/openapi.json"
    assert index["docs"] == "http://testserver/api/v1/docs"
    assert Client().get(index["openapi"]).status_code == 200
    assert "Bearer" in index["authentication"]
