"""Second factors: authenticator apps (TOTP), recovery codes, and who must use them.

Passkeys live in `accounts/passkeys.py`. Every change of a factor ends the account's other
sessions (someone who had the old factor is signed out) and writes one audit row.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass

import pyotp
import segno
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext

from carecircle.accounts.models import Passkey, RecoveryCode, TotpDevice, User
from carecircle.accounts.session_policy import session_rotate
from carecircle.accounts.sessions import sessions_sign_out_others
from carecircle.lib.hooks import audit_record
from carecircle.lib.sealing import seal, unseal

TOTP_PURPOSE = "totp-secret"
TOTP_PERIOD = 30
# One step either side of now: phones whose clocks are up to 30 s out still work.
TOTP_DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
# 24 characters from a 32-letter alphabet without look-alikes (no 0/o, 1/l/i): 120 bits each, so a
# salted SHA-256 is enough to store them (ASVS 5.0 6.5.2 asks for a slow hash only below 112 bits).
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_CODE_LENGTH = 24


class MfaError(Exception):
    """A second-factor request that cannot be done; the message says what to do instead."""


# Who must use a second factor. Higher layers (circles, orgs) register a check that returns a
# reason ("you are a professional in a circle") or None; accounts never imports them.
MfaRequirement = Callable[[User], str | None]
_REQUIREMENTS: list[MfaRequirement] = []


def mfa_requirement_register(check: MfaRequirement) -> None:
    if check not in _REQUIREMENTS:
        _REQUIREMENTS.append(check)


def mfa_required_reason(user: User) -> str | None:
    """Why this account must use a second factor, or None when it is only offered."""
    if user.is_staff or user.is_superuser:
        return "you can use the site's administration"
    for check in _REQUIREMENTS:
        reason = check(user)
        if reason:
            return reason
    return None


@dataclass(frozen=True)
class MfaStatus:
    totp: bool
    passkeys: int
    recovery_codes_left: int

    @property
    def enabled(self) -> bool:
        return self.totp or self.passkeys > 0


def mfa_status(user: User) -> MfaStatus:
    return MfaStatus(
        totp=TotpDevice.objects.filter(user=user).exists(),
        passkeys=Passkey.objects.filter(user=user).count(),
        recovery_codes_left=RecoveryCode.objects.filter(user=user, used_at__isnull=True).count(),
    )


# Authenticator apps


def totp_new_secret() -> str:
    return pyotp.random_base32(length=32)


def totp_provisioning_uri(*, user: User, secret: str) -> str:
    return pyotp.TOTP(secret, interval=TOTP_PERIOD).provisioning_uri(
        name=user.contact or user.display_name, issuer_name=settings.MFA_ISSUER
    )


def totp_qr_svg(uri: str) -> str:
    """The QR code as inline SVG, drawn on the server: no third-party request, works without JavaScript."""
    svg: str = segno.make(uri, error="m").svg_inline(scale=4, dark="#1b1b1b", light="#ffffff")
    return svg


def _matching_step(secret: str, code: str, *, after_step: int) -> int | None:
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, interval=TOTP_PERIOD)
    now_step = int(timezone.now().timestamp()) // TOTP_PERIOD
    for step in range(now_step - TOTP_DRIFT_STEPS, now_step + TOTP_DRIFT_STEPS + 1):
        if step > after_step and hmac.compare_digest(totp.at(step * TOTP_PERIOD), code):
            return step
    return None


@transaction.atomic
def totp_enable(*, actor: User, secret: str, code: str, request: HttpRequest | None = None) -> list[str]:
    """Turn on an authenticator app once a code from it proves it was set up; returns new recovery codes
    when the account had none left (else an empty list)."""
    step = _matching_step(secret, code, after_step=0)
    if step is None:
        raise MfaError(
            gettext(
                "That code isn't right. Check the time on your phone is set automatically, then try the newest code."
            )
        )
    TotpDevice.objects.filter(user=actor).delete()
    TotpDevice.objects.create(user=actor, sealed_secret=seal(secret, purpose=TOTP_PURPOSE), last_step=step)
    audit_record(actor=actor, action="account.mfa_totp_enabled", subject=actor)
    codes = recovery_codes_if_none(actor=actor)
    mfa_changed(actor=actor, request=request)
    return codes


@transaction.atomic
def totp_install(*, actor: User, secret: str) -> None:
    """Give an account an authenticator-app key without proof from the app: for the demo's published key only."""
    if not TotpDevice.objects.filter(user=actor).exists():
        TotpDevice.objects.create(user=actor, sealed_secret=seal(secret, purpose=TOTP_PURPOSE))
        audit_record(actor=actor, action="account.mfa_totp_enabled", subject=actor, data={"demo": True})


def totp_code_now(secret: str) -> str:
    return pyotp.TOTP(secret, interval=TOTP_PERIOD).now()


@transaction.atomic
def totp_disable(*, actor: User, request: HttpRequest | None = None) -> None:
    deleted, _ = TotpDevice.objects.filter(user=actor).delete()
    if deleted:
        audit_record(actor=actor, action="account.mfa_totp_removed", subject=actor)
        recovery_codes_forget_if_no_factor(actor=actor)
        mfa_changed(actor=actor, request=request)


def totp_verify(*, user: User, code: str) -> bool:
    """Check a code from the account's app. A code is accepted once: its time step is remembered."""
    device = TotpDevice.objects.filter(user=user).first()
    if device is None:
        return False
    step = _matching_step(unseal(device.sealed_secret, purpose=TOTP_PURPOSE), code, after_step=device.last_step)
    if step is None:
        return False
    # The conditional update makes replays lose even when two requests race with the same code.
    return bool(
        TotpDevice.objects.filter(pk=device.pk, last_step__lt=step).update(last_step=step, last_used_at=timezone.now())
    )


# Recovery codes


def _hash_code(code: str, salt: str) -> str:
    normalised = "".join(code.lower().split()).replace("-", "")
    return hashlib.sha256(f"{salt}:{normalised}".encode()).hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
    return "-".join(raw[index : index + 6] for index in range(0, RECOVERY_CODE_LENGTH, 6))


def _recovery_codes_replace(*, actor: User) -> list[str]:
    RecoveryCode.objects.filter(user=actor).delete()
    codes = [_new_code() for _ in range(RECOVERY_CODE_COUNT)]
    rows = []
    for code in codes:
        salt = secrets.token_hex(16)
        rows.append(RecoveryCode(user=actor, salt=salt, code_hash=_hash_code(code, salt)))
    RecoveryCode.objects.bulk_create(rows)
    return codes


def recovery_codes_if_none(*, actor: User) -> list[str]:
    if RecoveryCode.objects.filter(user=actor, used_at__isnull=True).exists():
        return []
    return _recovery_codes_replace(actor=actor)


def recovery_codes_forget_if_no_factor(*, actor: User) -> None:
    if not mfa_status(actor).enabled:
        RecoveryCode.objects.filter(user=actor).delete()


@transaction.atomic
def recovery_codes_regenerate(*, actor: User) -> list[str]:
    """New recovery codes; the old ones stop working. Shown once, never stored in the clear."""
    if not mfa_status(actor).enabled:
        raise MfaError(gettext("Set up an authenticator app or a passkey first; recovery codes back them up."))
    codes = _recovery_codes_replace(actor=actor)
    audit_record(actor=actor, action="account.mfa_recovery_codes_made", subject=actor)
    return codes


def recovery_code_use(*, user: User, code: str) -> bool:
    """Spend one recovery code; each works once, even when two requests race."""
    for row in RecoveryCode.objects.filter(user=user, used_at__isnull=True):
        if hmac.compare_digest(row.code_hash, _hash_code(code, row.salt)):
            used = RecoveryCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=timezone.now())
            if used:
                audit_record(actor=user, action="account.mfa_recovery_code_used", subject=user)
            return bool(used)
    return False


def second_factor_check(*, user: User, code: str) -> str | None:
    """Which factor a typed code matched ("totp" or "recovery"), or None."""
    cleaned = code.strip()
    if totp_verify(user=user, code=cleaned):
        return "totp"
    compact = "".join(cleaned.split()).replace("-", "")
    if len(compact) == RECOVERY_CODE_LENGTH and recovery_code_use(user=user, code=cleaned):
        return "recovery"
    return None


def mfa_changed(*, actor: User, request: HttpRequest | None) -> int:
    """After a factor changes: sign out every other session (this device stays, under a new key)."""
    current = request.session.session_key if request is not None and request.user.pk == actor.pk else None
    ended = sessions_sign_out_others(actor=actor, current_session_key=current)
    if request is not None and current:
        session_rotate(request=request, user=actor)
    return ended
