"""Invitation pages: inviting someone, cancelling an invitation, and joining through one.

Pages reach circle data through circles/access.py and change it only through circles/services.py.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from carecircle.accounts.emails import duration_words
from carecircle.accounts.forms import JoinByTextForm, TextCodeForm
from carecircle.accounts.models import TextCodePurpose
from carecircle.accounts.services import AccountError, user_create_by_text
from carecircle.accounts.signin import sign_in_after_password
from carecircle.accounts.text_codes import TextCodeLimited, TextCodeWrong, join_code_request, text_code_use
from carecircle.circles import selectors, services
from carecircle.circles.access import CircleAccess, access_circle, access_invitation
from carecircle.circles.forms import InviteForm
from carecircle.circles.models import ROLE_DESCRIPTIONS, Invitation, InvitationChannel, Role, role_noun
from carecircle.circles.pages import (
    INVALID,
    TAKEN_FOR_GRANTED,
    circle_context,
    invitation_page_context,
    invitations_back,
    invitations_start,
    problem,
    viewer,
)
from carecircle.circles.permissions import CAPABILITIES, EVERYONE_ELSE, capabilities_for
from carecircle.lib.addresses import client_address
from carecircle.lib.phones import phone_for_display


def _invitable_roles(access: CircleAccess) -> list[Role]:
    # Only those who manage members may bring in someone with the owners' powers.
    roles = [role for role in Role if access.can("members.manage") or role in EVERYONE_ELSE]
    if access.person_is_member:
        roles = [role for role in roles if role != Role.PERSON]
    return roles


def invite_form(access: CircleAccess, data: Any = None) -> InviteForm:
    """The invitation form, offering only the roles the viewer may hand out."""
    return InviteForm(data, roles=_invitable_roles(access), person_name=access.circle.person_name)


@require_http_methods(["GET", "POST"])
@login_required
def invite(request: HttpRequest, circle_id: int) -> HttpResponse:
    access = access_circle(user=request.user, circle_id=circle_id, capability="members.invite")
    circle = access.circle
    if request.method != "POST":
        return render(request, "circles/invite.html", circle_context(access, form=invite_form(access)))
    form = invite_form(access, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        channel = data["channel"]
        try:
            invitation, token = services.invitation_create(
                actor=viewer(request),
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
    return render(request, "circles/invite.html", circle_context(access, form=form), status=INVALID)


def _invitation_created(
    request: HttpRequest, access: CircleAccess, invitation: Invitation, token: str | None
) -> HttpResponse:
    until = formats.date_format(invitation.expires_at, "l j E")
    if invitation.channel == InvitationChannel.LINK and token is not None:
        # The link exists only in this response: it is not stored, so the page must not be cached.
        response = render(
            request,
            "circles/invite_link.html",
            circle_context(
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
        text = gettext("That link was already made. If you didn't copy it, cancel it below and make a new one.")
    elif invitation.channel == InvitationChannel.SMS:
        text = gettext("We're sending a text message to %(phone)s. The invitation works until %(until)s.") % {
            "phone": invitation.phone,
            "until": until,
        }
    else:
        text = gettext("We're sending an email to %(email)s. The invitation works until %(until)s.") % {
            "email": invitation.email,
            "until": until,
        }
    messages.success(request, text)
    target = "circles:members" if access.can("members.view") else "circles:home"
    return redirect(target, circle_id=access.circle.pk)


@require_http_methods(["GET"])
@login_required
def invitations(request: HttpRequest, circle_id: int) -> HttpResponse:
    """A big circle's invitations waiting, a part at a time: its people page has room only for their count."""
    access = access_circle(user=request.user, circle_id=circle_id, capability="members.invite")
    context = circle_context(access, **invitation_page_context(access, invitations_start(request)))
    return render(request, "circles/invitations.html", context)


@require_http_methods(["POST"])
@login_required
def invitation_revoke(request: HttpRequest, circle_id: int, invitation_id: int) -> HttpResponse:
    access, invitation = access_invitation(
        user=request.user, circle_id=circle_id, invitation_id=invitation_id, capability="members.invite"
    )
    if invitation.invited_by_id != access.user_id:
        access.require("members.manage")
    # Back to the part of the invitations page it was cancelled from (the button's address keeps it).
    back = invitations_back(access, request)
    try:
        services.invitation_revoke(actor=viewer(request), invitation=invitation)
    except services.CircleError as error:
        return problem(
            request,
            title=gettext("This invitation can't be cancelled"),
            text=str(error),
            status=error.status,
            back=back,
        )
    messages.success(
        request,
        gettext("Cancelled the invitation for %(recipient)s. Its link no longer works.")
        % {"recipient": invitation.recipient},
    )
    return redirect(back)


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
    return [str(c.label) for c in CAPABILITIES if c.key in granted and c.key not in TAKEN_FOR_GRANTED]


@_token_view
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    found = selectors.invitation_find(token=token)
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
            member = services.invitation_accept(actor=viewer(request), token=token)
        except services.CircleError as error:
            context["error"] = str(error)
            return render(request, "circles/invitation_gone.html", context, status=error.status)
        messages.success(request, gettext("Welcome to %(person)s's circle.") % {"person": found.circle.person_name})
        return redirect("circles:home", circle_id=member.circle_id)
    signup_query = {"next": here, "email": found.email} if found.email else {"next": here}
    context["signup_url"] = reverse("accounts:signup") + "?" + urlencode(signup_query)
    context["login_url"] = reverse("accounts:login") + "?" + urlencode({"next": here})
    if found.channel == InvitationChannel.SMS and found.phone:
        context["by_text_url"] = reverse("circles:invitation_by_text", kwargs={"token": token})
    context["until"] = formats.date_format(found.expires_at, "l j E")
    response = render(request, "circles/invitation.html", context)
    response["Cache-Control"] = "no-store"
    return response


# Joining by text: for someone invited by text message who has no email address. The invitation's own
# number gets a code; the code proves the phone, so the account is made with that number and no email.
JOIN_BY_TEXT = "_carecircle_join_by_text"


@_token_view
def invitation_by_text(request: HttpRequest, token: str) -> HttpResponse:
    found = selectors.invitation_find(token=token)
    if found is None or found.channel != InvitationChannel.SMS or not found.phone:
        return render(request, "circles/invitation_unknown.html", {"nav": "circles"}, status=404)
    invitation_url = reverse("circles:invitation", kwargs={"token": token})
    if request.user.is_authenticated:
        return redirect(invitation_url)
    context: dict[str, Any] = {
        "nav": "circles",
        "invitation": found,
        "circle": found.circle,
        "inviter": found.invited_by.display_name if found.invited_by else "Someone",
        "role_noun": role_noun(found.role),
        "phone": phone_for_display(found.phone),
        "invitation_url": invitation_url,
    }
    if found.status != "pending":
        return render(request, "circles/invitation_gone.html", context, status=410)
    if request.GET.get("again"):
        request.session.pop(JOIN_BY_TEXT, None)
    step = request.session.get(JOIN_BY_TEXT)
    asked = isinstance(step, dict) and step.get("invitation") == found.pk and isinstance(step.get("name"), str)
    if request.method == "POST" and "code" in request.POST and asked:
        return _join_by_text_code(request, found, token, context, name=str(step["name"]))  # type: ignore[index]
    if request.method == "POST":
        return _join_by_text_name(request, found, context)
    context["form"] = TextCodeForm() if asked else JoinByTextForm()
    context["asked"] = asked
    response = render(request, "circles/invitation_by_text.html", context)
    response["Cache-Control"] = "no-store"
    return response


def _join_by_text_name(request: HttpRequest, found: Invitation, context: dict[str, Any]) -> HttpResponse:
    form = JoinByTextForm(request.POST)
    context.update(form=form, asked=False)
    if not form.is_valid():
        return render(request, "circles/invitation_by_text.html", context, status=INVALID)
    try:
        join_code_request(
            phone=found.phone,
            address=client_address(request) or "unknown",
            invitation_id=found.pk,
            person_name=found.circle.person_name,
            language=translation.get_language(),
        )
    except TextCodeLimited as limited:
        context["wait"] = duration_words(limited.wait)
        response = render(request, "circles/invitation_by_text.html", context, status=429)
        response["Retry-After"] = str(limited.wait)
        return response
    request.session[JOIN_BY_TEXT] = {"invitation": found.pk, "name": form.cleaned_data["display_name"]}
    return redirect(request.path)


def _join_by_text_code(
    request: HttpRequest, found: Invitation, token: str, context: dict[str, Any], *, name: str
) -> HttpResponse:
    form = TextCodeForm(request.POST)
    context.update(form=form, asked=True)
    if not form.is_valid():
        return render(request, "circles/invitation_by_text.html", context, status=INVALID)
    try:
        text_code_use(
            phone=found.phone,
            purpose=TextCodePurpose.JOIN,
            code=form.cleaned_data["code"],
            address=client_address(request) or "unknown",
            subject=f"invitation:{found.pk}",
        )
    except TextCodeLimited as limited:
        context["wait"] = duration_words(limited.wait)
        response = render(request, "circles/invitation_by_text.html", context, status=429)
        response["Retry-After"] = str(limited.wait)
        return response
    except TextCodeWrong as wrong:
        form.add_error("code", str(wrong))
        return render(request, "circles/invitation_by_text.html", context, status=INVALID)
    try:
        user = user_create_by_text(phone=found.phone, display_name=name, language=translation.get_language())
        member = services.invitation_accept(actor=user, token=token)
    except (AccountError, services.CircleError) as error:
        context["error"] = str(error)
        return render(request, "circles/invitation_gone.html", context, status=getattr(error, "status", 400))
    request.session.pop(JOIN_BY_TEXT, None)
    messages.success(request, gettext("Welcome to %(person)s's circle.") % {"person": found.circle.person_name})
    home = reverse("circles:home", kwargs={"circle_id": member.circle_id})
    return sign_in_after_password(request, user, next_url=home, factor="text code")
