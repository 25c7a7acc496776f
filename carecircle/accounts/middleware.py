"""Per-request account housekeeping: signed-in session records, the viewer's time zone and language."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject

from carecircle.accounts.models import SignedInSession

# last_seen_at is refreshed at most this often, so most requests cost no write.
LAST_SEEN_RESOLUTION = timedelta(minutes=5)
SESSION_SEEN_KEY = "_carecircle_seen"


class SignedInSessionMiddleware:
    """Ends a browser session that was signed out from another device."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if isinstance(user, SimpleLazyObject):
            # The first middleware to ask who is signed in loads the user anyway (is_authenticated
            # below). From here request.user is the User (or AnonymousUser) itself: every later read
            # in middleware, views and templates (≈ 90 on a circle page) skips the lazy wrapper's
            # detour through __getattribute__ and __getattr__, ≈ 3-6 µs each. Signing in or out
            # assigns request.user as before (docs/architecture/serving.md, "The user unwrapped").
            user.is_authenticated  # noqa: B018 - loads the wrapped user.
            user = request.user = user._wrapped
        if user is not None and user.is_authenticated and request.session.session_key:
            seen = request.session.get(SESSION_SEEN_KEY)
            now = timezone.now()
            if seen is None or now.timestamp() - float(seen) > LAST_SEEN_RESOLUTION.total_seconds():
                updated = SignedInSession.objects.filter(session_key=request.session.session_key, user=user).update(
                    last_seen_at=now
                )
                if not updated:
                    from carecircle.accounts.sessions import session_record

                    session_record(request=request, user=user)
                request.session[SESSION_SEEN_KEY] = now.timestamp()
        return self.get_response(request)


class ViewerTimezoneMiddleware:
    """Shows times in the viewer's own time zone; times are stored in UTC."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


def chosen_language(language: str) -> str | None:
    """The language code if CareCircle speaks it, else None (an old or hand-edited value)."""
    return language if language in dict(settings.LANGUAGES) else None


class MemberLanguageMiddleware:
    """Shows a signed-in member's pages in the language on their profile.

    Django's LocaleMiddleware has already picked the cookie's or Accept-Language's language; the
    member's own choice beats both, on every device they sign in on. docs/translating.md
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            language = chosen_language(user.language)
            if language is not None:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)
