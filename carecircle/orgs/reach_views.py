"""An organisation offers CareCircle: its branded page, invite codes, starting a circle with one.

The branded page (`/with/<slug>/`) and its logo are public. Entering a code there is rate-limited
per address; a code that works is kept in the session while the person signs in or creates an
account, then `/with/<slug>/start` asks who the circle is for and for their consent, in plain words.
Staff pages go through orgs/access.py: the page's look is for admins, codes for coordinators too.
"""

from __future__ import annotations

import mimetypes
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from carecircle.lib.addresses import client_address
from carecircle.lib.errors import DomainError
from carecircle.orgs import invite_codes
from carecircle.orgs.access import access_organisation
from carecircle.orgs.branding import BrandingError, organisation_page_update, palette_for
from carecircle.orgs.models import InviteCode, Organisation, OrganisationCircle
from carecircle.orgs.reach_forms import CodeEntryForm, InviteCodeForm, OrganisationPageForm, StartWithCodeForm
from carecircle.orgs.views import viewer

INVALID = DomainError.status
TOO_MANY = 429
SESSION_KEY = "orgs_invite_code"


def _organisation(slug: str) -> Organisation:
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        raise Http404(gettext("No such organisation."))
    return organisation


def _field_error(form: object, error: DomainError) -> None:
    fields = getattr(form, "fields", {})
    form.add_error(error.field if error.field in fields else None, str(error))  # type: ignore[attr-defined]


# The public branded page.


def _landing_page(
    request: HttpRequest, organisation: Organisation, form: CodeEntryForm, status: int = 200
) -> HttpResponse:
    context = {"organisation": organisation, "palette": palette_for(organisation), "form": form}
    return render(request, "orgs/landing.html", context, status=status)


@require_http_methods(["GET", "POST"])
def landing(request: HttpRequest, organisation_slug: str) -> HttpResponse:
    """The organisation's branded page, where people enter the code it gave them."""
    organisation = _organisation(organisation_slug)
    if request.method == "GET":
        return _landing_page(request, organisation, CodeEntryForm())
    form = CodeEntryForm(request.POST)
    if invite_codes.too_many_attempts(client_address(request) or ""):
        form.is_valid()
        form.add_error(None, gettext("Too many codes have been tried from here in the last hour. Try again later."))
        response = _landing_page(request, organisation, form, status=TOO_MANY)
        response["Retry-After"] = str(invite_codes.retry_after_seconds())
        return response
    if not form.is_valid():
        return _landing_page(request, organisation, form, status=INVALID)
    try:
        invite_codes.invite_code_find(organisation=organisation, code=form.cleaned_data["code"])
    except invite_codes.InviteCodeError as error:
        _field_error(form, error)
        return _landing_page(request, organisation, form, status=error.status)
    request.session[SESSION_KEY] = {
        "organisation": organisation.pk,
        "code": invite_codes.normalise(form.cleaned_data["code"]),
    }
    return redirect("orgs:start_with_code", organisation_slug=organisation.slug)


@require_http_methods(["GET"])
def logo(request: HttpRequest, organisation_slug: str) -> FileResponse:
    organisation = _organisation(organisation_slug)
    if not organisation.logo:
        raise Http404(gettext("No logo."))
    content_type = mimetypes.guess_type(organisation.logo.name or "")[0] or ""
    if not content_type.startswith("image/"):
        raise Http404(gettext("No logo."))
    try:
        handle = organisation.logo.open("rb")
    except FileNotFoundError as error:
        raise Http404(gettext("No logo.")) from error
    response = FileResponse(handle, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    # The address carries the file's random name (?v=), so a new logo is a new address.
    response["Cache-Control"] = "public, max-age=86400"
    return response


def _start_page(
    request: HttpRequest, organisation: Organisation, form: StartWithCodeForm, status: int = 200
) -> HttpResponse:
    context = {
        "organisation": organisation,
        "palette": palette_for(organisation),
        "form": form,
        "consent_wording": invite_codes.consent_wording(organisation),
    }
    return render(request, "orgs/start_with_code.html", context, status=status)


def _started_by_this_form(request: HttpRequest, organisation: Organisation) -> int | None:
    if request.method != "POST":
        return None
    try:
        client_id = uuid.UUID(request.POST.get("client_id", ""))
    except ValueError:
        return None
    link = OrganisationCircle.objects.filter(
        organisation=organisation, circle__created_by_id=request.user.pk, circle__client_id=client_id
    ).first()
    return link.circle_id if link is not None else None


@require_http_methods(["GET", "POST"])
@login_required
def start_with_code(request: HttpRequest, organisation_slug: str) -> HttpResponse:
    """Who the circle is for and their consent to the link; then the circle starts."""
    organisation = _organisation(organisation_slug)
    kept = request.session.get(SESSION_KEY) or {}
    already = _started_by_this_form(request, organisation)
    if already is not None:
        # The same form arriving again (a double click) after the first started the circle.
        return redirect("circles:home", circle_id=already)
    if kept.get("organisation") != organisation.pk:
        messages.info(request, gettext("Enter your code first."))
        return redirect("orgs:landing", organisation_slug=organisation.slug)
    if request.method == "GET":
        return _start_page(request, organisation, StartWithCodeForm(initial={"client_id": uuid.uuid4()}))
    form = StartWithCodeForm(request.POST)
    if not form.is_valid():
        return _start_page(request, organisation, form, status=INVALID)
    data = form.cleaned_data
    try:
        circle = invite_codes.circle_start_with_code(
            actor=viewer(request),
            organisation=organisation,
            code=kept.get("code", ""),
            person_name=data["person_name"],
            for_self=data["for_self"],
            relationship=data["relationship"],
            consent_given_by=data["consent_given_by"],
            consent_confirmed=data["consent"],
            client_id=data["client_id"],
        )
    except invite_codes.InviteCodeGone as error:
        request.session.pop(SESSION_KEY, None)
        messages.error(request, str(error))
        return redirect("orgs:landing", organisation_slug=organisation.slug)
    except invite_codes.InviteCodeError as error:
        _field_error(form, error)
        return _start_page(request, organisation, form, status=error.status)
    request.session.pop(SESSION_KEY, None)
    messages.success(
        request,
        gettext("The circle for %(person)s has started. Invite the people who help.") % {"person": circle.person_name},
    )
    return redirect("circles:home", circle_id=circle.pk)


# Staff pages.


@require_http_methods(["GET", "POST"])
@login_required
def organisation_page(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """Admins change the branded page: welcome, colours (kept readable) and logo."""
    access = access_organisation(user=request.user, organisation_id=organisation_id, capability="staff.manage")
    organisation = access.organisation
    status = 200
    if request.method == "POST":
        form = OrganisationPageForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                organisation = organisation_page_update(
                    access=access,
                    welcome=data["welcome"],
                    brand_colour=data["brand_colour"],
                    accent_colour=data["accent_colour"],
                    logo=data["logo"],
                    remove_logo=data["remove_logo"],
                )
            except BrandingError as error:
                _field_error(form, error)
                status = error.status
            else:
                messages.success(request, gettext("Your page has been saved."))
                return redirect("orgs:page", organisation_id=organisation.pk)
        else:
            status = INVALID
    else:
        form = OrganisationPageForm(
            initial={
                "welcome": organisation.welcome,
                "brand_colour": organisation.brand_colour,
                "accent_colour": organisation.accent_colour,
            }
        )
    context = {
        "nav": "organisations",
        "access": access,
        "organisation": organisation,
        "org_page": "page",
        "form": form,
        "palette": palette_for(organisation),
    }
    return render(request, "orgs/page_edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def invite_code_list(request: HttpRequest, organisation_id: int) -> HttpResponse:
    access = access_organisation(user=request.user, organisation_id=organisation_id, capability="invites.manage")
    form = InviteCodeForm()
    status = 200
    if request.method == "POST":
        form = InviteCodeForm(request.POST)
        if form.is_valid():
            try:
                invite_code, code = invite_codes.invite_code_create(access=access, **form.cleaned_data)
            except invite_codes.InviteCodeError as error:
                _field_error(form, error)
                status = error.status
            else:
                messages.success(
                    request,
                    gettext("The code for “%(label)s” is %(code)s. Write it down now: it won't be shown again.")
                    % {"label": invite_code.label, "code": code},
                )
                return redirect("orgs:invite_codes", organisation_id=organisation_id)
        else:
            status = INVALID
    context = {
        "nav": "organisations",
        "access": access,
        "organisation": access.organisation,
        "org_page": "invite_codes",
        "form": form,
        "codes": InviteCode.objects.filter(organisation=access.organisation).select_related("created_by")[:200],
        "circle_count": access.organisation.circle_links.count(),
    }
    return render(request, "orgs/invite_codes.html", context, status=status)


@require_http_methods(["POST"])
@login_required
def invite_code_revoke(request: HttpRequest, organisation_id: int, code_id: int) -> HttpResponse:
    access = access_organisation(user=request.user, organisation_id=organisation_id, capability="invites.manage")
    invite_code = InviteCode.objects.filter(pk=code_id, organisation_id=organisation_id).first()
    if invite_code is None:
        raise Http404(gettext("No such code."))
    try:
        invite_codes.invite_code_revoke(access=access, invite_code=invite_code)
    except invite_codes.InviteCodeConflict as error:
        messages.error(request, str(error))
        return redirect("orgs:invite_codes", organisation_id=organisation_id)
    messages.success(
        request,
        gettext("“%(label)s” no longer works. Circles already started with it stay.") % {"label": invite_code.label},
    )
    return redirect("orgs:invite_codes", organisation_id=organisation_id)
