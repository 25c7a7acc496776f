"""The people pages: who is in a circle, changing a member's role, removing someone, and leaving.

Pages reach circle data through circles/access.py and change it only through circles/services.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import get_template
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from carecircle.circles import services
from carecircle.circles.access import CircleAccess, access_circle, access_membership
from carecircle.circles.forms import MemberEditForm
from carecircle.circles.models import Role
from carecircle.circles.pages import (
    INVALID,
    MEMBER_PAGE,
    circle_context,
    invitations_waiting,
    member_page_context,
    member_summary_html,
    people_back,
    people_start,
    viewer,
)


@require_http_methods(["GET"])
@login_required
def members(request: HttpRequest, circle_id: int) -> HttpResponse:
    access = access_circle(user=request.user, circle_id=circle_id, capability="members.view")
    # A part of the list at a time, with a summary by role and a link on (PEOPLE_LIMIT in pages.py).
    start = people_start(request)
    context = circle_context(access, **member_page_context(access, start))
    if access.can("members.invite"):
        # Only how many invitations wait, in one query: the rows are on their own page.
        context["invitation_total"] = invitations_waiting(access)
    return render(request, "circles/members.html", context)


@never_cache
@require_http_methods(["GET"])
@login_required
def members_fragment(request: HttpRequest, circle_id: int) -> HttpResponse:
    """The member list alone, refetched by live.js when someone joins, leaves or changes role.

    With `?from=` the people page's part of the list; without, the circle home's summary.
    """
    access = access_circle(user=request.user, circle_id=circle_id, capability="members.view")
    if "from" in request.GET:
        # The people page's part of the list (its live region asks with the part it shows).
        context = {"capabilities": access.capabilities, **member_page_context(access, people_start(request))}
        return HttpResponse(get_template(MEMBER_PAGE).render(context))
    # Everyone with the home open asks at once: the summary is drawn once for each set of rights.
    return HttpResponse(member_summary_html(access))


def _member_roles(access: CircleAccess, current: str) -> list[Role]:
    # A circle has at most one person being helped.
    return [role for role in Role if role != Role.PERSON or not access.person_is_member or current == Role.PERSON]


@require_http_methods(["GET", "POST"])
@login_required
def member_edit(request: HttpRequest, circle_id: int, member_id: int) -> HttpResponse:
    access, member = access_membership(
        user=request.user, circle_id=circle_id, membership_id=member_id, capability="members.manage"
    )
    roles = _member_roles(access, member.role)
    person_name = access.circle.person_name
    # The part of the people page the organiser came from (`?from=`, kept in the form's address).
    start = people_start(request)
    back = people_back(access, start)
    status = 200
    if request.method == "POST":
        form = MemberEditForm(request.POST, roles=roles, person_name=person_name)
        if form.is_valid():
            try:
                services.membership_change(
                    actor=viewer(request),
                    member=member,
                    role=form.cleaned_data["role"],
                    relationship=form.cleaned_data["relationship"],
                )
            except services.CircleError as error:
                form.add_error(None, str(error))
                status = error.status
            else:
                messages.success(
                    request, gettext("Saved the changes for %(name)s.") % {"name": member.user.display_name}
                )
                return redirect(back)
        else:
            status = INVALID
    else:
        initial = {"role": member.role, "relationship": member.relationship}
        form = MemberEditForm(initial=initial, roles=roles, person_name=person_name)
    return_query = f"?from={start}" if start else ""
    context = circle_context(access, form=form, member=member, back=back, return_query=return_query)
    return render(request, "circles/member_edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def member_remove(request: HttpRequest, circle_id: int, member_id: int) -> HttpResponse:
    access, member = access_membership(
        user=request.user, circle_id=circle_id, membership_id=member_id, capability="members.manage"
    )
    if member.user_id == access.user_id:
        return redirect("circles:leave", circle_id=circle_id)
    back = people_back(access, people_start(request))
    error, status = "", 200
    if request.method == "POST":
        try:
            services.membership_remove(actor=viewer(request), member=member)
        except services.CircleError as refused:
            error, status = str(refused), refused.status
        else:
            messages.success(
                request,
                gettext("%(name)s is no longer in %(person)s's circle.")
                % {"name": member.user.display_name, "person": access.circle.person_name},
            )
            return redirect(back)
    context = circle_context(access, member=member, error=error, back=back)
    return render(request, "circles/member_remove.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def leave(request: HttpRequest, circle_id: int) -> HttpResponse:
    access = access_circle(user=request.user, circle_id=circle_id, capability="circle.view")
    error, status = "", 200
    if request.method == "POST":
        try:
            services.membership_remove(actor=viewer(request), member=access.membership)
        except services.CircleError as refused:
            error, status = str(refused), refused.status
        else:
            messages.success(
                request, gettext("You've left %(person)s's circle.") % {"person": access.circle.person_name}
            )
            return redirect("circles:list")
    context = circle_context(access, error=error)
    return render(request, "circles/leave.html", context, status=status)
