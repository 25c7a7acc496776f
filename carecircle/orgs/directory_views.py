"""The "Find local support" page, "We referred them here" from a referral, and whether they used it.

The search is a GET form; recording where someone was sent, and whether they used the service,
are plain form posts that redirect back, so all work without JavaScript.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from carecircle.accounts.models import User
from carecircle.lib.errors import DomainError
from carecircle.orgs import signposting
from carecircle.orgs.access import OrganisationAccess, access_referral
from carecircle.orgs.models import DirectoryService, OrganisationStaff, Referral, ServiceUse, Signposting


def _viewer(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _referral_from(request: HttpRequest) -> tuple[OrganisationAccess, Referral] | None:
    """The referral staff are finding support for (?referral=), checked like the referral's own page."""
    value = request.GET.get("referral", "")
    if not value.isdigit() or len(value) > 12:
        return None
    staff = OrganisationStaff.objects.filter(user_id=_viewer(request).pk).values_list("organisation_id", flat=True)
    organisation_id = (
        Referral.objects.filter(pk=int(value), organisation_id__in=list(staff))
        .values_list("organisation_id", flat=True)
        .first()
    )
    if organisation_id is None:
        return None
    return access_referral(user=request.user, organisation_id=organisation_id, referral_id=int(value))


@require_http_methods(["GET"])
@login_required
def find_support(request: HttpRequest) -> HttpResponse:
    signposting.require_find_support(_viewer(request))
    found = signposting.support_search(need=request.GET.get("need", ""), place=request.GET.get("place", ""))
    for_referral = _referral_from(request)
    context = {
        "nav": "support",
        "search": found,
        "needs": list(signposting.NEED_LABELS.items()),
        "for_referral": for_referral[1] if for_referral else None,
        "for_organisation": for_referral[0].organisation if for_referral else None,
        "already_sent": set(for_referral[1].signpostings.values_list("service_id", flat=True) if for_referral else []),
    }
    return render(request, "orgs/find_support.html", context)


@require_http_methods(["POST"])
@login_required
def referral_signpost(request: HttpRequest, organisation_id: int, referral_id: int) -> HttpResponse:
    access, referral = access_referral(user=request.user, organisation_id=organisation_id, referral_id=referral_id)
    value = request.POST.get("service", "")
    service = DirectoryService.objects.filter(pk=int(value)).first() if value.isdigit() and len(value) < 12 else None
    back = redirect("orgs:referral", organisation_id=organisation_id, referral_id=referral.pk)
    if service is None:
        messages.error(request, gettext("Choose a service from the directory."))
        return back
    try:
        _, new = signposting.referral_signpost(
            access=access,
            referral=referral,
            service=service,
            for_carer=request.POST.get("for_carer") == "yes",
            note=request.POST.get("note", "")[: signposting.LONGEST_NOTE + 1],
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        if new:
            messages.success(
                request,
                gettext("Recorded: %(person)s was sent to %(service)s.")
                % {"person": referral.person_name, "service": service.name},
            )
        else:
            messages.info(
                request,
                gettext("%(service)s was already recorded for %(reference)s.")
                % {"service": service.name, "reference": referral.reference},
            )
    return back


def _day(value: str) -> datetime.date | None:
    """A date field's value (YYYY-MM-DD), or None when it is empty or not a date."""
    try:
        return datetime.date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        return None


@require_http_methods(["POST"])
@login_required
def signposting_use(request: HttpRequest, organisation_id: int, referral_id: int, signposting_id: int) -> HttpResponse:
    """Record whether the person used a service they were sent to, from the referral's page."""
    access, referral = access_referral(user=request.user, organisation_id=organisation_id, referral_id=referral_id)
    sent = get_object_or_404(Signposting, pk=signposting_id, referral=referral)
    back = redirect(
        f"{redirect('orgs:referral', organisation_id=organisation_id, referral_id=referral.pk).url}#sent-{sent.pk}"
    )
    use = request.POST.get("use", "")
    try:
        changed = signposting.signposting_use_record(
            access=access, signposting=sent, use=use, used_on=_day(request.POST.get("used_on", "").strip())
        )
    except DomainError as error:
        messages.error(request, str(error))
        return back
    if changed:
        messages.success(
            request,
            gettext("Recorded for %(service)s: %(answer)s.")
            % {"service": sent.service_name, "answer": ServiceUse(use).label.lower()},
        )
    else:
        messages.info(request, gettext("That was already recorded for %(service)s.") % {"service": sent.service_name})
    return back
