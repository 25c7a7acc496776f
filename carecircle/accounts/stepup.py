"""Step-up re-authentication: some actions need the password or a second factor from the last minutes.

Exporting a record, making a share link, changing the phone number, a second factor or an API
token are what someone at an unattended, signed-in device could do most harm with. Signing in
counts as re-authenticating; so does the "Confirm it's you" page. Browsers are sent to that page
and back; API requests made with the browser session get 403 with `code:
"reauthentication_required"`. API tokens never step up: what a token may do is limited by its
scopes, and making one needs a step-up (docs/architecture/accounts.md).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from carecircle.lib.refusals import Refusal

REAUTHENTICATED_AT = "_carecircle_reauth_at"
REAUTHENTICATION_REQUIRED = "reauthentication_required"
REAUTHENTICATION_MESSAGE = (
    "Confirm it's you first: this needs your password or a second factor from the last "
    "{minutes} minutes. Sign in again in the browser (or use POST /api/v1/me/reauthenticate), then retry."
)


def stepup_mark(session: SessionBase) -> None:
    """Record that the person has just proved who they are (a sign-in or the confirm page)."""
    session[REAUTHENTICATED_AT] = timezone.now().timestamp()


def stepup_fresh(request: HttpRequest) -> bool:
    at = request.session.get(REAUTHENTICATED_AT)
    if at is None:
        return False
    age = timezone.now().timestamp() - float(at)
    return 0 <= age <= settings.STEP_UP_MAX_AGE_SECONDS


def stepup_message() -> str:
    return REAUTHENTICATION_MESSAGE.format(minutes=settings.STEP_UP_MAX_AGE_SECONDS // 60)


def stepup_redirect(request: HttpRequest, *, next_url: str | None = None) -> HttpResponseRedirect:
    target = next_url or (request.get_full_path() if request.method in {"GET", "HEAD"} else request.path)
    return HttpResponseRedirect(f"{reverse('accounts:step_up')}?{urlencode({'next': target})}")


class ReauthenticationRequired(Refusal):
    """An API request made with the browser session needs a fresh re-authentication first."""

    code = REAUTHENTICATION_REQUIRED

    def __init__(self) -> None:
        super().__init__(stepup_message())


def stepup_check_api(request: HttpRequest) -> None:
    """For API operations: session requests must be freshly re-authenticated; token requests are judged by scope."""
    if request.headers.get("Authorization") is not None:
        return
    if not stepup_fresh(request):
        raise ReauthenticationRequired()


def stepup_required[V: Callable[..., HttpResponseBase]](view: V) -> V:
    """A page that needs a recent re-authentication. Anonymous requests pass on to the view's own check."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not stepup_fresh(request):
            return stepup_redirect(request)
        return view(request, *args, **kwargs)

    return wrapper  # type: ignore[return-value]
