"""Signing in, in one or two steps: the password, then (when the account has one) a second factor.

Between the steps the session holds only "this account passed its password at this time"; the
account is signed in (django.contrib.auth.login, which rotates the session key) only once both
steps pass. An account that must use a second factor but has none is signed in and sent straight
to set one up: until it has, every other page redirects there (MfaSetupMiddleware).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils import timezone, translation

from carecircle.accounts.devices import device_description
from carecircle.accounts.emails import new_sign_in_email_send
from carecircle.accounts.mfa import mfa_required_reason, mfa_status
from carecircle.accounts.models import SignedInSession, User
from carecircle.accounts.session_policy import session_started
from carecircle.accounts.sessions import session_record
from carecircle.lib.addresses import client_address
from carecircle.lib.hooks import audit_record

MODEL_BACKEND = "carecircle.accounts.backends.EmailBackend"
PENDING = "_carecircle_mfa_pending"
SETUP_REQUIRED = "_carecircle_mfa_setup_required"
# The password step is good for this long; then the person starts again.
PENDING_SECONDS = 300
SETUP_REQUIRED_CODE = "mfa_setup_required"
SETUP_REQUIRED_MESSAGE = (
    "Your account must use two-step sign-in before it can do anything else. "
    "Set up an authenticator app or a passkey on your account's security page first."
)


def sign_in_pending_user(request: HttpRequest) -> tuple[User | None, str]:
    """The account whose password was accepted in this browser in the last minutes, and where to go next."""
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict):
        return None, ""
    if timezone.now().timestamp() - float(pending.get("at", 0)) > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None, ""
    user_id = pending.get("user")
    if not isinstance(user_id, int):
        return None, ""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    return user, str(pending.get("next", ""))


def sign_in_complete(request: HttpRequest, user: User, *, next_url: str, factor: str = "password") -> HttpResponse:
    """Both steps passed (or only one was needed): sign in, note the device, and go on."""
    request.session.pop(PENDING, None)
    user_agent = request.headers.get("user-agent", "")[:300]
    known_device = SignedInSession.objects.filter(user=user, user_agent=user_agent).exists()
    login(request, user, backend=MODEL_BACKEND)  # Rotates the session key; starts the session's clocks.
    session_record(request=request, user=user)
    # The audit row is data, not a page: its device name stays in English whatever the viewer reads.
    with translation.override(None):
        device = device_description(user_agent)
    audit_record(
        actor=user,
        action="account.signed_in",
        subject=user,
        data={"device": device, "address": client_address(request), "factor": factor},
    )
    if not known_device:
        new_sign_in_email_send(
            user=user, user_agent=user_agent, address=client_address(request), when=timezone.localtime()
        )
    if mfa_required_reason(user) and not mfa_status(user).enabled:
        request.session[SETUP_REQUIRED] = True
        return redirect("accounts:security")
    return redirect(next_url or settings.LOGIN_REDIRECT_URL)


def sign_in_after_password(
    request: HttpRequest, user: User, *, next_url: str, factor: str = "password"
) -> HttpResponse:
    """The first step passed (the password, or a code texted to the account's mobile)."""
    if mfa_status(user).enabled:
        request.session[PENDING] = {"user": user.pk, "at": timezone.now().timestamp(), "next": next_url}
        return redirect("accounts:sign_in_verify")
    return sign_in_complete(request, user, next_url=next_url, factor=factor)


def on_user_logged_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    """Every sign-in, whatever its path, starts the session's idle and absolute clocks."""
    if request is not None and hasattr(request, "session"):
        session_started(request=request, strict=bool(mfa_required_reason(user)))


# The pages an account that must set up a second factor may still open.
SETUP_ALLOWED = frozenset(
    {
        "accounts:security",
        "accounts:totp_setup",
        "accounts:passkey_add",
        "accounts:recovery_codes",
        "accounts:logout",
        "web:healthz",
        "web:ping",
    }
)


class MfaSetupMiddleware:
    """Until an account that must use a second factor has one, every other page sends it to set one up."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if getattr(request, "session", None) is not None and request.session.get(SETUP_REQUIRED):
            if mfa_status_for(request):
                request.session.pop(SETUP_REQUIRED, None)
            elif not self._allowed(request):
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": SETUP_REQUIRED_MESSAGE, "code": SETUP_REQUIRED_CODE}, status=403)
                return redirect("accounts:security")
        return self.get_response(request)

    @staticmethod
    def _allowed(request: HttpRequest) -> bool:
        if request.path.startswith(settings.STATIC_URL):
            return True
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        return match.view_name in SETUP_ALLOWED


def mfa_status_for(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return isinstance(user, User) and mfa_status(user).enabled
