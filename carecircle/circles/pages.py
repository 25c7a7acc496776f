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
MEMBER_PAGE = "circles/member_list.html#member-page"
# The people page shows this many members at a time, so that a big circle's page stays within the
# 14,336-byte first round trip (docs/architecture/circles.md, "The people page a part at a time").
PEOPLE_LIMIT = 10
# The invitation form is on the people page itself while a circle is starting out (inviting the family
# one after another); past this many members the page links to the invitation page instead.
INVITE_FORM_UP_TO = 8


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


def people_start(request: HttpRequest) -> int:
    """Where the people page starts in the member list: `?from=`, or the start for anything that isn't a count."""
    start = request.GET.get("from", "0")
    # A circle's members are bounded: anything longer than a few digits is not a place in the list.
    return int(start) if start.isdigit() and len(start) <= 6 else 0


def member_page_context(access: CircleAccess, start: int) -> dict[str, Any]:
    """One part of the member list for the people page: PEOPLE_LIMIT members from `start`, and links on.

    Every member is read (one query, as for the whole list) so the summary by role counts them all;
    only the part shown is drawn. A start past the end falls back to the first part.
    """
    members = selectors.member_list_for(circle=access.circle)
    total = len(members)
    if start >= total:
        start = 0
    shown = members[start : start + PEOPLE_LIMIT]
    people_url = reverse("circles:members", kwargs={"circle_id": access.circle.pk})
    following = start + len(shown)
    counts: dict[str, int] = {}
    for member in members:
        counts[member.role] = counts.get(member.role, 0) + 1
    return {
        "members": shown,
        "viewer_id": access.user_id,
        "people_url": people_url,
        "live_types": MEMBER_EVENT_TYPES,
        "live_query": f"?from={start}",
        "member_total": total,
        "member_first": start + 1,
        "member_last": following,
        "paged": total > PEOPLE_LIMIT,
        # Asked once for the page rather than once a member.
        "can_contact": access.can("members.contact"),
        "can_manage": access.can("members.manage"),
        "role_counts": [(Role(role).label, counts[role]) for role in Role if role in counts],
        "more_href": f"{people_url}?from={following}#people" if following < total else "",
        "first_href": f"{people_url}#people" if start else "",
        "invite_form_here": total <= INVITE_FORM_UP_TO,
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
