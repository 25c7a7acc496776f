"""Matrix rows for the spine: accounts, circles, invitations, consent, audit, realtime, API basics."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from carecircle.accounts.models import ApiToken, User
from carecircle.circles.models import Circle, Invitation, Membership
from tests.cast import PASSWORD
from tests.matrix.base import COLUMNS, World, Write

# Columns: person, organiser, helper, paid_carer, professional, well_wisher, org_staff, outsider, anonymous.
# Circle pages: outsiders and organisation staff (no accepted referral) get 404, members without the
# capability 403. POSTs send a valid form (WRITES) and redirect once done.
WEB: dict[tuple[str, str], str] = {
    ("web:home", "GET"): "302 302 302 302 302 302 302 302 200",
    ("web:home", "POST"): "405 405 405 405 405 405 405 405 405",
    ("web:accessibility", "GET"): "200 200 200 200 200 200 200 200 200",
    ("web:accessibility", "POST"): "405 405 405 405 405 405 405 405 405",
    # The footer's language switcher: anyone may choose; a member's choice is saved on their profile.
    ("web:language", "GET"): "405 405 405 405 405 405 405 405 405",
    ("web:language", "POST"): "302 302 302 302 302 302 302 302 302",
    ("web:healthz", "GET"): "200 200 200 200 200 200 200 200 200",
    ("web:healthz", "POST"): "405 405 405 405 405 405 405 405 405",
    ("web:ping", "GET"): "200 200 200 200 200 200 200 200 200",
    # Installable and offline (web/offline.py): the same for everyone, nothing of a circle in them.
    ("web:sw", "GET"): "200 200 200 200 200 200 200 200 200",
    ("web:sw", "POST"): "405 405 405 405 405 405 405 405 405",
    # The scripts' words: asked for without ?lang= (as here) a plain 404; tests/web/test_script_words.py.
    ("web:words", "GET"): "404 404 404 404 404 404 404 404 404",
    ("web:words", "POST"): "405 405 405 405 405 405 405 405 405",
    ("web:manifest", "GET"): "200 200 200 200 200 200 200 200 200",
    ("web:manifest", "POST"): "405 405 405 405 405 405 405 405 405",
    ("web:offline", "GET"): "200 200 200 200 200 200 200 200 200",
    ("web:offline", "POST"): "405 405 405 405 405 405 405 405 405",
    ("web:ping", "POST"): "405 405 405 405 405 405 405 405 405",
    # Providers' webhooks: a session is no proof; without the provider's signature or token, 403 for all.
    ("web:sms-inbound-twilio", "GET"): "405 405 405 405 405 405 405 405 405",
    ("web:sms-inbound-twilio", "POST"): "403 403 403 403 403 403 403 403 403",
    ("web:sms-inbound-notify", "GET"): "405 405 405 405 405 405 405 405 405",
    ("web:sms-inbound-notify", "POST"): "403 403 403 403 403 403 403 403 403",
    ("accounts:signup", "GET"): "302 302 302 302 302 302 302 302 200",
    ("accounts:signup", "POST"): "302 302 302 302 302 302 302 302 302",
    ("accounts:login", "GET"): "302 302 302 302 302 302 302 302 200",
    ("accounts:login", "POST"): "400 400 400 400 400 400 400 400 400",
    # Signing in by text: signed-in visitors are sent on; an empty form is refused (400) for everyone.
    ("accounts:sign_in_text", "GET"): "302 302 302 302 302 302 302 302 200",
    ("accounts:sign_in_text", "POST"): "400 400 400 400 400 400 400 400 400",
    # No code asked for in this browser: back to asking for one.
    ("accounts:sign_in_text_code", "GET"): "302 302 302 302 302 302 302 302 302",
    ("accounts:sign_in_text_code", "POST"): "302 302 302 302 302 302 302 302 302",
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
    ("accounts:password_change", "POST"): "302 302 302 302 302 302 302 302 302",
    ("accounts:profile", "GET"): "200 200 200 200 200 200 200 200 302",
    ("accounts:profile", "POST"): "302 302 302 302 302 302 302 302 302",
    # Choosing a time zone away from the account page: the same for every signed-in account, its own zone.
    ("accounts:time_zone_regions", "GET"): "200 200 200 200 200 200 200 200 302",
    ("accounts:time_zone_regions", "POST"): "405 405 405 405 405 405 405 405 302",
    ("accounts:time_zone_region", "GET"): "200 200 200 200 200 200 200 200 302",
    ("accounts:time_zone_region", "POST"): "405 405 405 405 405 405 405 405 302",
    ("accounts:time_zone_country", "GET"): "200 200 200 200 200 200 200 200 302",
    ("accounts:time_zone_country", "POST"): "302 302 302 302 302 302 302 302 302",
    ("accounts:sessions", "GET"): "200 200 200 200 200 200 200 200 302",
    ("accounts:sessions", "POST"): "405 405 405 405 405 405 405 405 302",
    ("accounts:sessions_sign_out_others", "GET"): "405 405 405 405 405 405 405 405 405",
    ("accounts:sessions_sign_out_others", "POST"): "302 302 302 302 302 302 302 302 302",
    ("accounts:session_sign_out", "GET"): "405 405 405 405 405 405 405 405 405",
    ("accounts:session_sign_out", "POST"): "404 302 404 404 404 404 404 404 302",
    ("accounts:tokens", "GET"): "200 200 200 200 200 200 200 200 302",
    # The new token's secret is shown once, on the page itself.
    ("accounts:tokens", "POST"): "200 200 200 200 200 200 200 200 302",
    ("accounts:token_revoke", "GET"): "405 405 405 405 405 405 405 405 405",
    ("accounts:token_revoke", "POST"): "404 302 404 404 404 404 404 404 302",
    # Organisation staff in no circle land on their organisation instead.
    ("circles:list", "GET"): "200 200 200 200 200 200 302 200 302",
    ("circles:list", "POST"): "405 405 405 405 405 405 405 405 405",
    ("circles:create", "GET"): "200 200 200 200 200 200 200 200 302",
    ("circles:create", "POST"): "302 302 302 302 302 302 302 302 302",
    ("circles:home", "GET"): "200 200 200 200 200 200 404 404 302",
    ("circles:home", "POST"): "405 405 405 405 405 405 405 405 405",
    ("circles:edit", "GET"): "200 200 403 403 403 403 404 404 302",
    ("circles:edit", "POST"): "302 302 403 403 403 403 404 404 302",
    ("circles:photo", "GET"): "200 200 200 200 200 200 404 404 302",
    ("circles:photo", "POST"): "405 405 405 405 405 405 405 405 405",
    ("circles:photo_change", "GET"): "405 405 405 405 405 405 405 405 405",
    ("circles:photo_change", "POST"): "302 302 403 403 403 403 404 404 302",
    ("circles:photo_remove", "GET"): "405 405 405 405 405 405 405 405 405",
    ("circles:photo_remove", "POST"): "302 302 403 403 403 403 404 404 302",
    ("circles:members", "GET"): "200 200 200 200 200 403 404 404 302",
    ("circles:members", "POST"): "405 405 405 405 405 405 405 405 405",
    ("circles:members_fragment", "GET"): "200 200 200 200 200 403 404 404 302",
    ("circles:members_fragment", "POST"): "405 405 405 405 405 405 405 405 405",
    ("circles:member_edit", "GET"): "200 200 403 403 403 403 404 404 302",
    ("circles:member_edit", "POST"): "302 302 403 403 403 403 404 404 302",
    ("circles:member_remove", "GET"): "200 200 403 403 403 403 404 404 302",
    ("circles:member_remove", "POST"): "302 302 403 403 403 403 404 404 302",
    ("circles:leave", "GET"): "200 200 200 200 200 200 404 404 302",
    ("circles:leave", "POST"): "302 409 302 302 302 302 404 404 302",
    ("circles:invite", "GET"): "200 200 403 403 403 403 404 404 302",
    # The invitation link is shown once, on the page itself.
    ("circles:invite", "POST"): "200 200 403 403 403 403 404 404 302",
    # The invitations waiting, a part at a time (the people page shows their count): as inviting.
    ("circles:invitations", "GET"): "200 200 403 403 403 403 404 404 302",
    ("circles:invitations", "POST"): "405 405 405 405 405 405 405 405 405",
    ("circles:invitation_revoke", "GET"): "405 405 405 405 405 405 405 405 405",
    ("circles:invitation_revoke", "POST"): "302 302 403 403 403 403 404 404 302",
    ("circles:consent", "GET"): "200 200 200 200 200 200 404 404 302",
    ("circles:consent", "POST"): "302 403 403 403 403 403 404 404 302",
    ("circles:invitation", "GET"): "200 200 200 200 200 200 200 200 200",
    ("circles:invitation", "POST"): "200 200 200 200 200 200 302 302 302",
    # The world's invitation was made as a link, so it can't be joined by text (tests/circles/test_join_by_text.py).
    ("circles:invitation_by_text", "GET"): "404 404 404 404 404 404 404 404 404",
    ("circles:invitation_by_text", "POST"): "404 404 404 404 404 404 404 404 404",
    ("audit:circle_log", "GET"): "200 200 403 403 403 403 404 404 302",
    ("audit:circle_log", "POST"): "405 405 405 405 405 405 405 405 405",
    ("realtime:events", "GET"): "200 200 200 200 200 200 404 404 404",
    ("realtime:events", "POST"): "405 405 405 405 405 405 405 405 405",
    ("notifications:outbox", "GET"): "404 404 404 404 404 404 404 404 404",
    ("notifications:outbox", "POST"): "405 405 405 405 405 405 405 405 405",
    # ninja's own name for /api/v1/, where the public index (api:index) answers.
    ("api:api-root", "GET"): "200 200 200 200 200 200 200 200 200",
    ("api:api-root", "POST"): "405 405 405 405 405 405 405 405 405",
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

# The WebSocket route: every member connects and hears their circle's events, organisation staff
# and outsiders connect but hear nothing from it, and a signed-out visitor is closed with 4401.
# tests/realtime/test_websocket_matrix.py checks it.
WEBSOCKET: dict[str, str] = {
    "ws/": "hears hears hears hears hears hears deaf deaf refused",
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


def _count(model: Any, **filters: Any) -> Any:
    return lambda world: model.objects.filter(**filters).count()


def _circle(world: World) -> Circle:
    return Circle.objects.get(pk=world.cast.circle.pk)


def _photo(world: World) -> dict[str, Any]:
    from tests.test_permission_matrix import tiny_jpeg

    return {"photo": SimpleUploadedFile("dad.jpg", tiny_jpeg(), content_type="image/jpeg")}


SIGNED_IN = COLUMNS[:-1]
ANONYMOUS = COLUMNS[-1:]
WRITES: dict[str, Write] = {
    # Signed in, the sign-up page sends people on without making an account.
    "accounts:signup": Write(
        form={"display_name": "New Person", "email": "new.person@example.org", "password": PASSWORD},
        changes=_count(User),
        unchanged_for=SIGNED_IN,
    ),
    "accounts:password_change": Write(
        form={"old_password": PASSWORD, "new_password1": "a fresh Pa55word!", "new_password2": "a fresh Pa55word!"},
        changes=lambda world: sorted(User.objects.values_list("password", flat=True)),
        unchanged_for=ANONYMOUS,
    ),
    "accounts:profile": Write(
        form={"display_name": "Renamed", "phone": "", "time_zone": "Europe/London", "language": "en-gb"},
        changes=_count(User, display_name="Renamed"),
        unchanged_for=ANONYMOUS,
    ),
    "accounts:time_zone_country": Write(
        form={"time_zone": "Europe/Warsaw"},
        changes=_count(User, time_zone="Europe/Warsaw"),
        unchanged_for=ANONYMOUS,
    ),
    "accounts:tokens": Write(
        form={"name": "Laptop", "access": "write", "circle": "", "lifetime": "90"},
        changes=_count(ApiToken),
        unchanged_for=ANONYMOUS,
    ),
    "web:language": Write(
        form={"language": "cy", "next": "/"},
        changes=lambda world: sorted(User.objects.values_list("language", flat=True)),
        unchanged_for=("anonymous",),
    ),
    "circles:create": Write(
        form={"about": "someone_else", "person_name": "Mum", "relationship": "son"},
        changes=_count(Circle),
        unchanged_for=ANONYMOUS,
    ),
    "circles:edit": Write(form={"person_name": "Papa"}, changes=lambda world: _circle(world).person_name),
    "circles:photo_change": Write(form=_photo, changes=lambda world: _circle(world).person_photo.name),
    "circles:photo_remove": Write(form={}, changes=lambda world: bool(_circle(world).person_photo)),
    "circles:member_edit": Write(
        form={"role": "paid_carer", "relationship": "son"},
        changes=lambda world: Membership.objects.get(pk=world.helper_membership.pk).role,
    ),
    "circles:member_remove": Write(form={}, changes=_count(Membership)),
    # The organiser is the only one and can't leave (409).
    "circles:leave": Write(form={}, changes=_count(Membership), unchanged_for=("organiser",)),
    "circles:invite": Write(
        form={"role": "helper", "name": "Priya", "channel": "link", "expires_in_days": 7}, changes=_count(Invitation)
    ),
    "circles:invitation_revoke": Write(form={}, changes=_count(Invitation, revoked_at__isnull=False)),
    "circles:consent": Write(form={"well_wisher": ["updates.read"]}, changes=lambda world: _circle(world).consent),
    # Members are shown that they're in already; the others join.
    "circles:invitation": Write(form={}, changes=_count(Membership), unchanged_for=COLUMNS[:6]),
}

NO_WRITE: dict[str, str] = {
    "accounts:login": "signing in with a password is tested in tests/accounts/test_login.py",
    "accounts:sign_in_text": "it texts a code; tests/accounts/test_text_sign_in.py checks it and its limits",
    "accounts:sign_in_text_code": "needs a code texted to the number; tests/accounts/test_text_sign_in.py",
    "accounts:logout": "signing out ends the client's own session; tests/accounts/test_sessions.py",
    "accounts:verify_email_resend": "it sends an email; tests/accounts/test_verification.py checks it",
    "accounts:verify_email": "needs a link's signed token; tests/accounts/test_verification.py",
    "accounts:password_reset": "it sends an email; tests/accounts/test_passwords.py checks it",
    "accounts:password_reset_confirm": "needs a link's signed token; tests/accounts/test_passwords.py",
    "accounts:sessions_sign_out_others": "ends the account's other sessions; tests/accounts/test_sessions.py",
    "accounts:session_sign_out": "ends another of the account's sessions; tests/accounts/test_sessions.py",
    "accounts:token_revoke": "revokes the organiser's own token; tests/accounts/test_tokens.py",
}


def url(world: World, name: str) -> str | None:
    """The URL for rows whose arguments aren't plain circle ids; None for the rest."""
    if name == "accounts:session_sign_out":
        return reverse(name, kwargs={"pk": world.organiser_session.pk})
    if name == "accounts:token_revoke":
        return reverse(name, kwargs={"pk": world.organiser_token.pk})
    if name == "accounts:time_zone_region":
        return reverse(name, kwargs={"region": "europe"})
    if name == "accounts:time_zone_country":
        return reverse(name, kwargs={"country": "PL"})
    if name == "accounts:verify_email":
        return reverse(name, kwargs={"token": "not-a-real-token"})
    if name == "accounts:password_reset_confirm":
        return reverse(name, kwargs={"uidb64": "MQ", "token": "set-password"})
    return None
