"""The circle's activity log, in plain sentences, for the person and the organisers."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from carecircle.audit.display import log_lines
from carecircle.audit.selectors import audit_page
from carecircle.circles.access import access_circle

PAGE_SIZE = 50


def _before(request: HttpRequest) -> int | None:
    raw = request.GET.get("before", "")
    return int(raw) if raw.isdigit() else None


@require_http_methods(["GET"])
@login_required
def circle_log(request: HttpRequest, circle_id: int) -> HttpResponse:
    """One page of the log, newest first; `before=<id>` pages back (keyset, so every page costs the same)."""
    access = access_circle(user=request.user, circle_id=circle_id, capability="audit.view")
    before = _before(request)
    page, more = audit_page(circle=access.circle, before=before, limit=PAGE_SIZE)
    older = page[-1].pk if more else None
    context = {
        "nav": "circles",
        "circle": access.circle,
        "lines": log_lines(page),
        "older": older,
        "paged": before is not None,
    }
    return render(request, "audit/circle_log.html", context)
