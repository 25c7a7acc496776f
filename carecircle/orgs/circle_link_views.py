"""Linking a family's existing circle to a referral: staff ask, the circle's organiser answers in the app."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from carecircle.lib.errors import DomainError, NotFound
from carecircle.orgs import circle_links
from carecircle.orgs.access import access_organisation, access_referral
from carecircle.orgs.models import CircleLinkRequest
from carecircle.orgs.views import viewer


@require_http_methods(["POST"])
@login_required
def referral_circle_link(request: HttpRequest, organisation_id: int, referral_id: int) -> HttpResponse:
    """Ask, by email, the organiser of the family's circle to link it to this referral."""
    access, referral = access_referral(
        user=request.user, organisation_id=organisation_id, referral_id=referral_id, capability="referrals.manage"
    )
    email = request.POST.get("organiser_email", "")[:254]
    try:
        circle_links.circle_link_request(
            access=access, referral=referral, email=email, consent_confirmed=request.POST.get("consent") == "yes"
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            gettext("We've emailed %(email)s. The circle is linked only if they agree.") % {"email": email.strip()},
        )
    return redirect("orgs:referral", organisation_id=organisation_id, referral_id=referral.pk)


Finder = Callable[[], CircleLinkRequest]


def _gone(request: HttpRequest, gone: circle_links.CircleLinkGone) -> HttpResponse:
    context = {"problem": str(gone), "in_app": getattr(request.resolver_match, "url_name", "") == "circle_link_open"}
    return render(request, "orgs/circle_link_answer.html", context, status=gone.status)


def _answer_page(request: HttpRequest, find: Finder, *, error: str = "", status: int = 200) -> HttpResponse:
    try:
        link_request = find()
    except circle_links.CircleLinkGone as gone:
        return _gone(request, gone)
    context = {
        "link_request": link_request,
        "referral": link_request.referral,
        "organisation": link_request.referral.organisation,
        "circles": circle_links.circles_to_offer(user=viewer(request)),
        "error": error,
    }
    return render(request, "orgs/circle_link_answer.html", context, status=status)


def _answer(request: HttpRequest, find: Finder) -> HttpResponse:
    """Show the request (GET), or record the yes or the no (POST); the same for the email and the app."""
    if request.method == "GET":
        return _answer_page(request, find)
    user = viewer(request)
    try:
        link_request = find()
        if request.POST.get("answer") == "no":
            circle_links.circle_link_decline(actor=user, link_request=link_request)
            messages.success(request, gettext("Thank you. Nothing was linked, and the organisation has been told."))
            return redirect("circles:list")
        try:
            circle_id = int(request.POST.get("circle", ""))
        except ValueError:
            return _answer_page(request, find, error=gettext("Choose the circle to link, or say no."), status=400)
        referral = circle_links.circle_link_accept(actor=user, link_request=link_request, circle_id=circle_id)
    except circle_links.CircleLinkGone as gone:
        return _gone(request, gone)
    except DomainError as error:
        return _answer_page(request, find, error=str(error), status=error.status)
    messages.success(
        request,
        gettext(
            "The circle is linked to %(organisation)s. Their staff are invited as helpers; "
            "you can remove them at any time."
        )
        % {"organisation": referral.organisation.name},
    )
    return redirect("circles:members", circle_id=circle_id)


@require_http_methods(["GET", "POST"])
@login_required
def circle_link_answer(request: HttpRequest, token: str) -> HttpResponse:
    """The organiser, from the emailed link, chooses which of their circles to link, or says no."""
    return _answer(request, lambda: circle_links.circle_link_request_find(token=token))


@require_http_methods(["GET", "POST"])
@login_required
def circle_link_open(request: HttpRequest, link_request_id: int) -> HttpResponse:
    """The same answer in the app, for the account whose confirmed address was asked; anyone else 404."""
    user = viewer(request)

    def find() -> CircleLinkRequest:
        try:
            return circle_links.circle_link_request_for(user=user, link_request_id=link_request_id)
        except NotFound as missing:
            raise Http404(str(missing)) from None

    # find() runs first on every method, so anyone else gets 404 before any answer is looked at.
    return _answer(request, find)


@require_http_methods(["GET"])
@login_required
def circle_link_requests(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """The organisation's requests to link a family's circle that are still waiting for an answer."""
    access = access_organisation(user=request.user, organisation_id=organisation_id, capability="referrals.manage")
    context = {
        "nav": "organisations",
        "access": access,
        "organisation": access.organisation,
        "org_page": "circle_links",
        "link_requests": circle_links.circle_link_requests_waiting(access=access),
        "shown_at_most": circle_links.WAITING_SHOWN,
    }
    return render(request, "orgs/circle_link_requests.html", context)


@require_http_methods(["POST"])
@login_required
def circle_link_withdraw(request: HttpRequest, organisation_id: int, link_request_id: int) -> HttpResponse:
    """Withdraw a waiting request (sent to the wrong address, or no longer wanted)."""
    access = access_organisation(user=request.user, organisation_id=organisation_id, capability="referrals.manage")
    try:
        withdrawn = circle_links.circle_link_withdraw(access=access, link_request_id=link_request_id)
    except NotFound as missing:
        raise Http404(str(missing)) from None
    except circle_links.CircleLinkGone as gone:
        messages.error(request, str(gone))
    else:
        messages.success(
            request,
            gettext("The request to %(email)s is withdrawn: the link in their email no longer works.")
            % {"email": withdrawn.email},
        )
    return redirect("orgs:circle_link_requests", organisation_id=organisation_id)
