"""Catch-up for live events: a reconnecting client asks what changed since the last number it saw."""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from carecircle.circles.access import access_circle
from carecircle.realtime.selectors import circle_events_since

# Up to 18 digits always fits the database's 64-bit sequence column.
SINCE_PATTERN = re.compile(r"[0-9]{1,18}")


@never_cache
@require_GET
def events(request: HttpRequest, circle_id: int) -> JsonResponse:
    """The circle's events after ?since=N (ids only), the latest sequence number, and whether more remain."""
    try:
        access = access_circle(user=request.user, circle_id=circle_id, capability="events.view")
    except Http404:
        return JsonResponse({"detail": "No such circle."}, status=404)
    except PermissionDenied:
        return JsonResponse({"detail": "Your role in this circle doesn't include live updates."}, status=403)
    raw_since = request.GET.get("since", "0")
    if not SINCE_PATTERN.fullmatch(raw_since):
        return JsonResponse(
            {"detail": "since must be a whole number of 0 or more: the last sequence number you saw, like ?since=42."},
            status=400,
        )
    catch_up = circle_events_since(circle=access.circle, since=int(raw_since))
    return JsonResponse(
        {"events": catch_up.events, "latest": catch_up.latest, "has_more": catch_up.has_more, "gap": catch_up.gap}
    )
