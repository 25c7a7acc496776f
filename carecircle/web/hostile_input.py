"""Refuse, before any view, addresses that no page or operation could use: NUL in the path or query.

PostgreSQL refuses the NUL character in text, so a NUL that reached a lookup (a calendar feed's
secret, a share link's token) raised DataError: a 500 instead of "not found". Refusing it here is
one rule for every route, present and future.

It answers before LocaleMiddleware and before anyone is known to be signed in, so the answer is in
the language the request asks for itself (the language cookie, then Accept-Language), else English.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils import translation
from django.utils.translation import gettext_lazy

from carecircle.lib.text import NUL

# Translators: %00 is how a null character is written in a web address; keep it as it is.
NUL_MESSAGE = gettext_lazy("This address contains a null character (%00). Remove it and try again.")


def _has_nul(request: HttpRequest) -> bool:
    if NUL in request.path:
        return True
    return any(NUL in key or any(NUL in value for value in values) for key, values in request.GET.lists())


class RefuseNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            with translation.override(translation.get_language_from_request(request)):
                message = str(NUL_MESSAGE)
            if request.path.startswith("/api/"):
                # The API's answer for any field it can't accept (documented on every operation).
                errors = [{"field": "query" if NUL not in request.path else "path", "message": message}]
                return JsonResponse({"detail": message, "errors": errors}, status=422)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
