"""Passkeys and security keys (WebAuthn Level 3, through the `webauthn` package).

The ceremony's challenge is kept in the session between the page that offers it and the POST that
answers it, and is used once. A passkey is a second factor here (after the password); it also
satisfies a step-up. The relying party is SITE_URL's host unless WEBAUTHN_RP_ID says otherwise.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from carecircle.accounts.mfa import (
    MfaError,
    mfa_changed,
    recovery_codes_forget_if_no_factor,
    recovery_codes_if_none,
)
from carecircle.accounts.models import Passkey, User
from carecircle.lib.hooks import audit_record

CHALLENGE_KEY = "_carecircle_webauthn"
MAX_PASSKEYS = 10


def rp_id() -> str:
    configured: str = getattr(settings, "WEBAUTHN_RP_ID", "")
    return configured or (urlsplit(settings.SITE_URL).hostname or "localhost")


def expected_origins() -> list[str]:
    origins: list[str] = list(getattr(settings, "WEBAUTHN_ORIGINS", []) or [settings.SITE_URL])
    return origins


def _remember(session: SessionBase, purpose: str, challenge: bytes, user_id: int) -> None:
    session[CHALLENGE_KEY] = {"purpose": purpose, "challenge": bytes_to_base64url(challenge), "user": user_id}


def _take(session: SessionBase, purpose: str, user_id: int) -> bytes:
    """The challenge offered for this purpose and account; it can be answered only once."""
    stored = session.pop(CHALLENGE_KEY, None)
    if not stored or stored.get("purpose") != purpose or stored.get("user") != user_id:
        raise MfaError(gettext("The passkey request ran out or came from another page. Try again."))
    return base64url_to_bytes(stored["challenge"])


def _descriptors(user: User) -> list[PublicKeyCredentialDescriptor]:
    return [PublicKeyCredentialDescriptor(id=base64url_to_bytes(key.credential_id)) for key in user.passkeys.all()]


def passkey_registration_options(*, session: SessionBase, user: User) -> dict[str, Any]:
    """The JSON options for navigator.credentials.create(); the challenge waits in the session."""
    options = generate_registration_options(
        rp_id=rp_id(),
        rp_name=settings.MFA_ISSUER,
        user_id=f"carecircle-user-{user.pk}".encode(),
        user_name=user.contact or user.display_name,
        user_display_name=user.display_name,
        exclude_credentials=_descriptors(user),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED, user_verification=UserVerificationRequirement.PREFERRED
        ),
    )
    _remember(session, "register", options.challenge, user.pk)
    result: dict[str, Any] = json.loads(options_to_json(options))
    return result


def passkey_authentication_options(*, session: SessionBase, user: User) -> dict[str, Any]:
    options = generate_authentication_options(
        rp_id=rp_id(), allow_credentials=_descriptors(user), user_verification=UserVerificationRequirement.PREFERRED
    )
    _remember(session, "authenticate", options.challenge, user.pk)
    result: dict[str, Any] = json.loads(options_to_json(options))
    return result


def _credential(data: str) -> dict[str, Any]:
    try:
        credential = json.loads(data)
    except (ValueError, TypeError) as error:
        raise MfaError(gettext("The passkey's answer couldn't be read. Try again.")) from error
    if not isinstance(credential, dict):
        raise MfaError(gettext("The passkey's answer couldn't be read. Try again."))
    return credential


@transaction.atomic
def passkey_register(
    *, actor: User, session: SessionBase, credential_json: str, name: str, request: HttpRequest | None = None
) -> tuple[Passkey, list[str]]:
    """Keep a new passkey once its attestation checks out; returns it and any new recovery codes."""
    challenge = _take(session, "register", actor.pk)
    if actor.passkeys.count() >= MAX_PASSKEYS:
        raise MfaError(
            gettext("You can keep up to %(most)s passkeys. Remove one you no longer use first.")
            % {"most": MAX_PASSKEYS}
        )
    credential = _credential(credential_json)
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id(),
            expected_origin=expected_origins(),
        )
    except (InvalidRegistrationResponse, KeyError, ValueError, TypeError) as error:
        raise MfaError(gettext("That passkey couldn't be checked, so it wasn't added. Try again.")) from error
    credential_id = bytes_to_base64url(verified.credential_id)
    if Passkey.objects.filter(credential_id=credential_id).exists():
        raise MfaError(gettext("This passkey is already registered."))
    transports = credential.get("response", {}).get("transports") or []
    passkey = Passkey.objects.create(
        user=actor,
        name=(name.strip() or "Passkey")[:80],
        credential_id=credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=",".join(str(item) for item in transports if isinstance(item, str))[:120],
    )
    audit_record(actor=actor, action="account.mfa_passkey_added", subject=actor, data={"name": passkey.name})
    codes = recovery_codes_if_none(actor=actor)
    mfa_changed(actor=actor, request=request)
    return passkey, codes


def passkey_verify(*, user: User, session: SessionBase, credential_json: str) -> Passkey | None:
    """Check a passkey's signature on the challenge; None when it fails."""
    try:
        challenge = _take(session, "authenticate", user.pk)
    except MfaError:
        return None
    credential = _credential(credential_json) if credential_json else {}
    passkey = Passkey.objects.filter(user=user, credential_id=str(credential.get("id", ""))).first()
    if passkey is None:
        return None
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id(),
            expected_origin=expected_origins(),
            credential_public_key=bytes(passkey.public_key),
            credential_current_sign_count=passkey.sign_count,
        )
    except (InvalidAuthenticationResponse, KeyError, ValueError, TypeError):
        return None
    Passkey.objects.filter(pk=passkey.pk).update(sign_count=verified.new_sign_count, last_used_at=timezone.now())
    return passkey


@transaction.atomic
def passkey_remove(*, actor: User, passkey: Passkey, request: HttpRequest | None = None) -> None:
    name = passkey.name
    passkey.delete()
    audit_record(actor=actor, action="account.mfa_passkey_removed", subject=actor, data={"name": name})
    recovery_codes_forget_if_no_factor(actor=actor)
    mfa_changed(actor=actor, request=request)
