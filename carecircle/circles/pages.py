"""What every circles page shares: the viewer, the page context, the member list and problem pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from carecircle.accounts.models import User
from carecircle.circles import selectors
from carecircle.circles.access import CircleAccess
from carecircle.circles.fragments import KeptRegions, cached_region
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
MEMBER_LIST = "circles/member_list.html#member-list"
MEMBER_ROW = "circles/member_list.html#member-row"
MEMBER_REGION = "circles:members"


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


def member_list_html(access: CircleAccess, viewer: User, kept: KeptRegions | None = None) -> SafeString:
    """The member list as the viewer sees it, without a query or a render when nothing has changed.

    The list is drawn once for everyone with the same rights (circles/fragments.py region_key: a
    join, a departure, a role, name, email or phone change each record a circle event) with nobody
    as "you"; the viewer's own row, which says "(you)" and has no links to change or remove
    themselves, is then drawn for them and put in its place. `kept` is the page's regions read ahead.
    """
    context = {
        "capabilities": access.capabilities,
        # Reversed once: member links are this plus "<id>/" or "<id>/remove/" (see urls.py).
        "people_url": reverse("circles:members", kwargs={"circle_id": access.circle.pk}),
    }

    def render_shared() -> str:
        members = selectors.member_list_for(circle=access.circle)
        return get_template(MEMBER_LIST).render({**context, "members": members, "viewer_id": None})

    if kept is not None:
        shared = kept.region(MEMBER_REGION, [], render_shared)
    else:
        shared = cached_region(access, MEMBER_REGION, [], render_shared)
    own = access.membership
    own.user = viewer
    as_another = get_template(MEMBER_ROW).render({**context, "member": own, "viewer_id": None})
    if as_another not in shared:
        # Not in the list as kept (it can't be, but a wrong "(you)" must never be shown): draw it all.
        members = selectors.member_list_for(circle=access.circle)
        return mark_safe(get_template(MEMBER_LIST).render({**context, "members": members, "viewer_id": viewer.pk}))  # noqa: S308
    as_self = get_template(MEMBER_ROW).render({**context, "member": own, "viewer_id": viewer.pk})
    return mark_safe(shared.replace(as_another, as_self, 1))  # noqa: S308 (both rendered, so escaped)


def problem(request: HttpRequest, *, title: str, text: str, status: int, back: str, **extra: Any) -> HttpResponse:
    """A page that says what went wrong and where to go next."""
    context = {"nav": "circles", "title": title, "text": text, "back": back, **extra}
    return render(request, "circles/problem.html", context, status=status)
