"""Session lifetimes: an idle timeout, an absolute timeout, and a new key when a factor changes.

Timestamps live in the session itself, so checking them costs no query. The idle clock is
refreshed at most once a minute, so most requests write nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext

from carecircle.accounts.models import SignedInSession, User
from carecircle.accounts.sessions import session_record
from carecircle.accounts.stepup import stepup_mark

SIGNED_IN_AT = "_carecircle_signed_in_at"
ACTIVE_AT = "_carecircle_active_at"
# Set at sign-in for accounts that must use a second factor: they get the shorter idle timeout.
STRICT = "_carecircle_strict"
ACTIVITY_RESOLUTION_SECONDS = 60


def session_started(*, request: HttpRequest, strict: bool) -> None:
    """Called as a session signs in: starts both clocks and counts as a fresh re-authentication."""
    now = timezone.now().timestamp()
    request.session[SIGNED_IN_AT] = now
    request.session[ACTIVE_AT] = now
    request.session[STRICT] = strict
    stepup_mark(request.session)


def session_rotate(*, request: HttpRequest, user: User) -> None:
    """A new session key for this device (after a factor changes), keeping its place in the list."""
    old_key = request.session.session_key
    request.session.cycle_key()
    new_key = request.session.session_key
    if old_key and new_key and old_key != new_key:
        SignedInSession.objects.filter(session_key=old_key, user=user).update(session_key=new_key)
    session_record(request=request, user=user)


def idle_limit(session: Any) -> int:
    limit: int = settings.SESSION_IDLE_TIMEOUT_STRICT if session.get(STRICT) else settings.SESSION_IDLE_TIMEOUT
    return limit


def session_expired(session: Any, *, now: float) -> str | None:
    """Why this session has ended ("idle" or "absolute"), or None while it is still good."""
    signed_in = session.get(SIGNED_IN_AT)
    active = session.get(ACTIVE_AT)
    if signed_in is not None and now - float(signed_in) > settings.SESSION_ABSOLUTE_TIMEOUT:
        return "absolute"
    if active is not None and now - float(active) > idle_limit(session):
        return "idle"
    return None


class SessionTimeoutMiddleware:
    """Signs out a session that has been idle too long or has lasted too long, whatever its cookie says."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            session = request.session
            now = timezone.now().timestamp()
            reason = session_expired(session, now=now)
            if reason is not None:
                user_id = user.pk
                session_key = session.session_key
                logout(request)
                SignedInSession.objects.filter(session_key=session_key or "", user_id=user_id).delete()
                messages.info(
                    request,
                    gettext(
                        "You were signed out because you hadn't used CareCircle for a while. Sign in again to carry on."
                    )
                    if reason == "idle"
                    else gettext(
                        "For your safety you're asked to sign in again from time to time. Sign in to carry on."
                    ),
                )
            else:
                # Sessions from before these clocks existed start them now.
                session.setdefault(SIGNED_IN_AT, now)
                active = session.get(ACTIVE_AT)
                if active is None or now - float(active) >= ACTIVITY_RESOLUTION_SECONDS:
                    session[ACTIVE_AT] = now
        return self.get_response(request)
