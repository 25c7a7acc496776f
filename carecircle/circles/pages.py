"""What every circles page shares: the viewer, the page context, the member list and problem pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from carecircle.accounts.models import User
from carecircle.circles import selectors
from carecircle.circles.access import CircleAccess
from carecircle.circles.models import Role
from carecircle.lib.errors import Conflict, DomainError

# The live-update event types that change the member list.
MEMBER_EVENT_TYPES = "membership.added,membership.removed,membership.changed"
# Statuses for a request the rules refuse, from the one table every page and the API share (lib/errors.py):
# a mistake in the form, or a clash with the circle's state.
INVALID = DomainError.status
CONFLICT = Conflict.status
# Capabilities every member has; not worth listing when explaining what a role can do.
TAKEN_FOR_GRANTED = frozenset({"circle.view", "events.view"})


def viewer(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User), "login_required runs first"
    return user


def circle_context(access: CircleAccess, **extra: Any) -> dict[str, Any]:
    """What every page of one circle needs: the circle, the viewer's role and capabilities."""
    return {
        "nav": "circles",
        "circle": access.circle,
        "access": access,
        "capabilities": access.capabilities,
        "role_label": Role(access.role).label,
        **extra,
    }


def member_list_context(access: CircleAccess) -> dict[str, Any]:
    return {
        "members": selectors.member_list_for(circle=access.circle),
        "viewer_id": access.user_id,
        # Reversed once: member links are this plus "<id>/" or "<id>/remove/" (see urls.py), which
        # saves two URL reversals per member on every render of a big circle.
        "people_url": reverse("circles:members", kwargs={"circle_id": access.circle.pk}),
        "live_types": MEMBER_EVENT_TYPES,
    }


def problem(request: HttpRequest, *, title: str, text: str, status: int, back: str, **extra: Any) -> HttpResponse:
    """A page that says what went wrong and where to go next."""
    context = {"nav": "circles", "title": title, "text": text, "back": back, **extra}
    return render(request, "circles/problem.html", context, status=status)
