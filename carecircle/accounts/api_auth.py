"""Who is calling: a personal API token (Authorization: Bearer …) or a signed-in browser session.

A token is checked first. A request that sends an Authorization header is judged by that header
alone, so a wrong token is refused with 401 even when a session cookie is also present. Session
requests that change something must pass Django's CSRF check; token requests need not, because a
browser never attaches a token to a forged request by itself.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from carecircle.accounts.middleware import chosen_language
from carecircle.accounts.models import ApiToken, User
from carecircle.accounts.services import api_token_find
from carecircle.lib.refusals import Refusal

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
INVALID_TOKEN = gettext_lazy("This API token isn't valid: it may have been revoked. Create a new token and try again.")
MALFORMED_HEADER = gettext_lazy("Send your API token in the Authorization header as 'Bearer <token>'.")
CSRF_FAILED = gettext_lazy(
    "The CSRF check failed. Send the value of the csrftoken cookie in the X-CSRFToken header, "
    "or use a personal API token instead of the session."
)


class TokenAuth(HttpBearer):
    """Personal access tokens, stored hashed (accounts.services.api_token_authenticate)."""

    def __call__(self, request: HttpRequest) -> User | None:
        header = request.headers.get(self.header)
        if header is None:
            return None
        scheme, _, secret = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise AuthenticationError(message=str(MALFORMED_HEADER))
        return self.authenticate(request, secret.strip())

    def authenticate(self, request: HttpRequest, token: str) -> User:
        found = api_token_find(secret=token)
        if found is None:
            raise AuthenticationError(message=str(INVALID_TOKEN))
        speak_the_owners_language(request, found.user)
        token_scope_check(request, found)
        return found.user


def speak_the_owners_language(request: HttpRequest, user: User) -> None:
    """Answer a token's request in its owner's saved language, unless the request asks for one.

    A program sends Accept-Language on purpose, so it wins; without it, the answer is in the language
    the person chose on their profile, as their pages are. A session already has it
    (accounts.middleware.MemberLanguageMiddleware), but a token is only known here.
    """
    if request.headers.get("Accept-Language"):
        return
    language = chosen_language(user.language)
    if language is not None:
        translation.activate(language)
        request.LANGUAGE_CODE = language


class TokenScopeRefused(Refusal):
    """The token is narrower than this request: read-only, or for another circle."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


# Operations a circle's token may use although their path names no circle.
CIRCLE_TOKEN_ALLOWED = frozenset({"me_get"})


def token_scope_check(request: HttpRequest, token: ApiToken) -> None:
    """Refuse what the token's scopes don't cover, before the operation runs."""
    if token.read_only and request.method not in SAFE_METHODS:
        raise TokenScopeRefused(
            "token_read_only", gettext("This API token can only read. Make a token that may change things to do this.")
        )
    if token.circle_id is None:
        return
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return
    circle_id = match.kwargs.get("circle_id")
    if circle_id is None and match.url_name in CIRCLE_TOKEN_ALLOWED:
        return
    if circle_id is None or str(circle_id) != str(token.circle_id):
        raise TokenScopeRefused(
            "token_circle_scope",
            gettext("This API token is for one circle only. Use a token for this circle, or one for all."),
        )


class SessionAuth(APIKeyCookie):
    """The browser's Django session, with CSRF enforced on methods that change something."""

    def __init__(self) -> None:
        # Read here rather than at import, so settings overridden in tests still apply.
        self.param_name = settings.SESSION_COOKIE_NAME
        super().__init__(csrf=True)

    def __call__(self, request: HttpRequest) -> User | None:
        if request.headers.get("Authorization") is not None:
            return None
        user = getattr(request, "user", None)
        if not isinstance(user, User) or not user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise HttpError(403, str(CSRF_FAILED))
        # request.user is a lazy proxy; services get the real instance.
        real_user: User = getattr(user, "_wrapped", user)
        return real_user

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return self(request)


def viewer(request: HttpRequest) -> User:
    """The authenticated user of an API request."""
    user = getattr(request, "auth", None)
    if not isinstance(user, User):
        raise AuthenticationError()
    return user
