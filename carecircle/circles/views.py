"""The circles pages: your circles, a circle's home, its people, invitations and consent.

Every page reaches circle data through circles/access.py and changes it only through
circles/services.py. A rule the services refuse (CircleError) is shown to the person with what to
do next, never as a server error.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from carecircle.accounts.models import User
from carecircle.circles import selectors, services
from carecircle.circles.access import CircleAccess, access_circle, access_invitation, access_membership
from carecircle.circles.forms import (
    CONSENT_ROLES,
    ROLE_PLURALS,
    CircleCreateForm,
    CircleEditForm,
    ConsentForm,
    InviteForm,
    MemberEditForm,
)
from carecircle.circles.models import ROLE_DESCRIPTIONS, Invitation, InvitationChannel, Role, role_noun
from carecircle.circles.permissions import CAPABILITIES, EVERYONE_ELSE, capabilities_for, default_consent

# The live-update event types that change the member list.
MEMBER_EVENT_TYPES = "membership.added,membership.removed,membership.changed"
# Statuses for a request the rules refuse: a mistake in the form, or a clash with the circle's state.
INVALID = 400
CONFLICT = 409
# Capabilities every member has; not worth listing when explaining what a role can do.
TAKEN_FOR_GRANTED = frozenset({"circle.view", "events.view"})


def _viewer(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User), "login_required runs first"
    return user


def _circle_context(access: CircleAccess, **extra: Any) -> dict[str, Any]:
    """What every page of one circle needs: the circle, the viewer's role and capabilities."""
    return {
        "nav": "circles",
        "circle": access.circle,
        "access": access,
        "capabilities": access.capabilities,
        "role_label": Role(access.role).label,
        **extra,
    }


def _member_list_context(access: CircleAccess) -> dict[str, Any]:
    return {
        "members": selectors.member_list_for(circle=access.circle),
        "viewer_id": access.user_id,
        "live_types": MEMBER_EVENT_TYPES,
    }


def _problem(request: HttpRequest, *, title: str, text: str, status: int, back: str, **extra: Any) -> HttpResponse:
    """A page that says what went wrong and where to go next."""
    context = {"nav": "circles", "title": title, "text": text, "back": back, **extra}
    return render(request, "circles/problem.html", context, status=status)


# Your circles and starting one.


@require_http_methods(["GET"])
@login_required
def circle_list(request: HttpRequest) -> HttpResponse:
    memberships = selectors.circle_memberships_for(viewer=_viewer(request))
    return render(request, "circles/list.html", {"nav": "circles", "memberships": memberships})


@require_http_methods(["GET", "POST"])
@login_required
def circle_create(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    if request.method == "POST":
        form = CircleCreateForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                circle = services.circle_create(
                    actor=viewer,
                    person_name=data["person_name"],
                    relationship="" if form.actor_is_person else data["relationship"],
                    person_date_of_birth=data["person_date_of_birth"],
                    person_photo=data["photo"],
                    actor_is_person=form.actor_is_person,
                    client_id=data["client_id"],
                )
            except services.CircleError as error:
                form.add_error(None, str(error))
            else:
                if form.actor_is_person:
                    text = "Your circle is ready. Now invite the people who help you, so everyone sees what's needed."
                else:
                    text = (
                        f"{circle.person_name}'s circle is ready. Now invite the people who help, "
                        "so everyone sees what's needed."
                    )
                messages.success(request, text)
                return redirect("circles:home", circle_id=circle.pk)
    else:
        form = CircleCreateForm()
    status = INVALID if form.errors else 200
    return render(request, "circles/create.html", {"nav": "circles", "form": form}, status=status)


# One circle.


@require_http_methods(["GET"])
@login_required
def circle_home(request: HttpRequest, circle_id: int) -> HttpResponse:
    access = access_circle(user=request.user, circle_id=circle_id, capability="circle.view")
    context = _circle_context(
        access, can_read_record=any(key.startswith("records.read.") for key in access.capabilities)
    )
    if access.can("members.view"):
        context.update(_member_list_context(access))
    return render(request, "circles/home.html", context)


@require_http_methods(["GET"])
@login_required
def circle_photo(request: HttpRequest, circle_id: int) -> FileResponse:
    """The person's photo, only for the people in their circle."""
    access = access_circle(user=request.user, circle_id=circle_id, capability="circle.view")
    photo = access.circle.person_photo
    if not photo:
        raise Http404("No photo.")
    try:
        handle = photo.open("rb")
    except FileNotFoundError as error:
        raise Http404("No photo.") from error
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_http_methods(["GET", "POST"])
@login_required
def circle_edit(request: HttpRequest, circle_id: int) -> HttpResponse:
    access = access_circle(user=request.user, circle_id=circle_id, capability="circle.edit")
    circle = access.circle
    if request.method == "POST":
        form = CircleEditForm(request.POST)
        if form.is_valid():
            try:
                services.circle_update(
                    actor=_viewer(request),
                    circle=circle,
                    person_name=form.cleaned_data["person_name"],
                    person_date_of_birth=form.cleaned_data["person_date_of_birth"],
                )
            except services.CircleError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "Saved.")
                return redirect("circles:home", circle_id=circle.pk)
    else:
        form = CircleEditForm(
            initial={"person_name": circle.person_name, "person_date_of_birth": circle.person_date_of_birth}
        )
    status = INVALID if form.errors else 200
    return render(request, "circles/edit.html", _circle_context(access, form=form), status=status)


# People and invitations.


def _invitable_roles(access: CircleAccess) -> list[Role]:
    # Only those who manage members may bring in someone with the owners' powers.
    roles = [role for role in Role if access.can("members.manage") or role in EVERYONE_ELSE]
    if access.person_is_member:
        roles = [role for role in roles if role != Role.PERSON]
    return roles


def _invite_form(access: CircleAccess, data: Any = None) -> InviteForm:
    return InviteForm(data, roles=_invitable_roles(access), person_name=access.circle.person_name)


@require_http_methods(["GET"])
@login_required
def members(request: HttpRequest, circle_id: int) -> HttpResponse:
    access = access_circle(user=request.user, circle_id=circle_id, capability="members.view")
    context = _circle_context(access, **_member_list_context(access))
    if access.can("members.invite"):
        context["invitations"] = selectors.pending_invitations_for(circle=access.circle)
        context["form"] = _invite_form(access)
    return render(request, "circles/members.html", context)


@never_cache
@require_http_methods(["GET"])
@login_required
def members_fragment(request: HttpRequest, circle_id: int) -> HttpResponse:
    """The member list alone, refetched by live.js when someone joins, leaves or changes role."""
    access = access_circle(user=request.user, circle_id=circle_id, capability="members.view")
    context = _circle_context(access, **_member_list_context(access))
    return render(request, "circles/member_list.html#member-list", context)


@require_http_methods(["GET", "POST"])
@login_required
def invite(request: HttpRequest, circle_id: int) -> HttpResponse:
    access = access_circle(user=request.user, circle_id=circle_id, capability="members.invite")
    circle = access.circle
    if request.method != "POST":
        return render(request, "circles/invite.html", _circle_context(access, form=_invite_form(access)))
    form = _invite_form(access, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        channel = data["channel"]
        try:
            invitation, token = services.invitation_create(
                actor=_viewer(request),
                circle=circle,
                role=data["role"],
                channel=channel,
                relationship=data["relationship"],
                name=data["name"],
                email=data["email"] if channel == InvitationChannel.EMAIL else "",
                phone=data["phone"] if channel == InvitationChannel.SMS else "",
                note=data["note"],
                expires_in_days=data["expires_in_days"],
                client_id=data["client_id"],
            )
        except services.CircleError as error:
            form.add_error(None, str(error))
        else:
            return _invitation_created(request, access, invitation, token)
    return render(request, "circles/invite.html", _circle_context(access, form=form), status=INVALID)


def _invitation_created(
    request: HttpRequest, access: CircleAccess, invitation: Invitation, token: str | None
) -> HttpResponse:
    until = formats.date_format(invitation.expires_at, "l j F")
    if invitation.channel == InvitationChannel.LINK and token is not None:
        # The link exists only in this response: it is not stored, so the page must not be cached.
        response = render(
            request,
            "circles/invite_link.html",
            _circle_context(
                access,
                invitation=invitation,
                joins_as=role_noun(invitation.role),
                link=request.build_absolute_uri(reverse("circles:invitation", kwargs={"token": token})),
                until=until,
            ),
        )
        response["Cache-Control"] = "no-store"
        return response
    if invitation.channel == InvitationChannel.LINK:
        text = "That link was already made. If you didn't copy it, cancel it below and make a new one."
    elif invitation.channel == InvitationChannel.SMS:
        text = f"We're sending a text message to {invitation.phone}. The invitation works until {until}."
    else:
        text = f"We're sending an email to {invitation.email}. The invitation works until {until}."
    messages.success(request, text)
    target = "circles:members" if access.can("members.view") else "circles:home"
    return redirect(target, circle_id=access.circle.pk)


@require_http_methods(["POST"])
@login_required
def invitation_revoke(request: HttpRequest, circle_id: int, invitation_id: int) -> HttpResponse:
    access, invitation = access_invitation(
        user=request.user, circle_id=circle_id, invitation_id=invitation_id, capability="members.invite"
    )
    if invitation.invited_by_id != access.user_id:
        access.require("members.manage")
    back = reverse("circles:members" if access.can("members.view") else "circles:home", args=[circle_id])
    try:
        services.invitation_revoke(actor=_viewer(request), invitation=invitation)
    except services.CircleError as error:
        return _problem(
            request, title="This invitation can't be cancelled", text=str(error), status=CONFLICT, back=back
        )
    messages.success(request, f"Cancelled the invitation for {invitation.recipient}. Its link no longer works.")
    return redirect(back)


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
    status = 200
    if request.method == "POST":
        form = MemberEditForm(request.POST, roles=roles, person_name=person_name)
        if form.is_valid():
            try:
                services.membership_change(
                    actor=_viewer(request),
                    member=member,
                    role=form.cleaned_data["role"],
                    relationship=form.cleaned_data["relationship"],
                )
            except services.CircleError as error:
                form.add_error(None, str(error))
                status = CONFLICT
            else:
                messages.success(request, f"Saved the changes for {member.user.display_name}.")
                return redirect("circles:members", circle_id=circle_id)
        else:
            status = INVALID
    else:
        initial = {"role": member.role, "relationship": member.relationship}
        form = MemberEditForm(initial=initial, roles=roles, person_name=person_name)
    context = _circle_context(access, form=form, member=member)
    return render(request, "circles/member_edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def member_remove(request: HttpRequest, circle_id: int, member_id: int) -> HttpResponse:
    access, member = access_membership(
        user=request.user, circle_id=circle_id, membership_id=member_id, capability="members.manage"
    )
    if member.user_id == access.user_id:
        return redirect("circles:leave", circle_id=circle_id)
    error = ""
    if request.method == "POST":
        try:
            services.membership_remove(actor=_viewer(request), member=member)
        except services.CircleError as refused:
            error = str(refused)
        else:
            messages.success(
                request, f"{member.user.display_name} is no longer in {access.circle.person_name}'s circle."
            )
            return redirect("circles:members", circle_id=circle_id)
    context = _circle_context(access, member=member, error=error)
    return render(request, "circles/member_remove.html", context, status=CONFLICT if error else 200)


@require_http_methods(["GET", "POST"])
@login_required
def leave(request: HttpRequest, circle_id: int) -> HttpResponse:
    access = access_circle(user=request.user, circle_id=circle_id, capability="circle.view")
    error = ""
    if request.method == "POST":
        try:
            services.membership_remove(actor=_viewer(request), member=access.membership)
        except services.CircleError as refused:
            error = str(refused)
        else:
            messages.success(request, f"You've left {access.circle.person_name}'s circle.")
            return redirect("circles:list")
    context = _circle_context(access, error=error)
    return render(request, "circles/leave.html", context, status=CONFLICT if error else 200)


# Consent: who sees what.


def _effective_consent(consent: dict[str, list[str]]) -> dict[str, list[str]]:
    # A role missing from the stored settings has the defaults, exactly as permissions.capabilities_for reads it.
    defaults = default_consent()
    return {role.value: list(consent.get(role.value, defaults[role.value])) for role in CONSENT_ROLES}


def _consent_summary(consent: dict[str, list[str]]) -> list[dict[str, Any]]:
    """For the read-only page: what each role may see and do, in the capability map's own words."""
    summary = []
    for role in CONSENT_ROLES:
        granted = capabilities_for(role=role.value, consent=consent, person_is_member=False)
        labels = [c.label for c in CAPABILITIES if c.key in granted and c.key not in TAKEN_FOR_GRANTED]
        summary.append({"title": ROLE_PLURALS[role], "labels": labels})
    return summary


@require_http_methods(["GET", "POST"])
@login_required
def consent(request: HttpRequest, circle_id: int) -> HttpResponse:
    access = access_circle(user=request.user, circle_id=circle_id, capability="circle.view")
    circle = access.circle
    current = _effective_consent(circle.consent or {})
    can_change = access.can("consent.manage")
    status = 200
    form = None
    if request.method == "POST":
        access.require("consent.manage")
        form = ConsentForm(request.POST, consent=current)
        if form.is_valid():
            try:
                services.consent_update(actor=_viewer(request), circle=circle, grants=form.grants())
            except services.CircleError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "Saved. Everyone in the circle now sees what these settings allow.")
                return redirect("circles:consent", circle_id=circle.pk)
        status = INVALID
    elif can_change:
        form = ConsentForm(consent=current)
    context = _circle_context(
        access,
        form=form,
        can_change=can_change,
        summary=_consent_summary(current),
    )
    return render(request, "circles/consent.html", context, status=status)


# Joining through an invitation. The secret token is in the address: it must never reach a log.


def _quiet(response: HttpResponse) -> HttpResponse:
    # Django logs every 4xx response with its path, which here holds the secret token.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def _token_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """require_http_methods(["GET", "POST"]) without logging the path (it holds the token)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in ("GET", "HEAD", "POST"):
            return _quiet(HttpResponseNotAllowed(["GET", "HEAD", "POST"]))
        return _quiet(view(request, *args, **kwargs))

    return wrapper


def _invitation_capabilities(invitation: Invitation) -> list[str]:
    granted = capabilities_for(role=invitation.role, consent=invitation.circle.consent, person_is_member=False)
    return [c.label for c in CAPABILITIES if c.key in granted and c.key not in TAKEN_FOR_GRANTED]


@_token_view
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    found = services.invitation_find(token=token)
    if found is None:
        return render(request, "circles/invitation_unknown.html", {"nav": "circles"}, status=404)
    inviter = found.invited_by.display_name if found.invited_by else "Someone"
    context: dict[str, Any] = {
        "nav": "circles",
        "invitation": found,
        "circle": found.circle,
        "inviter": inviter,
        "role_noun": role_noun(found.role),
        "role_description": ROLE_DESCRIPTIONS.get(Role(found.role), ""),
        "role_capabilities": _invitation_capabilities(found),
    }
    membership = selectors.membership_of(user=request.user, circle=found.circle)
    if membership is not None:
        return render(request, "circles/invitation_member.html", context)
    if found.status != "pending":
        return render(request, "circles/invitation_gone.html", context, status=410)
    here = request.path
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(reverse("accounts:login") + "?" + urlencode({"next": here}))
        try:
            member = services.invitation_accept(actor=_viewer(request), token=token)
        except services.CircleError as error:
            context["error"] = str(error)
            return render(request, "circles/invitation_gone.html", context, status=CONFLICT)
        messages.success(request, f"Welcome to {found.circle.person_name}'s circle.")
        return redirect("circles:home", circle_id=member.circle_id)
    signup_query = {"next": here, "email": found.email} if found.email else {"next": here}
    context["signup_url"] = reverse("accounts:signup") + "?" + urlencode(signup_query)
    context["login_url"] = reverse("accounts:login") + "?" + urlencode({"next": here})
    context["until"] = formats.date_format(found.expires_at, "l j F")
    response = render(request, "circles/invitation.html", context)
    response["Cache-Control"] = "no-store"
    return response
