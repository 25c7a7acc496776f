"""`/ping` answered before the session, the user and the rest of the stack are touched.

`/ping` says only that the process answers: the benchmarks' bare baseline and a liveness probe.
Further down the stack, every request with a session cookie has its session read from the cache
(Redis) and its user from the database, because the signed-in session, time zone and language
middleware ask who is signed in; a signed-in browser's or a benchmark's `/ping` paid both. Readiness
(the database, the cache, the channel layer, the task queue) is `/healthz`'s, which the deployment
recipe waits on.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from carecircle.web.views import ping

PING_PATH = "/ping"


class LivenessMiddleware:
    """Answers `/ping` with the view of its URL, before anything that reads the session or the user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == PING_PATH:
            return ping(request)
        return self.get_response(request)
