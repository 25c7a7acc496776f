"""The organisation pages: your organisations, an organisation's home, its staff, joining it.

Every page reaches an organisation through orgs/access.py (404 to outsiders, 403 to staff whose
role doesn't allow it) and changes it only through orgs/services.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from carecircle.accounts.models import User
from carecircle.lib.errors import DomainError, Gone
from carecircle.orgs import selectors, services
from carecircle.orgs.access import access_organisation, commissioned_areas
from carecircle.orgs.forms import StaffInviteForm, StaffRoleForm
from carecircle.orgs.jobs import directory_problem
from carecircle.orgs.models import OrganisationStaff, StaffRole
from carecircle.orgs.referral_selectors import referral_counts_for

INVALID = DomainError.status


def viewer(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User), "login_required runs first"
    return user


@require_http_methods(["GET"])
@login_required
def organisation_list(request: HttpRequest) -> HttpResponse:
    user = viewer(request)
    context = {
        "nav": "organisations",
        "roles": selectors.staff_roles_for(viewer=user),
        "areas": commissioned_areas(user=user),
    }
    return render(request, "orgs/list.html", context)


@require_http_methods(["GET"])
@login_required
def organisation_home(request: HttpRequest, organisation_id: int) -> HttpResponse:
    access = access_organisation(user=request.user, organisation_id=organisation_id)
    context = {"nav": "organisations", "access": access, "organisation": access.organisation, "org_page": "home"}
    context["counts"] = referral_counts_for(access=access)
    # Admins are told when the worker could not refresh the local service directory.
    context["directory_problem"] = directory_problem() if access.can("staff.manage") else None
    return render(request, "orgs/home.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def staff(request: HttpRequest, organisation_id: int) -> HttpResponse:
    access = access_organisation(user=request.user, organisation_id=organisation_id, capability="staff.view")
    form = StaffInviteForm()
    status = 200
    if request.method == "POST":
        access.require("staff.manage")
        form = StaffInviteForm(request.POST)
        if form.is_valid():
            try:
                services.staff_invitation_create(
                    actor=access.user,
                    organisation=access.organisation,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                )
            except services.OrganisationError as error:
                form.add_error("email" if error.field == "email" else None, str(error))
                status = error.status
            else:
                messages.success(
                    request,
                    gettext("We've emailed an invitation to %(email)s.") % {"email": form.cleaned_data["email"]},
                )
                return redirect("orgs:staff", organisation_id=organisation_id)
        else:
            status = INVALID
    context = {
        "nav": "organisations",
        "access": access,
        "organisation": access.organisation,
        "staff_list": selectors.staff_list_for(organisation=access.organisation),
        "invitations": selectors.open_staff_invitations_for(organisation=access.organisation),
        "form": form,
        "roles": StaffRole.choices,
        "org_page": "staff",
    }
    return render(request, "orgs/staff.html", context, status=status)


def _staff_member(organisation_id: int, staff_id: int) -> OrganisationStaff:
    member = (
        OrganisationStaff.objects.select_related("user").filter(pk=staff_id, organisation_id=organisation_id).first()
    )
    if member is None:
        raise Http404(gettext("No such member of staff."))
    return member


@require_http_methods(["POST"])
@login_required
def staff_role(request: HttpRequest, organisation_id: int, staff_id: int) -> HttpResponse:
    access = access_organisation(user=request.user, organisation_id=organisation_id, capability="staff.manage")
    member = _staff_member(organisation_id, staff_id)
    form = StaffRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Choose admin, coordinator or volunteer."))
        return redirect("orgs:staff", organisation_id=organisation_id)
    try:
        services.organisation_staff_role_change(actor=access.user, staff=member, role=form.cleaned_data["role"])
    except services.OrganisationError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            gettext("%(name)s is now %(role)s.")
            % {"name": member.user.display_name, "role": member.get_role_display().lower()},
        )
    return redirect("orgs:staff", organisation_id=organisation_id)


@require_http_methods(["POST"])
@login_required
def staff_remove(request: HttpRequest, organisation_id: int, staff_id: int) -> HttpResponse:
    access = access_organisation(user=request.user, organisation_id=organisation_id, capability="staff.manage")
    member = _staff_member(organisation_id, staff_id)
    try:
        services.organisation_staff_remove(actor=access.user, staff=member)
    except services.OrganisationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, gettext("%(name)s is no longer on the staff.") % {"name": member.user.display_name})
    return redirect("orgs:staff", organisation_id=organisation_id)


@require_http_methods(["GET", "POST"])
@login_required
def staff_join(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.staff_invitation_find(token=token)
    except Gone as error:
        return render(request, "orgs/join.html", {"problem": str(error)}, status=error.status)
    if request.method == "POST":
        try:
            staff_place = services.staff_invitation_accept(actor=viewer(request), token=token)
        except Gone as error:
            return render(request, "orgs/join.html", {"problem": str(error)}, status=error.status)
        messages.success(
            request, gettext("You've joined %(organisation)s.") % {"organisation": staff_place.organisation.name}
        )
        return redirect("orgs:home", organisation_id=staff_place.organisation_id)
    return render(request, "orgs/join.html", {"invitation": invitation})
