"""Matrix rows for the spine: accounts, circles, invitations, consent, audit, realtime, API basics."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from tests.matrix.base import World

# Columns: person, organiser, helper, paid_carer, professional, well_wisher, org_staff, outsider, anonymous.
# Circle pages: outsiders and organisation staff (no accepted referral) get 404, members without the
# capability 403. POSTs with an empty form reach validation (400) only for those allowed to act.
WEB: dict[tuple[str, str], str] = {
    ("web:home", "GET"): "302 302 302 302 302 302 302 302 200",
    ("web:home", "POST"): "405 405 405 405 405 405 405 405 405",
    ("web:healthz", "GET"): "200 200 200 200 200 200 200 200 200",
    ("web:healthz", "POST"): "405 405 405 405 405 405 405 405 405",
    ("web:ping", "GET"): "200 200 200 200 200 200 200 200 200",
    ("web:ping", "POST"): "405 405 405 405 405 405 405 405 405",
    ("accounts:signup", "GET"): "302 302 302 302 302 302 302 302 200",
    ("accounts:signup", "POST"): "400 400 400 400 400 400 400 400 400",
    ("accounts:login", "GET"): "302 302 302 302 302 302 302 302 200",
    ("accounts:login", "POST"): "400 400 400 400 400 400 400 400 400",
    ("accounts:logout", "GET"): "405 405 405 405 405 405 405 405 405",
    ("accounts:logout", "POST"): "302 302 302 302 302 302 302 302 302",
    ("accounts:verify_email_resend", "GET"): "405 405 405 405 405 405 405 405 405",
    ("accounts:verify_email_resend", "POST"): "302 302 302 302 302 302 302 302 302",
    ("accounts:verify_email", "GET"): "400 400 400 400 400 400 400 400 400",
    ("accounts:verify_email", "POST"): "400 400 400 400 400 400 400 400 400",
    ("accounts:password_reset", "GET"): "200 200 200 200 200 200 200 200 200",
    ("accounts:password_reset", "POST"): "400 400 400 400 400 400 400 400 400",
    ("accounts:password_reset_sent", "GET"): "200 200 200 200 200 200 200 200 200",
    ("accounts:password_reset_sent", "POST"): "405 405 405 405 405 405 405 405 405",
    ("accounts:password_reset_complete", "GET"): "200 200 200 200 200 200 200 200 200",
    ("accounts:password_reset_complete", "POST"): "405 405 405 405 405 405 405 405 405",
    ("accounts:password_reset_confirm", "GET"): "400 400 400 400 400 400 400 400 400",
    ("accounts:password_reset_confirm", "POST"): "400 400 400 400 400 400 400 400 400",
    ("accounts:password_change", "GET"): "200 200 200 200 200 200 200 200 302",
    ("accounts:password_change", "POST"): "400 400 400 400 400 400 400 400 302",
    ("accounts:profile", "GET"): "200 200 200 200 200 200 200 200 302",
    ("accounts:profile", "POST"): "400 400 400 400 400 400 400 400 302",
    ("accounts:sessions", "GET"): "200 200 200 200 200 200 200 200 302",
    ("accounts:sessions", "POST"): "405 405 405 405 405 405 405 405 302",
    ("accounts:sessions_sign_out_others", "GET"): "405 405 405 405 405 405 405 405 405",
    ("accounts:sessions_sign_out_others", "POST"): "302 302 302 302 302 302 302 302 302",
    ("accounts:session_sign_out", "GET"): "405 405 405 405 405 405 405 405 405",
    ("accounts:session_sign_out", "POST"): "404 302 404 404 404 404 404 404 302",
    ("accounts:tokens", "GET"): "200 200 200 200 200 200 200 200 302",
    ("accounts:tokens", "POST"): "400 400 400 400 400 400 400 400 302",
    ("accounts:token_revoke", "GET"): "405 405 405 405 405 405 405 405 405",
    ("accounts:token_revoke", "POST"): "404 302 404 404 404 404 404 404 302",
    # Organisation staff in no circle land on their organisation instead.
    ("circles:list", "GET"): "200 200 200 200 200 200 302 200 302",
    ("circles:list", "POST"): "405 405 405 405 405 405 405 405 405",
    ("circles:create", "GET"): "200 200 200 200 200 200 200 200 302",
    ("circles:create", "POST"): "400 400 400 400 400 400 400 400 302",
    ("circles:home", "GET"): "200 200 200 200 200 200 404 404 302",
    ("circles:home", "POST"): "405 405 405 405 405 405 405 405 405",
    ("circles:edit", "GET"): "200 200 403 403 403 403 404 404 302",
    ("circles:edit", "POST"): "400 400 403 403 403 403 404 404 302",
    ("circles:photo", "GET"): "200 200 200 200 200 200 404 404 302",
    ("circles:photo", "POST"): "405 405 405 405 405 405 405 405 405",
    ("circles:photo_change", "GET"): "405 405 405 405 405 405 405 405 405",
    ("circles:photo_change", "POST"): "400 400 403 403 403 403 404 404 302",
    ("circles:photo_remove", "GET"): "405 405 405 405 405 405 405 405 405",
    ("circles:photo_remove", "POST"): "302 302 403 403 403 403 404 404 302",
    ("circles:members", "GET"): "200 200 200 200 200 403 404 404 302",
    ("circles:members", "POST"): "405 405 405 405 405 405 405 405 405",
    ("circles:members_fragment", "GET"): "200 200 200 200 200 403 404 404 302",
    ("circles:members_fragment", "POST"): "405 405 405 405 405 405 405 405 405",
    ("circles:member_edit", "GET"): "200 200 403 403 403 403 404 404 302",
    ("circles:member_edit", "POST"): "400 400 403 403 403 403 404 404 302",
    ("circles:member_remove", "GET"): "200 200 403 403 403 403 404 404 302",
    ("circles:member_remove", "POST"): "302 302 403 403 403 403 404 404 302",
    ("circles:leave", "GET"): "200 200 200 200 200 200 404 404 302",
    ("circles:leave", "POST"): "302 409 302 302 302 302 404 404 302",
    ("circles:invite", "GET"): "200 200 403 403 403 403 404 404 302",
    ("circles:invite", "POST"): "400 400 403 403 403 403 404 404 302",
    ("circles:invitation_revoke", "GET"): "405 405 405 405 405 405 405 405 405",
    ("circles:invitation_revoke", "POST"): "302 302 403 403 403 403 404 404 302",
    ("circles:consent", "GET"): "200 200 200 200 200 200 404 404 302",
    ("circles:consent", "POST"): "302 403 403 403 403 403 404 404 302",
    ("circles:invitation", "GET"): "200 200 200 200 200 200 200 200 200",
    ("circles:invitation", "POST"): "200 200 200 200 200 200 302 302 302",
    ("audit:circle_log", "GET"): "200 200 403 403 403 403 404 404 302",
    ("audit:circle_log", "POST"): "405 405 405 405 405 405 405 405 405",
    ("realtime:events", "GET"): "200 200 200 200 200 200 404 404 404",
    ("realtime:events", "POST"): "405 405 405 405 405 405 405 405 405",
    ("notifications:outbox", "GET"): "404 404 404 404 404 404 404 404 404",
    ("notifications:outbox", "POST"): "405 405 405 405 405 405 405 405 405",
    ("api:api-root", "GET"): "404 404 404 404 404 404 404 404 404",
    ("api:api-root", "POST"): "404 404 404 404 404 404 404 404 404",
}

# API: 401 without credentials, 404 for outsiders, 403 without the capability; writes use valid bodies.
API: dict[tuple[str, str], str] = {
    ("circle_list", "GET"): "200 200 200 200 200 200 200 200 401",
    ("circle_create", "POST"): "201 201 201 201 201 201 201 201 401",
    ("circle_get", "GET"): "200 200 200 200 200 200 404 404 401",
    ("circle_update", "PATCH"): "200 200 403 403 403 403 404 404 401",
    ("audit_list", "GET"): "200 200 403 403 403 403 404 404 401",
    ("consent_get", "GET"): "200 200 200 200 200 200 404 404 401",
    ("consent_update", "PUT"): "200 403 403 403 403 403 404 404 401",
    ("event_list", "GET"): "200 200 200 200 200 200 404 404 401",
    ("invitation_list", "GET"): "200 200 403 403 403 403 404 404 401",
    ("invitation_create", "POST"): "201 201 403 403 403 403 404 404 401",
    ("invitation_revoke", "DELETE"): "204 204 403 403 403 403 404 404 401",
    ("circle_leave", "POST"): "204 409 204 204 204 204 404 404 401",
    ("member_list", "GET"): "200 200 200 200 200 403 404 404 401",
    ("member_remove", "DELETE"): "204 204 403 403 403 403 404 404 401",
    ("member_update", "PATCH"): "200 200 403 403 403 403 404 404 401",
    ("invitation_accept", "POST"): "200 200 200 200 200 200 200 200 401",
    ("me_get", "GET"): "200 200 200 200 200 200 200 200 401",
    ("token_list", "GET"): "200 200 200 200 200 200 200 200 401",
    ("token_create", "POST"): "201 201 201 201 201 201 201 201 401",
    ("token_revoke", "DELETE"): "404 204 404 404 404 404 404 404 401",
}

API_BODIES: dict[str, Any] = {
    "token_create": {"name": "Another"},
    "circle_create": {"person_name": "Mum", "relationship": "son"},
    "circle_update": {"person_name": "Dad"},
    "member_update": {"relationship": "son"},
    "invitation_create": {"role": "helper", "channel": "link"},
    "invitation_accept": lambda world: {"token": world.invitation_token},
    "consent_update": {"grants": {"well_wisher": ["updates.read"]}},
}


def url(world: World, name: str) -> str | None:
    """The URL for rows whose arguments aren't plain circle ids; None for the rest."""
    if name == "accounts:session_sign_out":
        return reverse(name, kwargs={"pk": world.organiser_session.pk})
    if name == "accounts:token_revoke":
        return reverse(name, kwargs={"pk": world.organiser_token.pk})
    if name == "accounts:verify_email":
        return reverse(name, kwargs={"token": "not-a-real-token"})
    if name == "accounts:password_reset_confirm":
        return reverse(name, kwargs={"uidb64": "MQ", "token": "set-password"})
    return None
