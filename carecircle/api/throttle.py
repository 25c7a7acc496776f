"""API rate limits: one fixed-window counter per token and one per client address.

Each request is counted before it is served (an atomic add/incr in the cache, Redis when shared),
so a burst from many threads or processes cannot slip past the limit. Over either limit the API
answers 429 with `Retry-After` (seconds to the window's end) and `code: "rate_limited"`.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import ngettext

from carecircle.lib import ratelimit
from carecircle.lib.addresses import client_address

logger = logging.getLogger(__name__)
API_PREFIX = "/api/"
RATE_LIMITED = "rate_limited"


def _token_identity(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization")
    if not header:
        return None
    return hashlib.sha256(header.strip().encode()).hexdigest()


def _refused(window: int) -> JsonResponse:
    wait = ratelimit.seconds_left(window_seconds=window)
    response = JsonResponse(
        {
            "detail": ngettext(
                "Too many requests. Wait %(seconds)s second, then try again more slowly.",
                "Too many requests. Wait %(seconds)s seconds, then try again more slowly.",
                wait,
            )
            % {"seconds": wait},
            "code": RATE_LIMITED,
        },
        status=429,
    )
    response["Retry-After"] = str(wait)
    return response


class ApiRateLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            window = settings.API_RATE_LIMIT_WINDOW_SECONDS
            try:
                over = self._over(request, window)
            except Exception:
                # The cache (Redis) is down: serve rather than fail every call; the limit is back with it.
                logger.warning("API rate limit not checked: the cache is unreachable", exc_info=True)
                over = False
            if over:
                return _refused(window)
        return self.get_response(request)

    @staticmethod
    def _over(request: HttpRequest, window: int) -> bool:
        address = client_address(request) or "unknown"
        over = ratelimit.hit("api-address", address, window_seconds=window) > settings.API_RATE_LIMIT_PER_ADDRESS
        token = _token_identity(request)
        if token is not None:
            over = ratelimit.hit("api-token", token, window_seconds=window) > settings.API_RATE_LIMIT_PER_TOKEN or over
        return over
