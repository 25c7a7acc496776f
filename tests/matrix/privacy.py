"""Matrix rows for two-step sign-in, "Confirm it's you", and the privacy pages."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from carecircle.accounts.models import Passkey
from carecircle.circles.models import Circle
from tests.matrix.base import World, Write

# Columns: person, organiser, helper, paid_carer, professional, well_wisher, org_staff, outsider, anonymous.
# Account pages act on the signed-in account only; another account's passkey is 404.
WEB: dict[tuple[str, str], str] = {
    ("accounts:sign_in_verify", "GET"): "302 302 302 302 302 302 302 302 302",
    ("accounts:sign_in_verify", "POST"): "302 302 302 302 302 302 302 302 302",
    ("accounts:step_up", "GET"): "200 200 200 200 200 200 200 200 302",
    ("accounts:step_up", "POST"): "400 400 400 400 400 400 400 400 302",
    ("accounts:security", "GET"): "200 200 200 200 200 200 200 200 302",
    ("accounts:security", "POST"): "405 405 405 405 405 405 405 405 302",
    ("accounts:totp_setup", "GET"): "200 200 200 200 200 200 200 200 302",
    ("accounts:totp_setup", "POST"): "400 400 400 400 400 400 400 400 302",
    ("accounts:totp_remove", "GET"): "405 405 405 405 405 405 405 405 302",
    ("accounts:totp_remove", "POST"): "302 302 302 302 302 302 302 302 302",
    ("accounts:passkey_add", "GET"): "200 200 200 200 200 200 200 200 302",
    ("accounts:passkey_add", "POST"): "400 400 400 400 400 400 400 400 302",
    ("accounts:passkey_remove", "GET"): "405 405 405 405 405 405 405 405 302",
    ("accounts:passkey_remove", "POST"): "404 302 404 404 404 404 404 404 302",
    ("accounts:recovery_codes", "GET"): "405 405 405 405 405 405 405 405 302",
    ("accounts:recovery_codes", "POST"): "302 302 302 302 302 302 302 302 302",
    ("accounts:email_change", "GET"): "200 200 200 200 200 200 200 200 302",
    ("accounts:email_change", "POST"): "400 400 400 400 400 400 400 400 302",
    ("accounts:email_change_confirm", "GET"): "400 400 400 400 400 400 400 400 400",
    ("accounts:email_change_confirm", "POST"): "400 400 400 400 400 400 400 400 400",
    ("accounts:your_data", "GET"): "200 200 200 200 200 200 200 200 302",
    ("accounts:your_data", "POST"): "405 405 405 405 405 405 405 405 302",
    ("accounts:your_data_download", "GET"): "200 200 200 200 200 200 200 200 302",
    ("accounts:your_data_download", "POST"): "405 405 405 405 405 405 405 405 302",
    # The organiser and the outsider are each the only organiser of a circle: told what to do first (409).
    ("accounts:delete", "GET"): "200 200 200 200 200 200 200 200 302",
    ("accounts:delete", "POST"): "400 409 400 400 400 400 400 409 302",
    ("circles:close", "GET"): "200 200 403 403 403 403 404 404 302",
    ("circles:close", "POST"): "302 302 403 403 403 403 404 404 302",
    ("circles:reopen", "GET"): "405 405 405 405 405 405 405 405 302",
    ("circles:reopen", "POST"): "302 302 403 403 403 403 404 404 302",
}

API: dict[tuple[str, str], str] = {}

WRITES: dict[str, Write] = {
    "circles:close": Write(
        form={"reason": "stopped", "message": "", "confirm": "on"},
        changes=lambda world: Circle.objects.get(pk=world.cast.circle.pk).closed_at is not None,
    ),
}

# Two-step sign-in and "Confirm it's you" need a code from an authenticator, a passkey's signature or
# an emailed link, which these rows can't produce; their own tests submit the real thing.
NO_WRITE: dict[str, str] = {
    "accounts:sign_in_verify": "needs a half-finished sign-in; tests/accounts/test_mfa.py",
    "accounts:step_up": "needs the password in a step-up; tests/accounts/test_stepup.py",
    "accounts:totp_setup": "needs a code from the new secret; tests/accounts/test_mfa.py",
    "accounts:totp_remove": "needs two-step sign-in set up; tests/accounts/test_mfa.py",
    "accounts:passkey_add": "needs a browser's signed credential; tests/accounts/test_mfa.py",
    "accounts:passkey_remove": "removes the organiser's own passkey; tests/accounts/test_mfa.py",
    "accounts:recovery_codes": "needs two-step sign-in set up; tests/accounts/test_mfa.py",
    "accounts:email_change": "needs a step-up and sends a link; tests/accounts/test_email_change.py",
    "accounts:email_change_confirm": "needs an emailed link's token; tests/accounts/test_email_change.py",
    "accounts:delete": "needs a step-up and the password; tests/privacy/test_erasure.py",
    "circles:reopen": "needs a closed circle; tests/privacy/test_circle_end.py",
}


def prepare(world: World) -> dict[str, Any]:
    passkey = Passkey.objects.create(
        user=world.cast.organiser, name="Organiser's phone", credential_id="bWF0cml4LWNyZWRlbnRpYWw", public_key=b"-"
    )
    return {"passkey_id": passkey.pk}


def url(world: World, name: str) -> str | None:
    if name == "accounts:email_change_confirm":
        return reverse(name, kwargs={"token": "not-a-real-token"})
    if name == "accounts:passkey_remove":
        return reverse(name, kwargs={"pk": world.extra["passkey_id"]})
    return None
