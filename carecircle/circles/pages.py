"""What every circles page shares: the viewer, the page context, the member lists and problem pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.urls import reverse
from django.utils.safestring import SafeString

from carecircle.accounts.models import User
from carecircle.circles import selectors
from carecircle.circles.access import CircleAccess
from carecircle.circles.fragments import KeptRegions, cached_region
from carecircle.circles.models import Membership, Role
from carecircle.lib.errors import Conflict, DomainError

# The live-update event types that change the member list.
MEMBER_EVENT_TYPES = "membership.added,membership.removed,membership.changed"
# Statuses for a request the rules refuse, from the one table every page and the API share (lib/errors.py):
# a mistake in the form, or a clash with the circle's state.
INVALID = DomainError.status
CONFLICT = Conflict.status
# Capabilities every member has; not worth listing when explaining what a role can do.
TAKEN_FOR_GRANTED = frozenset({"circle.view", "events.view"})
MEMBER_SUMMARY = "circles/member_list.html#member-summary"
MEMBER_REGION = "circles:members"
# The home's heading (with the viewer's relationship, a part) and its links: the same for everyone in
# the same position, so kept as its sections are (home.html's `{% region %}`s, read ahead in the view).
HOME_HEADING_REGION = "circles:home-heading"
HOME_LINKS_REGION = "circles:home-links"
MEMBER_PAGE = "circles/member_list.html#member-page"
# The people page shows this many members at a time, so that a big circle's page stays within the
# 14,336-byte first round trip (docs/architecture/circles.md, "The people page a part at a time").
PEOPLE_LIMIT = 10
# The invitations waiting for an answer are shown this many at a time on their own page (the people
# page has room only for their count, docs/architecture/circles-pages.md).
INVITATIONS_LIMIT = 10
# The circle home names this many members (the person and the organisers first) under a count by
# role, and links to the people page for everyone else: its bytes don't grow with the circle
# (docs/architecture/circles-pages.md, "The circle home summarises its people").
HOME_NAMES = 8


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


def invitations_start(request: HttpRequest) -> int:
    """Where the people page starts in the invitations waiting: `?invited_from=`, or the start."""
    start = request.GET.get("invited_from", "0")
    return int(start) if start.isdigit() and len(start) <= 6 else 0


def invitation_page_context(access: CircleAccess, start: int) -> dict[str, Any]:
    """One part of the invitations page: INVITATIONS_LIMIT invitations from `start`, how many in all, links on.

    Each Cancel button's address carries the part shown, so cancelling comes back to it.
    """
    invitations, total = selectors.pending_invitations_part(circle=access.circle, start=start, limit=INVITATIONS_LIMIT)
    if start >= total:
        start = 0
    following = start + len(invitations)
    base = reverse("circles:invitations", kwargs={"circle_id": access.circle.pk})
    return {
        "invitations": invitations,
        "viewer_id": access.user_id,
        "invitation_total": total,
        "invitation_first": start + 1,
        "invitation_last": following,
        "invitations_paged": total > INVITATIONS_LIMIT,
        "more_invitations_href": f"{base}?invited_from={following}" if following < total else "",
        "first_invitations_href": base if start else "",
        "invitation_return_query": f"?invited_from={start}" if start else "",
    }


def invitations_waiting(access: CircleAccess) -> int:
    """How many invitations wait for an answer: the people page's count (one row read)."""
    return selectors.pending_invitations_part(circle=access.circle, start=0, limit=1)[1]


def invitations_back(access: CircleAccess, request: HttpRequest) -> str:
    """Where cancelling an invitation returns: the part of the invitations page it was cancelled from."""
    start = invitations_start(request)
    base = reverse("circles:invitations", kwargs={"circle_id": access.circle.pk})
    return f"{base}?invited_from={start}" if start else base


def people_back(access: CircleAccess, start: int) -> str:
    """The people page at the part that starts at `start`: where a member's role or removal page returns to."""
    people_url = reverse("circles:members", kwargs={"circle_id": access.circle.pk})
    return f"{people_url}?from={start}#people" if start else people_url


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
    return {
        "members": shown,
        "viewer_id": access.user_id,
        "people_url": people_url,
        "live_types": MEMBER_EVENT_TYPES,
        "live_query": f"?from={start}",
        # The member's role and removal pages return to this part of the list (no JavaScript needed).
        "return_query": f"?from={start}" if start else "",
        "member_total": total,
        "member_first": start + 1,
        "member_last": following,
        "paged": total > PEOPLE_LIMIT,
        # Asked once for the page rather than once a member.
        "can_contact": access.can("members.contact"),
        "can_manage": access.can("members.manage"),
        "role_counts": role_counts(members),
        "more_href": f"{people_url}?from={following}#people" if following < total else "",
        "first_href": f"{people_url}#people" if start else "",
    }


def role_counts(members: list[Membership]) -> list[tuple[str, int]]:
    """How many members have each role, in the roles' order, leaving out the roles nobody has."""
    counts: dict[str, int] = {}
    for member in members:
        counts[member.role] = counts.get(member.role, 0) + 1
    return [(str(Role(role).label), counts[role]) for role in Role if role in counts]


def member_summary_html(access: CircleAccess, kept: KeptRegions | None = None) -> SafeString:
    """Who is in the circle, as the circle home shows it: a count by role and the first HOME_NAMES names.

    Nothing in it is the viewer's own (no "(you)", no contact details, no links to change or remove
    someone: those are on the people page), so it is drawn once for everyone with the same rights
    and kept under the circle's event sequence (a join, a departure, a role or name change each
    record a circle event). `kept` is the page's regions read ahead.
    """

    def render() -> str:
        members = selectors.member_list_for(circle=access.circle)
        context = {
            "members": members[:HOME_NAMES],
            "member_total": len(members),
            "member_last": min(len(members), HOME_NAMES),
            "role_counts": role_counts(members),
            "people_url": reverse("circles:members", kwargs={"circle_id": access.circle.pk}),
        }
        return get_template(MEMBER_SUMMARY).render(context)

    if kept is not None:
        return kept.region(MEMBER_REGION, [], render)
    return cached_region(access, MEMBER_REGION, [], render)


def problem(request: HttpRequest, *, title: str, text: str, status: int, back: str, **extra: Any) -> HttpResponse:
    """A page that says what went wrong and where to go next."""
    context = {"nav": "circles", "title": title, "text": text, "back": back, **extra}
    return render(request, "circles/problem.html", context, status=status)
