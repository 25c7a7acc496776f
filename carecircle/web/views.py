"""The public pages, error pages and the health check."""

from __future__ import annotations

import datetime
import logging
import time
import uuid
from typing import Any

from channels.layers import InMemoryChannelLayer
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from carecircle.accounts.services import user_set_language
from carecircle.circles.access import CapabilityRefused, who_decides_access, why_refused

logger = logging.getLogger(__name__)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("circles:list")
    return render(request, "web/home.html", {"nav": "home"})


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """The footer's language switcher: a plain form, so it works without JavaScript.

    Signed out, the choice is kept in a cookie (it beats Accept-Language); signed in, it is also
    saved on the member's profile, so their emails and texts follow it. docs/translating.md
    """
    chosen = request.POST.get("language", "")
    if chosen not in dict(settings.LANGUAGES):
        return _error_page(request, 400, _("Choose a language from the list"), _("Go back and try again."))
    back = request.POST.get("next", "")
    if not (back.startswith("/") and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})):
        back = "/"
    if request.user.is_authenticated:
        user_set_language(actor=request.user, language=chosen)
    translation.activate(chosen)
    response = redirect(back)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        chosen,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


# When the statement was written and last checked against the pages (see docs/accessibility.md).
STATEMENT_PREPARED = datetime.date(2026, 12, 4)
STATEMENT_REVIEWED = datetime.date(2026, 12, 4)


@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    """The accessibility statement, in the GOV.UK model format; public."""
    context = {
        "site_url": settings.SITE_URL,
        "contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL,
        "prepared": STATEMENT_PREPARED,
        "reviewed": STATEMENT_REVIEWED,
    }
    return render(request, "web/accessibility.html", context)


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_cache() -> None:
    key = "healthz:probe"
    cache.set(key, "ok", timeout=10)
    if cache.get(key) != "ok":
        raise RuntimeError("the cache did not return what was stored")


# How long the health check waits for Redis: to connect, to confirm its subscription, for its probe.
HEALTHZ_LAYER_SECONDS = 2.0
HEALTHZ_PROBE = b"healthz.probe"


def _layer_addresses(config: dict[str, Any]) -> list[str]:
    """The Redis URLs a channels-redis layer's `hosts` name (URL strings, {"address": …} or (host, port))."""
    addresses = []
    for host in config.get("hosts") or [("localhost", 6379)]:
        if isinstance(host, str):
            addresses.append(host)
        elif isinstance(host, dict):
            addresses.append(str(host["address"]))
        else:
            addresses.append(f"redis://{host[0]}:{host[1]}")
    return addresses


def redis_round_trip(address: str, *, prefix: str) -> None:
    """Subscribe a new channel on the Redis at `address`, publish a probe to it and read it back.

    Synchronous, with redis-py, on connections of its own that it closes: no event loop, so the
    view needs no async_to_sync (which gave each request thread a loop, and the layer's pooled
    connections in it), and nothing stays subscribed. A fresh connection per check also answers
    "ok" as soon as a restarted Redis is back.
    """
    import redis

    client = redis.Redis.from_url(
        address, socket_connect_timeout=HEALTHZ_LAYER_SECONDS, socket_timeout=HEALTHZ_LAYER_SECONDS
    )
    channel = f"{prefix}__healthz__{uuid.uuid4().hex}"
    pubsub = client.pubsub()  # type: ignore[no-untyped-call]
    try:
        pubsub.subscribe(channel)
        # Wait for Redis to confirm the subscription, so the probe can't be published before it.
        confirmed = pubsub.get_message(timeout=HEALTHZ_LAYER_SECONDS)
        if not confirmed or confirmed.get("type") != "subscribe":
            raise RuntimeError("Redis did not confirm the subscription")
        if client.publish(channel, HEALTHZ_PROBE) != 1:
            raise RuntimeError("Redis did not deliver the probe to its subscriber")
        message = pubsub.get_message(ignore_subscribe_messages=True, timeout=HEALTHZ_LAYER_SECONDS)
        if not message or message.get("data") != HEALTHZ_PROBE:
            raise RuntimeError("the probe did not come back")
    finally:
        pubsub.close()
        client.close()


def _check_channel_layer() -> None:
    """Each Redis the channel layer uses answers a pub/sub round trip; an in-memory layer only exists."""
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer is configured")
    config = settings.CHANNEL_LAYERS["default"].get("CONFIG", {})
    if isinstance(layer, InMemoryChannelLayer):
        # In this process: nothing to reach, so up whenever the process answers.
        return
    for address in _layer_addresses(config):
        redis_round_trip(address, prefix=str(config.get("prefix", "")))


def _check_task_queue() -> None:
    from django.tasks import default_task_backend

    backend_path = settings.TASKS["default"]["BACKEND"]
    if backend_path == "django_tasks_db.DatabaseBackend":
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.exists()
    elif default_task_backend is None:
        raise RuntimeError("no task backend is configured")


CHECKS = {
    "database": _check_database,
    "cache": _check_cache,
    "channel_layer": _check_channel_layer,
    "task_queue": _check_task_queue,
}


@never_cache
@require_GET
def ping(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. No database, no cache, no session (the benchmarks' bare baseline).

    Answered by web/liveness.py's middleware before any middleware reads the session or the user.
    """
    return HttpResponse("ok", content_type="text/plain")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The state of each service CareCircle needs; 503 when any of them is down."""
    results: dict[str, Any] = {}
    healthy = True
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as error:
            healthy = False
            logger.warning("Health check %s failed: %s", name, error)
            results[name] = {"ok": False, "error": type(error).__name__}
        else:
            results[name] = {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}
    return JsonResponse({"ok": healthy, "checks": results}, status=200 if healthy else 503)


def _error_page(request: HttpRequest, status: int, title: str, text: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": text}, status=status)
    return render(request, "web/error.html", {"title": title, "text": text}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 400, _("Something was wrong with that request"), _("Go back and try again."))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Written here, in the request's language (the member's own once MemberLanguageMiddleware has
    # run), like the refusal in `exception`, which each app translates where it raises it.
    # A reason is shown only when it is safe: a CapabilityRefused is raised after membership is known
    # (an outsider gets 404 first), and the apps' own refusals are translated sentences without data
    # (tests/test_i18n.py checks they are translated). Any other 403 keeps the general sentence.
    match = request.resolver_match
    circle_id = match.kwargs.get("circle_id") if match is not None else None
    title = _("You can't do that in this circle")
    if isinstance(circle_id, int) and isinstance(exception, CapabilityRefused):
        why = why_refused(user=request.user, circle_id=circle_id, refusal=exception)
        if why is not None:
            return _error_page(request, 403, title, " ".join(why))
    app_reason = _own_reason(exception)
    if app_reason and isinstance(circle_id, int):
        return _error_page(request, 403, title, " ".join((app_reason, _("Go back to the circle to carry on."))))
    if app_reason:
        return _error_page(request, 403, _("You can't see this page"), app_reason)
    decider = who_decides_access(user=request.user, circle_id=circle_id) if isinstance(circle_id, int) else None
    return _error_page(
        request,
        403,
        title,
        _("Your role in this circle doesn't allow it. %(next)s")
        % {"next": decider or _("Go back to the circle to carry on.")},
    )


def _own_reason(exception: Exception | None) -> str:
    """The sentence an app's PermissionDenied carries, when it is one of ours; else ""."""
    if exception is None or isinstance(exception, CapabilityRefused) or len(exception.args) != 1:
        return ""
    message = exception.args[0]
    return str(message) if isinstance(message, str) and message.strip() else ""


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(
        request,
        404,
        _("Page not found"),
        _("This page doesn't exist, or you don't have access to it. Check the address, or go to your circles."),
    )


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Something went wrong on our side. Please try again.")}, status=500)
    return render(request, "web/error_500.html", status=500)
